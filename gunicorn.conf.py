"""gunicorn settings, read from the environment so Docker, CI and `make run` share them."""

import gc
import json
import os
import shutil
import tempfile
import uuid
from pathlib import Path

from gunicorn import util

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
    # A CSV export streams for as long as it has rows: its chunks tell the arbiter that the
    # worker is alive, so GUNICORN_TIMEOUT bounds a stuck request, not a long download.
    from app.common import csvio

    csvio.keep_alive = worker.notify


def child_exit(server, worker):
    # A dead worker's gauges (pool in use) must stop counting; its counters keep their totals.
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def on_exit(server):
    if os.environ.get("STOCKFLOW_TEMPORARY_METRICS_DIR") == os.environ["PROMETHEUS_MULTIPROC_DIR"]:
        shutil.rmtree(os.environ["PROMETHEUS_MULTIPROC_DIR"], ignore_errors=True)


def write_json_error(sock, status_int, reason, mesg):
    """Answer a request gunicorn refuses before the app runs, in the API's JSON error shape.

    gunicorn itself answers what it cannot parse or what passes its limits: a NUL or other bad byte
    in a header (400), a request line over limit_request_line, 4 KB (414), more headers or a larger
    one than limit_request_fields / limit_request_field_size allow, 100 and 8 KB (431). Its own
    answer is an HTML page; this one is JSON, as the API promises for every response.
    """
    slug = "internal_error" if status_int == 500 else reason.lower().replace(" ", "_").replace("-", "_")
    body = json.dumps({"code": status_int, "status": reason, "error": slug, "message": mesg or reason}).encode()
    head = (f"HTTP/1.1 {status_int} {reason}\r\nConnection: close\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\nX-Request-ID: {uuid.uuid4().hex}\r\n\r\n")
    util.write_nonblock(sock, head.encode("latin-1") + body)


# gunicorn writes every such answer through util.write_error (pinned gunicorn;
# tests/e2e/test_errors.py sends each kind of request to a real server).
util.write_error = write_json_error
