"""Low-stock alerts over HTTP (gunicorn on MySQL) against a naive query over the raw ledger, in one run.

    .venv/bin/python -m bench.alerts [--products 20000] [--warehouses 5] [--sale-lines 1000000]
                                     [--days 90] [--low-share 0.15] [--calls 30] [--buffer-pool-mb N]
                                     [--mysql mysql+pymysql://root@127.0.0.1:3306/]

Seeds a scratch database with `flask seed-scale`, serves it with gunicorn and times
GET /api/companies/{id}/alerts/low-stock for 30- and 90-day windows (p50/p95 over --calls calls,
after a few untimed ones), on the first page and on the last: stock-outs rank first without
reading any sales, while the last page needs every alert still in stock ranked by its sales. In
the same run it times the naive implementation most code would write — one query that
aggregates the raw `sale` rows of the ledger at request time — and prints the ratios. Then it
does it all again on a second database with twice the sales history (twice the sale lines over
twice the days, so the same sales per day): the endpoint's time must not grow. It also prints
the EXPLAIN of the query that ranks the alerts in stock, and the server's InnoDB buffer pool
size. --buffer-pool-mb sets the pool for the run (SET GLOBAL, restored afterwards), as a
production server sized for its data would have it.

Purchasing: after the first timing, the same database gets open purchase orders on
--open-po-share of its levels (default 10%) and the endpoint is timed again, side by side; the
second database has them from the start. With them it also times GET /replenishment (every level
due, grouped by supplier) and prints how many lines it lists.
"""

import argparse
import contextlib
import http.client
import json
import os
import subprocess
import sys
import time
import urllib.parse

import sqlalchemy as sa

from bench.harness import DEFAULT_SERVER, ROOT, gunicorn, percentile, scratch_database

EMAIL, PASSWORD = "scale@stockflow.local", "stockflow-scale"
WINDOWS = (30, 90)
WARM_UP = 4  # untimed calls per window first, to warm both gunicorn workers (they take calls as they come)

# What a first implementation typically does: join every level to its raw sale rows in the window
# and aggregate them on each request, then filter and sort.
NAIVE = """
SELECT l.product_id, p.name, p.sku, l.warehouse_id, w.name, l.on_hand - l.reserved AS current_stock,
       COALESCE(l.low_stock_threshold, p.low_stock_threshold, t.low_stock_threshold,
                c.default_low_stock_threshold) AS threshold,
       -SUM(m.quantity_change) AS units_sold
FROM inventory_levels l
JOIN products p ON p.id = l.product_id
JOIN warehouses w ON w.id = l.warehouse_id
JOIN companies c ON c.id = l.company_id
LEFT JOIN product_types t ON t.id = p.product_type_id
JOIN stock_movements m ON m.company_id = l.company_id AND m.product_id = l.product_id
     AND m.warehouse_id = l.warehouse_id AND m.type = 'sale' AND m.occurred_at >= %(since)s
WHERE l.company_id = %(company_id)s AND p.is_active AND NOT p.is_bundle AND w.is_active
GROUP BY l.id, p.id, w.id, t.id, c.id
HAVING current_stock <= threshold
ORDER BY FLOOR((l.on_hand - l.reserved) * %(days)s / -SUM(m.quantity_change)),
         (l.on_hand - l.reserved) / NULLIF(threshold, 0), l.product_id
"""


def seed(database_url: str, products: int, warehouses: int, sale_lines: int, days: int, low_share: float = 0.15,
         open_po_share: float = 0.0) -> None:
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "flask", "seed-scale", "--products", str(products), "--warehouses", str(warehouses),
         "--sale-lines", str(sale_lines), "--days", str(days), "--email", EMAIL, "--password", PASSWORD,
         "--low-share", str(low_share), "--open-po-share", str(open_po_share)],
        cwd=ROOT, env={**os.environ, "DATABASE_URL": database_url, "FLASK_APP": "wsgi"},
        capture_output=True, text=True, check=True,
    )
    print(f"  {result.stdout.strip()} (wall {time.monotonic() - started:.0f} s)")
    analyze(database_url)


