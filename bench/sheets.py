"""CSV import and export through gunicorn on MySQL, each against a baseline measured in the same run.

    .venv/bin/python -m bench.sheets [--products 20000] [--ledger-lines 2000000] [--sample 300]
                                     [--mysql mysql+pymysql://root@127.0.0.1:3306/]

Import: a new company with 2 warehouses imports a sheet of `--products` products (20 product
types and 50 suppliers named, each product with supplier terms), then a stock-take sheet counting
each of them in both warehouses; then imports the products sheet again (every row unchanged).
Baseline: `--sample` products created one request each with POST /api/products (the way without
the import), as products/s.

Export: a company seeded by `flask seed-scale` with `--ledger-lines` sale lines (a ledger of about
as many rows) is exported with GET /api/inventory/movements?format=csv through one gunicorn worker,
read to the end by the client: rows/s, and the worker's resident memory sampled every 50 ms
(peak, and before). Baseline: the same rows read straight from MySQL with an unbuffered PyMySQL
cursor and written with csv.writer in this process.
"""

import argparse
import csv
import http.client
import io
import threading
import time
import urllib.parse

import pymysql
from sqlalchemy.engine import make_url

from bench.alerts import EMAIL, PASSWORD, request, seed
from bench.harness import DEFAULT_SERVER, gunicorn, scratch_database, worker_rss_mb


def post_sheet(base: str, path: str, token: str, body: bytes) -> tuple[int, dict, float]:
    import json

    host = urllib.parse.urlsplit(base)
    connection = http.client.HTTPConnection(host.hostname, host.port, timeout=600)
    started = time.perf_counter()
    connection.request("POST", path, body=body, headers={"Content-Type": "text/csv", "Authorization": f"Bearer {token}"})
    response = connection.getresponse()
    payload = response.read()
    elapsed = time.perf_counter() - started
    connection.close()
    return response.status, json.loads(payload), elapsed


def products_sheet(count: int) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["sku", "name", "price", "description", "product_type", "low_stock_threshold", "supplier",
                     "supplier_sku", "unit_cost", "lead_time_days", "min_order_qty", "order_multiple"])
    for n in range(count):
        writer.writerow([f"IMP-{n:06d}", f"Imported product {n}", f"{n % 500 + 1}.99", f"Description of {n}",
                         f"Type {n % 20}", n % 15, f"Supplier {n % 50}", f"S-{n}", f"{n % 300 + 1}.25", n % 30, 1 + n % 6, 1 + n % 4])
    return out.getvalue().encode()


def counts_sheet(count: int, warehouses: list[str]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["sku", "warehouse", "counted"])
    for n in range(count):
        for warehouse in warehouses:
            writer.writerow([f"IMP-{n:06d}", warehouse, n % 200])
    return out.getvalue().encode()


def import_run(server_url: str, products: int, sample: int) -> None:
    with scratch_database(server_url) as url, gunicorn(url, workers=2, GUNICORN_TIMEOUT="600") as (base, _server):
        _status, account = request(base, "POST", "/api/auth/register",
                                   {"company_name": "Sheets", "email": "sheets@bench.local", "password": "bench-password"})
        token = account["token"]
        names = ["North", "South"]
        for name in names:
            request(base, "POST", "/api/warehouses", {"name": name}, token=token)
        started = time.perf_counter()
        for n in range(sample):
            status, body = request(base, "POST", "/api/products", {"sku": f"ONE-{n}", "name": f"One {n}", "price": "1.99"}, token=token)
            assert status == 201, body
        one_by_one = sample / (time.perf_counter() - started)

        sheet = products_sheet(products)
        status, body, imported = post_sheet(base, "/api/products/import", token, sheet)
        assert status == 200 and body["created"] == products, body
        status, body, counted = post_sheet(base, "/api/inventory/counts/import", token, counts_sheet(products, names))
        assert status == 201 and len(body["movements"]) == 2 * products, str(body)[:300]
        status, body, again = post_sheet(base, "/api/products/import", token, sheet)
        assert status == 200 and body["unchanged"] == products, body

    print(f"\nImport of {products:,} products ({len(sheet) / 1e6:.1f} MB), then a stock-take of {2 * products:,} rows")
    print(f"  baseline, POST /api/products one at a time ({sample}): {one_by_one:,.0f} products/s "
          f"(→ {products / one_by_one:,.0f} s for {products:,})")
    print(f"  POST /api/products/import:                {imported:6.2f} s  {products / imported:,.0f} products/s "
          f"({products / imported / one_by_one:.0f}× the baseline)")
    print(f"  POST /api/inventory/counts/import:        {counted:6.2f} s  {2 * products / counted:,.0f} rows/s")
    print(f"  products + stock-take:                    {imported + counted:6.2f} s  (target ≤ 15 s)")
    print(f"  the same products sheet again (unchanged): {again:6.2f} s")


