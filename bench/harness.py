"""Benchmark plumbing: a scratch MySQL database, a real gunicorn server, timed client processes."""

import contextlib
import os
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SERVER = "mysql+pymysql://root@127.0.0.1:3306/"


@contextlib.contextmanager
def scratch_database(server_url: str):
    """A new, migrated MySQL database, dropped afterwards."""
    server = make_url(server_url).set(database=None)
    name = f"stockflow_bench_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
    url = server.set(database=name).update_query_dict({"charset": "utf8mb4"}).render_as_string(hide_password=False)
    try:
        subprocess.run(
            [sys.executable, "-m", "flask", "db", "upgrade"], cwd=ROOT, check=True, capture_output=True,
            env={**os.environ, "DATABASE_URL": url, "FLASK_APP": "wsgi"},
        )
        yield url
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f"DROP DATABASE IF EXISTS `{name}`")
        admin.dispose()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def gunicorn(database_url: str, workers: int, app: str = "wsgi:app", **env):
    """Serve `app` (the API unless told) with gunicorn.conf.py, as `make run` and the Docker image do."""
    port = free_port()
    environment = {
        **os.environ, "DATABASE_URL": database_url, "BIND": f"127.0.0.1:{port}", "WEB_CONCURRENCY": str(workers),
        "LOG_LEVEL": "WARNING", "RATELIMIT_ENABLED": "false", **env,
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", app], cwd=ROOT, env=environment,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_ready(base, server)
        yield base, server
    finally:
        server.terminate()
        server.wait(timeout=30)


def _wait_until_ready(base: str, server: subprocess.Popen) -> None:
    import urllib.request

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError("gunicorn exited: " + server.stderr.read().decode()[-2000:])
        try:
            with urllib.request.urlopen(base + "/health/ready", timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not become ready")


def worker_rss_mb(server: subprocess.Popen) -> float:
    """The largest resident memory among the server's worker processes."""
    largest = 0.0
    for pid in worker_pids(server):
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    largest = max(largest, int(line.split()[1]) / 1024)
    return largest


def worker_pids(server: subprocess.Popen) -> list[int]:
    children = Path(f"/proc/{server.pid}/task/{server.pid}/children")
    return [int(pid) for pid in children.read_text().split()] if children.exists() else []


def database_pids() -> list[int]:
    """The local MySQL/MariaDB server's processes, if it runs on this machine."""
    found = subprocess.run(["pidof", "mariadbd", "mysqld"], capture_output=True, text=True).stdout.split()
    return [int(pid) for pid in found]


class CpuMeter:
    """CPU seconds spent, between start() and stop(), by the server's workers, by the database
    server, and by everything else on the machine (clients, kernel, other processes): where the
    time of a run goes when clients, server and database share the cores."""

    TICK = os.sysconf("SC_CLK_TCK")

    def __init__(self, workers: list[int], database: list[int]):
        self.groups = {"workers": workers, "database": database}

    def _read(self) -> dict[str, float]:
        spent = {name: sum(self._process(pid) for pid in pids) for name, pids in self.groups.items()}
        fields = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
        spent["machine"] = (sum(fields) - fields[3] - fields[4]) / self.TICK  # all but idle and iowait
        return spent

    def _process(self, pid: int) -> float:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return 0.0
        return (int(fields[11]) + int(fields[12])) / self.TICK  # utime + stime

    def start(self) -> None:
        self.started = self._read()

    def stop(self) -> dict[str, float]:
        ended = self._read()
        spent = {name: ended[name] - self.started[name] for name in ended}
        spent["rest"] = spent.pop("machine") - spent["workers"] - spent["database"]
        return spent


def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]
