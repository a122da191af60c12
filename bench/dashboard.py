"""The dashboard's low-stock screen in Chromium, on the benchmark data, against its own API call.

    .venv/bin/python -m bench.dashboard [--products 20000] [--warehouses 5] [--sale-lines 1000000]
                                        [--runs 9] [--mysql mysql+pymysql://root@127.0.0.1:3306/]

Seeds a scratch database with `flask seed-scale` (10% of the levels with open purchase orders),
serves it with gunicorn (2 workers) and opens /app/#/alerts in Debian's Chromium (Playwright),
signed in through POST /api/auth/session. For each run it reads, with the Navigation and Resource
Timing APIs, the time from navigation start until the alerts table is on the screen ("usable"), and
the bytes transferred: once with an empty cache (a first visit) and once more in the same browser
(a return visit: the assets are immutable and come from the cache). In the same run it times the
page's own call, GET /api/companies/{id}/alerts/low-stock?per_page=50, from Python: the baseline
the screen cannot beat. Targets: usable ≤ 1 s, first load ≤ 500 KB of assets.
"""

import argparse
import shutil
import statistics

from bench.alerts import EMAIL, PASSWORD, seed, session, timed
from bench.harness import DEFAULT_SERVER, gunicorn, percentile, scratch_database

FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]

# Milliseconds from navigation start until the alerts table is drawn, and what the page transferred.
READ_TIMINGS = """() => {
  const entries = [...performance.getEntriesByType("navigation"), ...performance.getEntriesByType("resource")];
  const assets = entries.filter((e) => e.name.includes("/app/assets/"));
  return {
    usable: performance.now(),
    total_kb: entries.reduce((sum, e) => sum + e.transferSize, 0) / 1024,
    asset_kb: assets.reduce((sum, e) => sum + e.transferSize, 0) / 1024,
    asset_decoded_kb: assets.reduce((sum, e) => sum + e.decodedBodySize, 0) / 1024,
    requests: entries.length,
  };
}"""


def visit(context, base: str) -> dict:
    page = context.new_page()
    page.goto(f"{base}/app/#/alerts")
    page.wait_for_selector("#alerts table", timeout=30_000)
    timings = page.evaluate(READ_TIMINGS)
    timings["rows"] = page.locator("#alerts tbody tr").count()
    page.close()
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--products", type=int, default=20_000)
    parser.add_argument("--warehouses", type=int, default=5)
    parser.add_argument("--sale-lines", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--mysql", default=DEFAULT_SERVER)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with scratch_database(args.mysql) as url:
        print(f"Seeding {args.products:,} products × {args.warehouses} warehouses, {args.sale_lines:,} sale lines")
        seed(url, args.products, args.warehouses, args.sale_lines, 90, open_po_share=0.1)
        with gunicorn(url, workers=2) as (base, _server), sync_playwright() as playwright:
            token, company_id = session(base)
            api_times, answer = timed(base, f"/api/companies/{company_id}/alerts/low-stock?per_page=50", token, args.runs * 3)
            browser = playwright.chromium.launch(executable_path=shutil.which("chromium"), args=FLAGS)
            first, again = [], []
            for _ in range(args.runs):
                context = browser.new_context(viewport={"width": 1280, "height": 900})
                signed_in = context.request.post(f"{base}/api/auth/session", data={"email": EMAIL, "password": PASSWORD})
                assert signed_in.status == 201, signed_in.text()
                first.append(visit(context, base))
                again.append(visit(context, base))
                context.close()
            browser.close()

    print(f"\n{answer['total_alerts']:,} alerts ({answer['total_stockouts']:,} out of stock); the screen shows "
          f"{first[0]['rows']} per page. Medians of {args.runs} runs, ms:")
    api_p50 = percentile(api_times, 0.5) * 1000
    print(f"  GET alerts (per_page=50) from Python, p50 {api_p50:.0f}, p95 {percentile(api_times, 0.95) * 1000:.0f}")
    for label, runs in (("first visit (empty cache)", first), ("return visit (cached assets)", again)):
        usable = statistics.median(run["usable"] for run in runs)
        print(f"  {label:<30} usable {usable:6.0f} ms (min {min(r['usable'] for r in runs):.0f}, "
              f"max {max(r['usable'] for r in runs):.0f}; {usable / api_p50:.1f}× the API call) · "
              f"transferred {statistics.median(r['total_kb'] for r in runs):6.1f} KB, of which assets "
              f"{statistics.median(r['asset_kb'] for r in runs):6.1f} KB "
              f"({statistics.median(r['asset_decoded_kb'] for r in runs):.0f} KB unzipped), "
              f"{runs[0]['requests']} requests")
    print("  targets: usable ≤ 1000 ms; first load ≤ 500 KB of assets (gzip)")


if __name__ == "__main__":
    main()
