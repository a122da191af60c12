"""Stock movements over HTTP (gunicorn on MySQL) against the raw-database ceiling, in one run.

    .venv/bin/python -m bench.movements [--seconds 10] [--clients 1,4,16] [--workers 4] [--batch 100] [--cpu] [--floor]
                                        [--mysql mysql+pymysql://root@127.0.0.1:3306/]

For each client count and each target set — one hot level, or 10,000 levels picked at random —
client processes post alternating `sale` and `receive` movements of 1 unit for a fixed time
through a real gunicorn server; then the same number of processes run the same conditional
UPDATE + ledger INSERT + COMMIT straight through PyMySQL (the ceiling). It prints movements/s,
p50/p95 latency, the API/raw ratio and the largest worker RSS, then checks that every level's
on_hand equals the sum of its ledger rows (lost updates must be 0). With --cpu, each row is
followed by the CPU milliseconds each movement cost the gunicorn workers, the local database server
and everything else (the clients, the kernel), in the API run and in the raw one. With --batch N,
each row is followed by the same clients posting batches of N movements
(POST /api/inventory/movements/batch), in movements/s and latency per batch, with their ratio to
the same raw ceiling. With --floor, each row is followed by the same clients posting the same
movements to bench/floor_app.py — a bare Flask app on the same gunicorn sending the API's
statements straight through PyMySQL, with none of its checks — and the API's ratio to that floor.
"""

import argparse
import contextlib
import http.client
import json
import multiprocessing
import random
import time
import urllib.parse
from decimal import Decimal

import pymysql
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from bench.harness import (DEFAULT_SERVER, CpuMeter, database_pids, gunicorn, percentile, scratch_database, worker_pids,
                           worker_rss_mb)

PRODUCTS, WAREHOUSES = 2000, 5  # 10,000 levels
START_ON_HAND = 1_000_000


def seed(database_url: str) -> tuple[str, list[tuple[int, int, int]], tuple[int, int, int]]:
    """A company with 10,000 stocked levels and one hot level; returns (token, levels, hot level)."""
    from app import create_app
    from app.auth import service as auth_service
    from app.extensions import db
    from app.inventory.models import InventoryLevel, StockMovement
    from app.products.models import Product
    from app.warehouses.models import Warehouse

    app = create_app(None, SQLALCHEMY_DATABASE_URI=database_url, PASSWORD_HASH_METHOD="pbkdf2:sha256:1000")
    with app.app_context():
        company, _user, token, _ = auth_service.register("Bench Co", "bench@example.com", "bench-password")
        db.session.execute(sa.insert(Warehouse), [
            {"company_id": company.id, "name": f"W{i}", "name_key": f"w{i}"} for i in range(WAREHOUSES)
        ])
        db.session.execute(sa.insert(Product), [
            {"company_id": company.id, "sku": f"BENCH-{i:05d}", "sku_key": f"BENCH-{i:05d}", "name": f"Bench {i}",
             "price": Decimal("1.00")} for i in range(PRODUCTS)
        ])
        warehouse_ids = db.session.scalars(sa.select(Warehouse.id).order_by(Warehouse.id)).all()
        product_ids = db.session.scalars(sa.select(Product.id).order_by(Product.id)).all()
        pairs = [(p, w) for p in product_ids for w in warehouse_ids]
        db.session.execute(sa.insert(InventoryLevel), [
            {"company_id": company.id, "product_id": p, "warehouse_id": w, "on_hand": START_ON_HAND} for p, w in pairs
        ])
        db.session.execute(sa.insert(StockMovement), [
            {"company_id": company.id, "product_id": p, "warehouse_id": w, "type": "receive",
             "quantity_change": START_ON_HAND, "on_hand_after": START_ON_HAND} for p, w in pairs
        ])
        db.session.commit()
        levels = db.session.execute(
            sa.select(InventoryLevel.id, InventoryLevel.product_id, InventoryLevel.warehouse_id).order_by(InventoryLevel.id)
        ).all()
    return token, [tuple(level) for level in levels], tuple(levels[0])


