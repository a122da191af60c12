"""Under gunicorn, GET /metrics adds up every worker, whichever one answers the scrape.

Self-contained and on SQLite, so it runs without MySQL: gunicorn.conf.py's multiprocess setup
(a temporary PROMETHEUS_MULTIPROC_DIR, child_exit bookkeeping, cleanup at exit) is what is tested.
"""

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from tests.databases import REQUIRE_MYSQL

ROOT = Path(__file__).resolve().parents[2]
WORKERS = 2
SQLITE_POOL_SIZE = 5  # SQLAlchemy's QueuePool default, as the app does not size SQLite's pool


@pytest.fixture(autouse=True)
def _every_e2e_test_needs_the_server():
    """This module brings its own server: override the package's autouse live server, if any."""


@contextlib.contextmanager
def serve(database_path: Path, workers: int):
    """gunicorn with gunicorn.conf.py on a migrated SQLite file, left to pick its metrics directory."""
    try:
        from bench.harness import gunicorn
    except ImportError as error:
        if REQUIRE_MYSQL:
            pytest.fail(f"bench.harness is not importable: {error}", pytrace=False)
        pytest.skip(f"bench.harness is not importable: {error}")
    url = f"sqlite:///{database_path}"
    subprocess.run([sys.executable, "-m", "flask", "db", "upgrade"], cwd=ROOT, check=True, capture_output=True,
                   env={**os.environ, "DATABASE_URL": url, "FLASK_APP": "wsgi"})
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("PROMETHEUS_MULTIPROC_DIR", raising=False)  # the harness passes our environment on
        with gunicorn(url, workers) as (base_url, process):
            yield base_url, process


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with serve(tmp_path_factory.mktemp("metrics") / "stockflow.db", WORKERS) as running:
        yield running


def workers(process) -> list[int]:
    children = Path(f"/proc/{process.pid}/task/{process.pid}/children").read_text().split()
    return [int(pid) for pid in children]


def metric(base_url: str, sample_name: str, **labels) -> float:
    text = requests.get(base_url + "/metrics", timeout=10).text
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == sample_name and all(sample.labels.get(k) == v for k, v in labels.items()):
                return sample.value
    return 0.0


def health_requests(base_url: str) -> float:
    return metric(base_url, "stockflow_http_requests_total", method="GET", endpoint="/health", status="200")


def test_every_scrape_counts_the_requests_of_every_worker(server):
    base_url, _ = server
    before = health_requests(base_url)
    for _ in range(20):
        assert requests.get(base_url + "/health", timeout=10).status_code == 200
    assert [health_requests(base_url) for _ in range(6)] == [before + 20] * 6


def test_the_pool_gauges_add_up_the_live_workers_and_forget_a_dead_one(server):
    base_url, process = server
    assert metric(base_url, "stockflow_db_pool_size") == WORKERS * SQLITE_POOL_SIZE
    counted = health_requests(base_url)
    victim = workers(process)[0]
    os.kill(victim, signal.SIGKILL)
    # gunicorn boots a replacement, which publishes its own pool: the total comes back to two
    # workers' worth, never three (the dead one's gauges were dropped by child_exit).
    seen = []
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and (not seen or seen[-1] != WORKERS * SQLITE_POOL_SIZE or victim in workers(process)):
        seen.append(metric(base_url, "stockflow_db_pool_size"))
        time.sleep(0.2)
    assert seen[-1] == WORKERS * SQLITE_POOL_SIZE, seen
    assert max(seen) == WORKERS * SQLITE_POOL_SIZE, seen
    # A dead worker's counts stay in the totals.
    assert health_requests(base_url) >= counted


def test_the_temporary_metrics_directory_goes_away_with_the_server(tmp_path):
    with serve(tmp_path / "stockflow.db", 1) as (_, process):
        worker = workers(process)[0]
        # The worker maps its metric files (counter_<pid>.db, ...) into memory: that names the directory.
        mapped = {Path(line.split()[-1]) for line in Path(f"/proc/{worker}/maps").read_text().splitlines()
                  if line.rstrip().endswith(f"_{worker}.db")}
        directories = {path.parent for path in mapped}
        assert len(directories) == 1, mapped
        directory = directories.pop()
        assert directory.name.startswith("stockflow-metrics-")
    assert not directory.exists()