def analyze(database_url: str) -> None:
    engine = sa.create_engine(database_url)
    with engine.connect() as connection:  # fresh statistics, as a long-running server would have
        connection.exec_driver_sql("ANALYZE TABLE inventory_levels, products, daily_sales, stock_movements, "
                                   "purchase_orders, purchase_order_lines").all()
    engine.dispose()


def add_purchase_orders(database_url: str, share: float) -> None:
    """Open purchase orders on `share` of the scale company's levels, as seed-scale --open-po-share makes them."""
    from app import create_app
    from app.companies.models import Company
    from app.extensions import db
    from app.scale import add_open_purchase_orders

    app = create_app(None, SQLALCHEMY_DATABASE_URI=database_url)
    with app.app_context():
        orders = add_open_purchase_orders(db.session.scalar(sa.select(Company.id).order_by(Company.id)), share)
        db.engine.dispose()
    print(f"  added {orders} open purchase orders on {share:.0%} of the levels")
    analyze(database_url)


def exchange(base: str, method: str, path: str, body=None, token=None) -> tuple[int, bytes]:
    """One HTTP exchange: the status and the raw body, read to its end."""
    host = urllib.parse.urlsplit(base)
    connection = http.client.HTTPConnection(host.hostname, host.port, timeout=120)
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    connection.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
    response = connection.getresponse()
    payload = response.read()
    connection.close()
    return response.status, payload


def request(base: str, method: str, path: str, body=None, token=None) -> tuple[int, dict]:
    status, payload = exchange(base, method, path, body, token)
    return status, json.loads(payload or b"{}")


def session(base: str) -> tuple[str, int]:
    """A token of the scale company's admin, and the company's id."""
    status, body = request(base, "POST", "/api/auth/token", {"email": EMAIL, "password": PASSWORD})
    assert status == 200, body
    _status, me = request(base, "GET", "/api/auth/me", token=body["token"])
    return body["token"], me["company"]["id"]


def timed(base: str, path: str, token: str, calls: int) -> tuple[list[float], dict]:
    """Latencies of `calls` GETs of `path` (until the last byte of the answer is read; decoding its
    JSON is the client's business, not timed), after a few untimed ones, and the last answer."""
    for _ in range(WARM_UP):
        exchange(base, "GET", path, token=token)
    latencies = []
    for _ in range(calls):
        started = time.perf_counter()
        status, payload = exchange(base, "GET", path, token=token)
        latencies.append(time.perf_counter() - started)
        assert status == 200, payload[:500]
    return latencies, json.loads(payload)


def time_replenishment(base: str, calls: int) -> tuple[list[float], int]:
    """Latencies of GET /replenishment and how many lines (levels due) it lists."""
    token, company_id = session(base)
    latencies, body = timed(base, f"/api/companies/{company_id}/replenishment", token, calls)
    return latencies, sum(len(group["lines"]) for group in body["suppliers"])


def time_endpoint(base: str, calls: int) -> dict[int, tuple[list[float], list[float], int]]:
    """Per window: latencies of the first page, of the last page, and the number of alerts."""
    token, company_id = session(base)
    path = f"/api/companies/{company_id}/alerts/low-stock"

    timings = {}
    for days in WINDOWS:
        first, body = timed(base, f"{path}?days={days}", token, calls)
        total = body["total_alerts"]
        # The first page is the stock-outs when there are enough; the last one always ranks every
        # alert still in stock by its sales.
        last, _ = timed(base, f"{path}?days={days}&page={max(1, -(-total // body['per_page']))}", token, calls)
        timings[days] = (first, last, total)
    return timings


