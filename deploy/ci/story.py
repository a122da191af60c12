"""A user's story over HTTP against a running StockFlow (deploy/ci-containers.sh runs it against the
image and against the compose stack): register, a warehouse and a product, stock received, a sale
that takes the level below its threshold, and the low-stock alert that shows it. Every status code
is checked; the first that is not the expected one stops the story with the answer's body.

Standard library only: it runs with the host's python3, outside the project's virtual environment.

    python3 deploy/ci/story.py http://127.0.0.1:5000 [--email-wait SECONDS]

With --email-wait, the company also asks for low-stock emails, and the story waits until the
worker has sent one (GET /metrics, `stockflow_notification_emails{status="sent"}`): the proof that
the worker, the scheduler and the broker do their part.
"""

import argparse
import json
import re
import secrets
import sys
import time
import urllib.error
import urllib.request

THRESHOLD = 5
RECEIVED = 20
SOLD = 16  # leaves 4: at or below the threshold


class StoryFailed(Exception):
    pass


class Client:
    def __init__(self, base_url: str):
        self.base_url = base_url.rstrip("/")
        self.token = None

    def call(self, method: str, path: str, expected: int, body=None, accept="application/json"):
        """Send one request; the answer's body (JSON when it is JSON), or StoryFailed on another status."""
        headers = {"Accept": accept}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        request = urllib.request.Request(self.base_url + path, data=data, headers=headers, method=method)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                status, content_type, raw = response.status, response.headers.get("Content-Type", ""), response.read()
        except urllib.error.HTTPError as error:
            status, content_type, raw = error.code, error.headers.get("Content-Type", ""), error.read()
        print(f"  {method} {path} -> {status}")
        if status != expected:
            raise StoryFailed(f"{method} {path}: expected {expected}, got {status}: {raw[:2000].decode(errors='replace')}")
        return json.loads(raw) if content_type.startswith("application/json") else raw.decode(errors="replace")


def check(condition: bool, what: str) -> None:
    if not condition:
        raise StoryFailed(what)


def serves_its_pages(client: Client) -> None:
    """/docs answers, with the Swagger UI that the image's first stage installed with npm."""
    page = client.call("GET", "/docs", 200, accept="text/html")
    bundle = re.search(r'/app/assets/[0-9a-f]+/vendor/swagger-ui-bundle\.js', page)
    check(bundle is not None, f"/docs names no swagger-ui-bundle.js: {page[:500]}")
    script = client.call("GET", bundle.group(0), 200, accept="*/*")
    check("SwaggerUIBundle" in script, "swagger-ui-bundle.js is not the Swagger UI")


def tell(client: Client, email_wait: float) -> None:
    suffix = secrets.token_hex(4)
    client.call("GET", "/health", 200)
    client.call("GET", "/health/ready", 200)
    serves_its_pages(client)

    account = client.call("POST", "/api/auth/register", 201, {
        "company_name": f"Containers {suffix}", "email": f"ops-{suffix}@example.com",
        "password": secrets.token_urlsafe(12), "name": "Ops"})
    client.token = account["token"]
    company_id = account["company"]["id"]
    check(account["user"]["role"] == "admin", f"the first user is not an admin: {account['user']}")

    if email_wait:
        settings = client.call("PUT", f"/api/companies/{company_id}/notifications", 200,
                               {"low_stock_emails": [f"buyer-{suffix}@example.com"], "mode": "immediate"})
        check(settings["mode"] == "immediate", f"notifications not set: {settings}")

    warehouse = client.call("POST", "/api/warehouses", 201, {"name": "Main Warehouse", "address": "1 Dock Road"})
    sku = f"RETRO-CLOCK-{suffix}".upper()
    product = client.call("POST", "/api/products", 201, {
        "name": "Retro clock", "sku": sku, "price": "19.99", "low_stock_threshold": THRESHOLD})
    check(product["sku"] == sku, f"the product's SKU is {product['sku']!r}, not {sku!r}")

    movement = {"product_id": product["id"], "warehouse_id": warehouse["id"]}
    received = client.call("POST", "/api/inventory/movements", 201, {**movement, "type": "receive", "quantity": RECEIVED})
    check(received["levels"][0]["on_hand"] == RECEIVED, f"after the receipt: {received['levels']}")
    sold = client.call("POST", "/api/inventory/movements", 201, {**movement, "type": "sale", "quantity": SOLD})
    level = sold["levels"][0]
    check(level["on_hand"] == RECEIVED - SOLD and level["available"] == RECEIVED - SOLD, f"after the sale: {level}")

    alerts = client.call("GET", f"/api/companies/{company_id}/alerts/low-stock", 200)
    check(alerts["total_alerts"] == 1, f"expected one alert: {alerts}")
    alert = alerts["alerts"][0]
    check((alert["product_id"], alert["warehouse_id"], alert["sku"]) == (product["id"], warehouse["id"], sku),
          f"the alert is not the clock's: {alert}")
    check(alert["current_stock"] == RECEIVED - SOLD and alert["threshold"] == THRESHOLD, f"the alert's figures: {alert}")
    print(f"  alert: {alert['sku']} at {alert['warehouse_name']}: {alert['current_stock']} <= {alert['threshold']}, "
          f"{alert['days_until_stockout']} days until stockout")

    if email_wait:
        wait_for_the_email(client, email_wait)
    print(f"SKU {sku}")


def wait_for_the_email(client: Client, seconds: float) -> None:
    """The low-stock email is sent by the worker, planned by the scheduler, through the broker."""
    deadline = time.monotonic() + seconds
    while True:
        metrics = client.call("GET", "/metrics", 200, accept="text/plain")
        sent = re.search(r'^stockflow_notification_emails\{status="sent"\} (\S+)$', metrics, re.M)
        if sent and float(sent.group(1)) >= 1:
            print("  the worker sent the low-stock email")
            return
        if time.monotonic() > deadline:
            emails = "\n".join(line for line in metrics.splitlines() if line.startswith("stockflow_notification_emails"))
            raise StoryFailed(f"no low-stock email sent within {seconds:.0f} s:\n{emails}")
        time.sleep(5)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("base_url")
    parser.add_argument("--email-wait", type=float, default=0, metavar="SECONDS",
                        help="also wait this long for the worker to send the low-stock email")
    arguments = parser.parse_args()
    print(f"The story against {arguments.base_url}")
    try:
        tell(Client(arguments.base_url), arguments.email_wait)
    except (StoryFailed, OSError, KeyError, ValueError) as failure:
        print(f"STORY FAILED: {failure}", file=sys.stderr)
        return 1
    print("The story holds")
    return 0


if __name__ == "__main__":
    sys.exit(main())
