"""The ledger listing over HTTP on millions of rows: each filter, and deep pages by cursor against OFFSET.

    .venv/bin/python -m bench.ledger [--sale-lines 2000000] [--products 20000] [--warehouses 5]
                                     [--calls 20] [--mysql mysql+pymysql://root@127.0.0.1:3306/]

Seeds a scratch database with `flask seed-scale` (its ledger is recorded in time order, as a
live one is), serves it with gunicorn and times GET /api/inventory/movements (p50/p95) unfiltered
and with each filter. Then it walks 200 pages deep with `cursor` and times the last page, and
in the same run times, in SQL alone, that page by cursor and by OFFSET (the baseline).
"""

import argparse
import datetime as dt
import time

import sqlalchemy as sa

from bench.alerts import EMAIL, PASSWORD, request, seed, timed
from bench.harness import DEFAULT_SERVER, gunicorn, percentile, scratch_database

DEPTH, LIMIT = 200, 50


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--products", type=int, default=20_000)
    parser.add_argument("--warehouses", type=int, default=5)
    parser.add_argument("--sale-lines", type=int, default=2_000_000)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--calls", type=int, default=20)
    parser.add_argument("--mysql", default=DEFAULT_SERVER)
    args = parser.parse_args()

    with scratch_database(args.mysql) as url:
        seed(url, args.products, args.warehouses, args.sale_lines, args.days)
        engine = sa.create_engine(url)
        with engine.connect() as connection:
            rows = connection.exec_driver_sql("SELECT COUNT(*) FROM stock_movements").scalar()
            product_id, warehouse_id = connection.exec_driver_sql(
                "SELECT product_id, warehouse_id FROM inventory_levels ORDER BY id LIMIT 1").one()
        engine.dispose()
        today = dt.date.today()
        old_day = today - dt.timedelta(days=args.days - 5)
        queries = {
            "newest first, no filter": "",
            "product_id": f"&product_id={product_id}",
            "warehouse_id": f"&warehouse_id={warehouse_id}",
            "product_id + warehouse_id": f"&product_id={product_id}&warehouse_id={warehouse_id}",
            "type=sale": "&type=sale",
            "type=count (no such rows)": "&type=count",
            "since yesterday": f"&since={today - dt.timedelta(days=1)}T00:00:00Z",
            f"one day {args.days - 5} days ago": f"&since={old_day}T00:00:00Z&until={old_day}T23:59:59Z",
        }
        with gunicorn(url, workers=2) as (base, _server):
            _status, body = request(base, "POST", "/api/auth/token", {"email": EMAIL, "password": PASSWORD})
            token = body["token"]
            print(f"\n{rows:,} ledger rows; GET /api/inventory/movements?limit={LIMIT}, {args.calls} calls each")
            print(f"{'query':<34} {'items':>5} {'p50 ms':>8} {'p95 ms':>8}")
            for label, filters in queries.items():
                latencies, page = timed(base, f"/api/inventory/movements?limit={LIMIT}{filters}", token, args.calls)
                print(f"{label:<34} {len(page['items']):>5} {percentile(latencies, 0.5) * 1000:>8.1f} "
                      f"{percentile(latencies, 0.95) * 1000:>8.1f}")

            cursor = None
            for _ in range(DEPTH - 1):
                _status, page = request(base, "GET", f"/api/inventory/movements?limit={LIMIT}"
                                        + (f"&cursor={cursor}" if cursor else ""), token=token)
                cursor = page["next_cursor"]
            deep, page = timed(base, f"/api/inventory/movements?limit={LIMIT}&cursor={cursor}", token, args.calls)
        engine = sa.create_engine(url)
        with engine.connect() as connection:
            by_offset = sql_timings(connection, f"SELECT * FROM stock_movements WHERE company_id = 1 ORDER BY id DESC "
                                                f"LIMIT {LIMIT} OFFSET {(DEPTH - 1) * LIMIT}", args.calls)
            by_cursor = sql_timings(connection, f"SELECT * FROM stock_movements WHERE company_id = 1 AND id < {cursor} "
                                                f"ORDER BY id DESC LIMIT {LIMIT}", args.calls)
        engine.dispose()
        assert by_offset[1] == by_cursor[1] == [item["id"] for item in page["items"]], "cursor and offset pages differ"
        print(f"\npage {DEPTH}: by cursor over HTTP p50 {percentile(deep, 0.5) * 1000:.1f} ms; SQL alone: "
              f"by cursor p50 {percentile(by_cursor[0], 0.5) * 1000:.2f} ms, "
              f"by OFFSET p50 {percentile(by_offset[0], 0.5) * 1000:.2f} ms")


def sql_timings(connection, sql: str, calls: int) -> tuple[list[float], list[int]]:
    latencies, ids = [], []
    for _ in range(calls):
        started = time.perf_counter()
        ids = [row.id for row in connection.exec_driver_sql(sql)]
        latencies.append(time.perf_counter() - started)
    return latencies, ids


if __name__ == "__main__":
    main()
