"""Webhook delivery: one worker process posting to a local receiver, on MySQL and a Redis broker.

    .venv/bin/python -m bench.webhooks [--backlog 1000] [--paced 300] [--rate 20] [--concurrency 8]
                                       [--mysql mysql+pymysql://root@127.0.0.1:3306/]

Serves the app with gunicorn on a scratch database, a redis-server of its own as the broker, one
`flask worker` process (threads) and a local HTTP receiver (a threaded http.server that answers
200 at once). Two runs:
- backlog: with the worker stopped, --backlog orders are taken through the API (each commits an
  order.created event); then the worker starts. Deliveries/s are counted from the first delivery
  to the last (target ≥ 100/s on this 2-core machine), the worker's start-up (importing the app,
  connecting to the broker) shown apart, and the rate with it;
- paced: with the worker running, --paced orders at --rate per second; for each, the time from
  the API's 201 (the commit) to the receiver getting its event: p50/p95 (target p50 ≤ 1 s).
Beside them, in the same run, the receiver's own ceiling: the same number of signed posts sent
straight from one process with the same HTTP client and threads, without queue or database.
"""

import argparse
import concurrent.futures
import json
import os
import subprocess
import sys
import time

import requests

from bench.harness import DEFAULT_SERVER, ROOT, free_port, gunicorn, percentile, scratch_database, worker_rss_mb
from tests.receiver import receiving



def start_redis(port: int) -> subprocess.Popen:
    process = subprocess.Popen(["redis-server", "--port", str(port), "--save", "", "--appendonly", "no"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    time.sleep(0.5)
    return process


def start_worker(environment: dict, concurrency: int) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "flask", "worker", f"--concurrency={concurrency}"], cwd=ROOT,
                            env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def order_taker(base: str):
    """A logged-in admin with a product in stock, and a function that takes one order (→ order id)."""
    session = requests.Session()
    body = session.post(base + "/api/auth/register", json={
        "company_name": "Bench Co", "email": f"bench-{time.time_ns()}@example.com", "password": "correct horse battery"}).json()
    session.headers["Authorization"] = f"Bearer {body['token']}"
    warehouse = session.post(base + "/api/warehouses", json={"name": "Main"}).json()["id"]
    product = session.post(base + "/api/products", json={"name": "Clock", "sku": f"B-{time.time_ns()}", "price": "1.00",
                                                         "inventory": [{"warehouse_id": warehouse, "quantity": 1_000_000}]}).json()["id"]

    def take() -> int:
        response = session.post(base + "/api/orders", json={"warehouse_id": warehouse,
                                                            "items": [{"product_id": product, "quantity": 1}]})
        assert response.status_code == 201, response.text
        return response.json()["id"]

    return session, take


def arrivals(receiver) -> dict[int, float]:
    """order id → when its order.created reached the receiver."""
    with receiver.lock:
        return {json.loads(r["body"])["data"]["id"]: r["at"] for r in receiver.requests
                if json.loads(r["body"])["type"] == "order.created"}


def wait_for(receiver, ids, timeout=300.0) -> dict[int, float]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        seen = arrivals(receiver)
        if all(i in seen for i in ids):
            return seen
        time.sleep(0.05)
    raise SystemExit(f"only {sum(i in arrivals(receiver) for i in ids)} of {len(ids)} deliveries arrived")


def ceiling(url: str, count: int, threads: int) -> float:
    """Posts/s straight from one process to the receiver (no queue, no database), with `threads`."""
    session, body = requests.Session(), json.dumps({"type": "ceiling", "data": {"id": 0}}).encode()
    started = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(threads) as pool:
        list(pool.map(lambda _: session.post(url, data=body, timeout=5).status_code, range(count)))
    return count / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backlog", type=int, default=1000)
    parser.add_argument("--paced", type=int, default=300)
    parser.add_argument("--rate", type=float, default=20.0, help="orders per second in the paced run")
    parser.add_argument("--concurrency", type=int, default=8, help="the worker's threads")
    parser.add_argument("--mysql", default=DEFAULT_SERVER)
    args = parser.parse_args()

    redis_port = free_port()
    redis = start_redis(redis_port)
    broker = f"redis://127.0.0.1:{redis_port}/0"
    settings = {"BROKER_URL": broker, "WEBHOOK_ALLOW_HTTP": "1", "WEBHOOK_ALLOW_PRIVATE_NETWORKS": "1"}
    try:
        with scratch_database(args.mysql) as url, receiving() as receiver, \
                gunicorn(url, workers=2, **settings) as (base, _server):
            environment = {**os.environ, "DATABASE_URL": url, "FLASK_APP": "wsgi", "LOG_LEVEL": "WARNING", **settings}
            session, take = order_taker(base)
            session.post(base + "/api/webhooks", json={"url": receiver.url, "events": ["order.created"]}).raise_for_status()

            # Backlog: events committed while no worker runs, then drained by one.
            backlog = [take() for _ in range(args.backlog)]
            worker = start_worker(environment, args.concurrency)
            started = time.time()
            seen = wait_for(receiver, backlog)
            first, last = min(seen[i] for i in backlog), max(seen[i] for i in backlog)
            drained, boot = last - started, first - started
            rss = worker_rss_mb(worker) or _rss(worker.pid)

            # Paced: commit → delivery latency with the worker running.
            committed = {}
            for _ in range(args.paced):
                tick = time.time()
                order_id = take()
                committed[order_id] = time.time()
                time.sleep(max(0.0, 1 / args.rate - (time.time() - tick)))
            seen = wait_for(receiver, list(committed))
            latencies = [seen[i] - committed[i] for i in committed]
            worker.terminate()
            worker.wait(timeout=30)
            direct = ceiling(receiver.url, args.backlog, args.concurrency)
    finally:
        redis.terminate()
        redis.wait(timeout=10)

    rate = (args.backlog - 1) / (drained - boot)
    print(f"one worker, {args.concurrency} threads, Redis broker, MySQL; receiver on 127.0.0.1 answering 200 at once")
    print(f"backlog of {args.backlog}: the worker's first delivery {boot:.1f} s after its start (loading the app, "
          f"connecting), the last {drained:.1f} s after it")
    print(f"  between the first and the last: {rate:.0f} deliveries/s (target ≥ 100/s); "
          f"start to last, start-up included: {args.backlog / drained:.0f}/s")
    print(f"  the receiver's ceiling, posted straight from one process with {args.concurrency} threads: "
          f"{direct:.0f} posts/s (worker ÷ ceiling {rate / direct:.2f})")
    print(f"paced, {args.paced} at {args.rate:g}/s: commit → delivery p50 {percentile(latencies, 0.5) * 1000:.0f} ms, "
          f"p95 {percentile(latencies, 0.95) * 1000:.0f} ms (target p50 ≤ 1 s)")
    print(f"worker RSS after the backlog: {rss:.0f} MB (target < 150 MB)")


def _rss(pid: int) -> float:
    with open(f"/proc/{pid}/status") as status:
        return next(int(line.split()[1]) / 1024 for line in status if line.startswith("VmRSS:"))


if __name__ == "__main__":
    main()
