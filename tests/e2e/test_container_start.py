"""What the container runs around the server, against real processes: the healthcheck follows
BIND, and `flask wait-for-db` waits for the database, boundedly."""

import os
import subprocess
import sys
import time

import pytest

from tests.e2e.conftest import ROOT, free_port, server_environment

pytestmark = pytest.mark.e2e


def healthcheck(bind: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "deploy/healthcheck.py"], cwd=ROOT, env={**os.environ, "BIND": bind},
                          capture_output=True, text=True, timeout=30)


def test_the_healthcheck_asks_the_port_the_server_binds(live_server):
    port = live_server.base_url.rsplit(":", 1)[1]
    assert healthcheck(f"127.0.0.1:{port}").returncode == 0
    assert healthcheck(f"0.0.0.0:{port}").returncode == 0  # a wildcard bind is asked on loopback
    refused = healthcheck(f"127.0.0.1:{free_port()}")
    assert refused.returncode == 1 and "not ready" in refused.stderr


def test_wait_for_db_answers_at_once_when_the_database_is_up(live_server):
    result = subprocess.run(["flask", "wait-for-db", "--timeout", "5"], cwd=ROOT, env=server_environment(live_server.database_url),
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "The database answers (try 1)" in result.stdout


def test_wait_for_db_gives_up_after_its_timeout_with_a_line_per_try(live_server):
    environment = server_environment(f"mysql+pymysql://stockflow:secret@127.0.0.1:{free_port()}/stockflow")
    started = time.monotonic()
    result = subprocess.run(["flask", "wait-for-db", "--timeout", "2"], cwd=ROOT, env=environment,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert result.stderr.count("Waiting for the database (try") >= 2
    assert "did not answer within 2 s" in result.stderr
    assert time.monotonic() - started < 30
