"""gunicorn settings, read from the environment so Docker, CI and `make run` share them."""

import gc
import os
import shutil
import tempfile
from pathlib import Path

bind = os.environ.get("BIND", "127.0.0.1:5000")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 20
# The app logs one JSON line per request itself; gunicorn's access log would repeat it.
accesslog = None
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()

# GET /metrics must add up every worker, not describe whichever one answers the scrape:
# prometheus_client's multiprocess mode keeps each worker's values in files in this directory.
# Without a directory of yours, each server start gets a fresh temporary one (removed at exit;
# remembered in the environment because a reload re-reads this file).
if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = os.environ["STOCKFLOW_TEMPORARY_METRICS_DIR"] = tempfile.mkdtemp(
        prefix="stockflow-metrics-"
    )


def on_starting(server):
    directory = Path(os.environ["PROMETHEUS_MULTIPROC_DIR"])
    directory.mkdir(parents=True, exist_ok=True)
    # Files left by a previous run would add its counts to this one's.
    for stale in directory.glob("*.db"):
        stale.unlink()


def post_worker_init(worker):
    # The loaded app is some 180,000 objects that live as long as the worker (modules, mappers,
    # schemas). A full garbage collection walks them all, about 90 ms here, stalling whichever
    # request sets it off; freezing them once loaded keeps them out of every later collection.
    gc.freeze()


def child_exit(server, worker):
    # A dead worker's gauges (pool in use) must stop counting; its counters keep their totals.
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def on_exit(server):
    if os.environ.get("STOCKFLOW_TEMPORARY_METRICS_DIR") == os.environ["PROMETHEUS_MULTIPROC_DIR"]:
        shutil.rmtree(os.environ["PROMETHEUS_MULTIPROC_DIR"], ignore_errors=True)
