"""A live StockFlow for the contract test: scratch MySQL database, gunicorn, an account and a little data."""

import collections
import contextlib
import threading

import pytest
import requests
import sqlalchemy as sa

from bench.harness import gunicorn, scratch_database
from tests.conftest import PASSWORD, unique_email
from tests.databases import MYSQL_URL, REQUIRE_MYSQL


class LiveApi:
    """A running server and the admin the fuzzer acts as."""

    def __init__(self, base_url: str, log: collections.deque):
        self.base_url = base_url
        self.log = log
        self.http = requests.Session()
        response = self.http.post(
            base_url + "/api/auth/register",
            json={"company_name": "Fuzz Supplies", "email": unique_email("fuzz"), "password": PASSWORD},
        )
        assert response.status_code == 201, response.text
        body = response.json()
        self.email, self.user_id = body["user"]["email"], body["user"]["id"]
        self.token = body["token"]
        self.http.headers["Authorization"] = f"Bearer {self.token}"

    def create(self, path: str, body: dict) -> dict:
        response = self.http.post(self.base_url + path, json=body)
        assert response.status_code == 201, response.text
        return response.json()

    def fresh_token(self) -> str:
        """Another token of the same admin, for requests that revoke the token they are made with."""
        response = requests.post(self.base_url + "/api/auth/token", json={"email": self.email, "password": PASSWORD})
        assert response.status_code == 200, response.text
        return response.json()["token"]

    def server_log(self) -> str:
        return "".join(self.log)


def _seed(api: LiveApi) -> None:
    """A little of everything, so generated ids (small integers) often name objects that exist."""
    main = api.create("/api/warehouses", {"name": "Main", "address": "1 Dock Road"})["id"]
    spare = api.create("/api/warehouses", {"name": "Overflow"})["id"]
    kind = api.create("/api/product-types", {"name": "Clocks", "low_stock_threshold": 5})["id"]
    supplier = api.create("/api/suppliers", {"name": "Supplier Corp", "contact_email": "orders@supplier.example", "lead_time_days": 7})["id"]
    clock = api.create(
        "/api/products",
        {"name": "Retro Clock", "sku": "RETRO-CLOCK", "price": "19.99", "product_type_id": kind, "supplier_id": supplier,
         "inventory": [{"warehouse_id": main, "quantity": 40}, {"warehouse_id": spare, "quantity": 5}]},
    )["id"]
    lamp = api.create("/api/products", {"name": "Desk Lamp", "sku": "DESK-LAMP", "price": 12.5, "warehouse_id": main, "initial_quantity": 20})["id"]
    api.create("/api/bundles", {"name": "Study Kit", "sku": "STUDY-KIT", "price": "29.99",
                                "components": [{"product_id": clock, "quantity": 1}, {"product_id": lamp, "quantity": 2}]})
    api.create("/api/inventory/movements", {"type": "sale", "product_id": clock, "warehouse_id": main, "quantity": 3})
    api.create("/api/orders", {"warehouse_id": main, "items": [{"product_id": lamp, "quantity": 2}], "reference": "PO-1"})
    api.create("/api/users", {"email": unique_email("staff"), "password": PASSWORD, "role": "staff"})


def _drain(stream, into: collections.deque) -> None:
    # gunicorn's stderr is a pipe: unread, a burst of logged 500s would fill it and hang the server.
    for line in iter(stream.readline, b""):
        into.append(line.decode(errors="replace"))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """Show what the server logged (tracebacks of 500s) next to a failed contract test."""
    report = yield
    live_api = item.funcargs.get("live_api") if hasattr(item, "funcargs") else None
    if report.failed and report.when == "call" and live_api is not None:
        report.sections.append(("gunicorn log (last lines)", live_api.server_log()[-8000:]))
    return report


# The one param names the tests "[mysql]", so they count as MySQL tests for REQUIRE_MYSQL.
@pytest.fixture(scope="session", params=["mysql"])
def live_api():
    """gunicorn serving a scratch, migrated MySQL database, with a registered admin and seed data."""
    with contextlib.ExitStack() as stack:
        try:
            url = stack.enter_context(scratch_database(MYSQL_URL))
        except sa.exc.OperationalError as error:
            if REQUIRE_MYSQL:
                pytest.fail(f"MySQL is required but unreachable: {error}", pytrace=False)
            pytest.skip(f"MySQL unreachable: {error}")
        base_url, server = stack.enter_context(gunicorn(url, workers=2, RATELIMIT_ENABLED="false", LOG_LEVEL="WARNING"))
        log = collections.deque(maxlen=400)
        threading.Thread(target=_drain, args=(server.stderr, log), daemon=True).start()
        api = LiveApi(base_url, log)
        _seed(api)
        yield api