def export_run(server_url: str, ledger_lines: int) -> None:
    with scratch_database(server_url) as url:
        seed(url, 20_000, 5, ledger_lines, 90)
        raw_rows, raw_seconds = raw_export(url)
        with gunicorn(url, workers=1, GUNICORN_TIMEOUT="600") as (base, server):
            _status, body = request(base, "POST", "/api/auth/token", {"email": EMAIL, "password": PASSWORD})
            before = worker_rss_mb(server)
            peak, done = [before], threading.Event()

            def sample_rss():
                while not done.wait(0.05):
                    peak.append(worker_rss_mb(server))

            sampler = threading.Thread(target=sample_rss)
            sampler.start()
            rows, seconds = http_export(base, body["token"])
            done.set()
            sampler.join()
    print(f"\nExport of the ledger, {rows:,} rows, GET /api/inventory/movements?format=csv (one gunicorn worker)")
    print(f"  baseline, MySQL → unbuffered PyMySQL → csv.writer in one process: {raw_rows / raw_seconds:,.0f} rows/s ({raw_seconds:.1f} s)")
    print(f"  over HTTP: {rows / seconds:,.0f} rows/s ({seconds:.1f} s), {rows / seconds / (raw_rows / raw_seconds):.2f}× the baseline "
          f"(target ≥ 50,000 rows/s)")
    print(f"  worker RSS: {before:.0f} MB before, peak {max(peak):.0f} MB while streaming")
    assert rows == raw_rows, (rows, raw_rows)


def http_export(base: str, token: str) -> tuple[int, float]:
    host = urllib.parse.urlsplit(base)
    connection = http.client.HTTPConnection(host.hostname, host.port, timeout=600)
    started = time.perf_counter()
    connection.request("GET", "/api/inventory/movements?format=csv", headers={"Authorization": f"Bearer {token}"})
    response = connection.getresponse()
    assert response.status == 200, response.read()[:300]
    lines = 0
    while chunk := response.read(1 << 20):
        lines += chunk.count(b"\n")
    seconds = time.perf_counter() - started
    connection.close()
    return lines - 1, seconds  # less the header (no cell of the ledger holds a line break)


def raw_export(url: str) -> tuple[int, float]:
    parts = make_url(url)
    connection = pymysql.connect(host=parts.host, port=parts.port or 3306, user=parts.username, password=parts.password or "",
                                 database=parts.database, cursorclass=pymysql.cursors.SSCursor)
    started = time.perf_counter()
    out = io.StringIO()
    writer = csv.writer(out)
    rows = 0
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, product_id, warehouse_id, type, quantity_change, on_hand_after, reason, reference, "
                       "transfer_id, order_id, bundle_id, purchase_order_id, user_id, occurred_at, created_at "
                       "FROM stock_movements WHERE company_id = 1 ORDER BY id DESC")
        while batch := cursor.fetchmany(5000):
            writer.writerows(batch)
            rows += len(batch)
            out.seek(0)
            out.truncate()
    seconds = time.perf_counter() - started
    connection.close()
    return rows, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--products", type=int, default=20_000)
    parser.add_argument("--ledger-lines", type=int, default=2_000_000)
    parser.add_argument("--sample", type=int, default=300)
    parser.add_argument("--skip-export", action="store_true")
    parser.add_argument("--skip-import", action="store_true")
    parser.add_argument("--mysql", default=DEFAULT_SERVER)
    args = parser.parse_args()
    if not args.skip_import:
        import_run(args.mysql, args.products, args.sample)
    if not args.skip_export:
        export_run(args.mysql, args.ledger_lines)


if __name__ == "__main__":
    main()