def time_naive(database_url: str, calls: int) -> dict[int, tuple[list[float], int]]:
    """The naive query straight through the driver (no HTTP, so it is timed favourably)."""
    engine = sa.create_engine(database_url)
    timings = {}
    with engine.connect() as connection:
        company_id = connection.exec_driver_sql("SELECT MIN(id) FROM companies").scalar()
        for days in WINDOWS:
            since = connection.exec_driver_sql(
                f"SELECT UTC_DATE() - INTERVAL {days - 1} DAY").scalar()
            latencies, matches = [], 0
            for _ in range(calls):
                started = time.perf_counter()
                matches = len(connection.exec_driver_sql(NAIVE, {"since": since, "company_id": company_id, "days": days}).all())
                latencies.append(time.perf_counter() - started)
            timings[days] = (latencies, matches)
    engine.dispose()
    return timings


def explain(database_url: str) -> list[str]:
    """EXPLAIN of the query that ranks a 30-day window's alerts still in stock, as the endpoint issues it."""
    from app import create_app
    from app.alerts.service import _alerting, _in_stock
    from app.companies.models import Company
    from app.extensions import db

    app = create_app(None, SQLALCHEMY_DATABASE_URI=database_url)
    with app.app_context():
        company = db.session.scalar(sa.select(Company).order_by(Company.id))
        statement = _in_stock(_alerting(company, 30), 30).limit(50)
        sql = str(statement.compile(dialect=db.engine.dialect, compile_kwargs={"literal_binds": True}))
        rows = db.session.connection().exec_driver_sql("EXPLAIN " + sql).all()
        db.engine.dispose()
    return [" | ".join(str(value) for value in (row[1], row[2], row[3], row[5], row[6], row[8], row[9])) for row in rows]