def api_client(job) -> tuple[list[float], int, int]:
    """Post movements for `seconds`: one per request, or `batch` per POST …/movements/batch."""
    base, token, targets, seconds, seed_value, batch = job
    host = urllib.parse.urlsplit(base)
    rng, latencies, failures, moved = random.Random(seed_value), [], 0, 0
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    path = "/api/inventory/movements/batch" if batch else "/api/inventory/movements"
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        items = []
        for _ in range(batch or 1):
            _level_id, product_id, warehouse_id = targets[rng.randrange(len(targets))]
            kind = "sale" if (moved + len(items)) % 2 == 0 else "receive"
            items.append({"type": kind, "product_id": product_id, "warehouse_id": warehouse_id, "quantity": 1})
        body = json.dumps({"movements": items} if batch else items[0])
        started = time.perf_counter()
        # gunicorn's sync workers close the connection after each response.
        connection = http.client.HTTPConnection(host.hostname, host.port, timeout=30)
        connection.request("POST", path, body, headers)
        response = connection.getresponse()
        response.read()
        connection.close()
        latencies.append(time.perf_counter() - started)
        failures += response.status != 201
        moved += len(items) if response.status == 201 else 0
    return latencies, failures, moved


RAW_UPDATE = "UPDATE inventory_levels SET on_hand = on_hand + %s WHERE id = %s AND on_hand - reserved + %s >= 0"
RAW_INSERT = (
    "INSERT INTO stock_movements (company_id, product_id, warehouse_id, type, quantity_change, on_hand_after, "
    "occurred_at, created_at) SELECT company_id, product_id, warehouse_id, %s, %s, on_hand, UTC_TIMESTAMP(), "
    "UTC_TIMESTAMP() FROM inventory_levels WHERE id = %s"
)


def raw_client(job) -> tuple[list[float], int, int]:
    url, targets, seconds, seed_value = job
    parts = make_url(url)
    connection = pymysql.connect(
        host=parts.host, port=parts.port or 3306, user=parts.username, password=parts.password or "",
        database=parts.database, autocommit=False,
    )
    cursor = connection.cursor()
    cursor.execute("SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED")
    rng, latencies, failures = random.Random(seed_value), [], 0
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        level_id = targets[rng.randrange(len(targets))][0]
        change, kind = (-1, "sale") if len(latencies) % 2 == 0 else (1, "receive")
        started = time.perf_counter()
        if cursor.execute(RAW_UPDATE, (change, level_id, change)) == 1:
            cursor.execute(RAW_INSERT, (kind, change, level_id))
        else:
            failures += 1
        connection.commit()
        latencies.append(time.perf_counter() - started)
    connection.close()
    return latencies, failures, len(latencies) - failures


def run(pool_size: int, function, jobs, meter: CpuMeter | None = None) -> dict:
    with multiprocessing.get_context("fork").Pool(pool_size) as pool:
        if meter:
            meter.start()
        started = time.perf_counter()
        results = pool.map(function, jobs)
        elapsed = time.perf_counter() - started
        spent = meter.stop() if meter else {}
    latencies = [value for latency, _, _ in results for value in latency]
    moved = sum(moved for _, _, moved in results)
    return {
        "rate": moved / elapsed,  # movements applied per second
        "p50": percentile(latencies, 0.50) * 1000,
        "p95": percentile(latencies, 0.95) * 1000,
        "failures": sum(failures for _, failures, _ in results),
        # CPU milliseconds per movement applied, by whom (see CpuMeter)
        "cpu": {name: seconds * 1000 / max(moved, 1) for name, seconds in spent.items()},
    }


def extra_line(label: str, result: dict, raw: dict) -> str:
    """A row's follow-up run (batches, the floor): its movements/s and latency, and its ratio to the row's raw ceiling."""
    return (f"{label:<22}{result['rate']:>11,.0f}{result['p50']:>9.1f}{result['p95']:>9.1f}{'':>29}{result['rate'] / raw['rate']:>9.2f}"
            + (f"   (non-201: {result['failures']})" if result["failures"] else ""))


def cpu_line(label: str, cpu: dict) -> str:
    parts = " · ".join(f"{name} {ms:.2f}" for name, ms in cpu.items() if name != "workers" or ms)
    return f"{label} {parts} · total {sum(cpu.values()):.2f}"