def measure(server: str, label: str, args, sale_lines: int, days: int, first_run: bool) -> tuple[list[tuple], dict]:
    """The alerts (and the naive query) on a fresh database; on the first, also before its purchase
    orders exist. Returns the rows of the main table and the purchasing timings:
    {"without": alerts timings, "with": alerts timings, "replenishment": (latencies, lines)}."""
    print(f"\n{label}: {args.products} products × {args.warehouses} warehouses, {sale_lines:,} sale lines over {days} days")
    purchasing = {}
    with scratch_database(server) as url:
        seed(url, args.products, args.warehouses, sale_lines, days, args.low_share,
             open_po_share=0.0 if first_run else args.open_po_share)
        if first_run:
            print("  EXPLAIN (select_type | table | type | key | key_len | rows | extra):")
            for line in explain(url):
                print("    " + line)
            with gunicorn(url, workers=2) as (base, _server):
                purchasing["without"] = time_endpoint(base, args.calls)
            add_purchase_orders(url, args.open_po_share)
        with gunicorn(url, workers=2) as (base, _server):
            api = time_endpoint(base, args.calls)
            purchasing["replenishment"] = time_replenishment(base, max(10, args.calls // 2))
        purchasing["with"] = api
        naive = time_naive(url, max(3, args.calls // 10))
    return [(label, days_window, api[days_window], naive[days_window]) for days_window in WINDOWS], purchasing


@contextlib.contextmanager
def buffer_pool(server: str, megabytes: int | None):
    """The server's InnoDB buffer pool, resized to `megabytes` for the run if given, then restored."""
    engine = sa.create_engine(server)
    with engine.connect() as connection:
        def size() -> int:
            return int(connection.exec_driver_sql("SELECT @@innodb_buffer_pool_size").scalar())

        original = size()
        if megabytes:
            connection.exec_driver_sql(f"SET GLOBAL innodb_buffer_pool_size = {megabytes * 1024 * 1024}")
            time.sleep(2)  # the resize runs in the background
        print(f"InnoDB buffer pool: {size() // 2**20} MB")
        try:
            yield
        finally:
            if megabytes:
                connection.exec_driver_sql(f"SET GLOBAL innodb_buffer_pool_size = {original}")
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--products", type=int, default=20_000)
    parser.add_argument("--warehouses", type=int, default=5)
    parser.add_argument("--sale-lines", type=int, default=1_000_000)
    parser.add_argument("--days", type=int, default=90, help="days of sales history")
    parser.add_argument("--low-share", type=float, default=0.15,
                        help="share of levels that end low or empty (seed-scale --low-share); the alerts scale with it")
    parser.add_argument("--calls", type=int, default=30, help="timed calls per window (at least 20 for the report)")
    parser.add_argument("--buffer-pool-mb", type=int, help="InnoDB buffer pool for the run (default: as the server has it)")
    parser.add_argument("--open-po-share", type=float, default=0.1, help="share of levels with open purchase orders")
    parser.add_argument("--mysql", default=DEFAULT_SERVER, help="server URL; scratch databases are created on it")
    args = parser.parse_args()

    with buffer_pool(args.mysql, args.buffer_pool_mb):
        results, single = measure(args.mysql, "history ×1", args, args.sale_lines, args.days, first_run=True)
        doubled, twice = measure(args.mysql, "history ×2", args, 2 * args.sale_lines, 2 * args.days, first_run=False)
        results += doubled

    print(f"\nWith open purchase orders on {args.open_po_share:.0%} of the levels (in both tables below and above)")
    print(f"{'history':<11} {'window':>6} {'alerts':>7} {'first p50':>9} {'p95':>6} {'last p50':>9} {'p95':>6} "
          f"{'naive p50':>10} {'÷ first':>8} {'÷ last':>7}")
    for label, days, (first, last, alerts), (naive, naive_alerts) in results:
        first_p50, last_p50, naive_p50 = (percentile(times, 0.5) * 1000 for times in (first, last, naive))
        print(f"{label:<11} {days:>6} {alerts:>7} {first_p50:>9.1f} {percentile(first, 0.95) * 1000:>6.1f} "
              f"{last_p50:>9.1f} {percentile(last, 0.95) * 1000:>6.1f} {naive_p50:>10.1f} "
              f"{naive_p50 / first_p50:>7.0f}× {naive_p50 / last_p50:>6.0f}×")
        if alerts != naive_alerts:
            print(f"  MISMATCH: the endpoint found {alerts} alerts, the naive query {naive_alerts}")
    for days in WINDOWS:
        by_history = [(first, last) for _label, window, (first, last, _), _n in results if window == days]
        (first_1, last_1), (first_2, last_2) = by_history
        growth = [percentile(at_2, 0.5) / percentile(at_1, 0.5) for at_1, at_2 in ((first_1, first_2), (last_1, last_2))]
        print(f"{days}-day window, API p50 at ×2 history / ×1: first page {growth[0]:.2f}, last page {growth[1]:.2f}")

    print("\nThe same ×1 database before its purchase orders existed, timed in the same run: p50/p95 ms")
    print(f"{'window':>6} {'first without':>14} {'with':>13} {'with ÷ without':>15} {'last without':>14} {'with':>13} {'with ÷ without':>15}")
    for days in WINDOWS:
        before, after = single["without"][days], single["with"][days]
        cells = []
        for index in (0, 1):
            b, a = before[index], after[index]
            cells += [f"{percentile(b, 0.5) * 1000:6.1f} / {percentile(b, 0.95) * 1000:5.1f}",
                      f"{percentile(a, 0.5) * 1000:5.1f} / {percentile(a, 0.95) * 1000:5.1f}",
                      f"{percentile(a, 0.5) / percentile(b, 0.5):.2f}"]
        print(f"{days:>6} {cells[0]:>14} {cells[1]:>13} {cells[2]:>15} {cells[3]:>14} {cells[4]:>13} {cells[5]:>15}")

    print("\nGET /replenishment (every level due, grouped by supplier): p50/p95 ms")
    for label, timings in (("history ×1", single), ("history ×2", twice)):
        latencies, lines = timings["replenishment"]
        print(f"{label}: {lines:,} lines, p50 {percentile(latencies, 0.5) * 1000:.1f}, p95 {percentile(latencies, 0.95) * 1000:.1f}")


if __name__ == "__main__":
    main()