def lost_updates(database_url: str) -> tuple[int, int]:
    """(levels whose on_hand differs from the sum of their ledger rows, levels checked)."""
    engine = sa.create_engine(database_url)
    with engine.connect() as connection:
        checked, mismatched = connection.execute(sa.text(
            "SELECT COUNT(*), COALESCE(SUM(l.on_hand <> COALESCE(m.total, 0)), 0) FROM inventory_levels l "
            "LEFT JOIN (SELECT product_id, warehouse_id, SUM(quantity_change) AS total FROM stock_movements "
            "GROUP BY product_id, warehouse_id) m ON m.product_id = l.product_id AND m.warehouse_id = l.warehouse_id"
        )).one()
    engine.dispose()
    return int(mismatched), int(checked)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--clients", default="1,4,16")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    parser.add_argument("--mysql", default=DEFAULT_SERVER, help="server URL; a scratch database is created on it")
    parser.add_argument("--cpu", action="store_true",
                        help="also print the CPU time per movement of the gunicorn workers, the local database server "
                             "and everything else (clients, kernel), for the API and the raw runs")
    parser.add_argument("--batch", type=int, default=0,
                        help="also post batches of this many movements (POST /api/inventory/movements/batch), in the same run")
    parser.add_argument("--floor", action="store_true",
                        help="also post the same movements to bench/floor_app.py (bare Flask + PyMySQL), in the same run")
    options = parser.parse_args()
    client_counts = [int(n) for n in options.clients.split(",")]

    with scratch_database(options.mysql) as database_url:
        token, levels, hot = seed(database_url)
        print(f"Seeded {len(levels):,} levels; gunicorn with {options.workers} workers; {options.seconds:g} s per run\n")
        header = f"{'target':<14}{'clients':>8}{'API mov/s':>11}{'p50 ms':>9}{'p95 ms':>9}{'raw mov/s':>11}{'p50 ms':>9}{'p95 ms':>9}{'API/raw':>9}"
        print(header)
        print("-" * len(header))
        peak_rss = 0.0
        floor = gunicorn(database_url, options.workers, app="bench.floor_app:app") if options.floor else contextlib.nullcontext([None])
        with gunicorn(database_url, options.workers) as (base, server), floor as (floor_base, *_):
            meter = CpuMeter(worker_pids(server), database_pids())
            for name, targets in (("1 hot level", [hot]), ("10,000 levels", levels)):
                for clients in client_counts:
                    api = run(clients, api_client, [(base, token, targets, options.seconds, i, 0) for i in range(clients)], meter)
                    peak_rss = max(peak_rss, worker_rss_mb(server))
                    raw = run(clients, raw_client, [(database_url, targets, options.seconds, i) for i in range(clients)], meter)
                    print(f"{name:<14}{clients:>8}{api['rate']:>11,.0f}{api['p50']:>9.1f}{api['p95']:>9.1f}"
                          f"{raw['rate']:>11,.0f}{raw['p50']:>9.1f}{raw['p95']:>9.1f}{api['rate'] / raw['rate']:>9.2f}"
                          + (f"   (API non-201: {api['failures']})" if api["failures"] else ""))
                    if options.cpu:
                        print(cpu_line("  CPU ms per movement, API:", api["cpu"]) + cpu_line(";  raw:", raw["cpu"]))
                    if options.floor:
                        bare = run(clients, api_client, [(floor_base, token, targets, options.seconds, i, 0) for i in range(clients)])
                        print(extra_line("  floor (bare Flask)", bare, raw) + f"   API/floor {api['rate'] / bare['rate']:.2f}")
                    if options.batch:
                        batched = run(clients, api_client, [(base, token, targets, options.seconds, i, options.batch)
                                                            for i in range(clients)])
                        peak_rss = max(peak_rss, worker_rss_mb(server))
                        print(extra_line(f"  batches of {options.batch}", batched, raw))
        mismatched, checked = lost_updates(database_url)
        print(f"\nLargest gunicorn worker RSS: {peak_rss:.0f} MB")
        print(f"Lost updates: {mismatched} of {checked:,} levels have on_hand ≠ Σ ledger")
        if mismatched:
            raise SystemExit(1)


if __name__ == "__main__":
    main()
