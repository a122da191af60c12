"""A live StockFlow server for the whole session, and HTTP clients that act as its users.

The server is built the way docker-compose runs it: a fresh MySQL database, `flask db upgrade`,
then `gunicorn wsgi:app` with gunicorn.conf.py and two workers. Without MYSQL_TEST_URL the whole
package is skipped; with REQUIRE_MYSQL=1 a missing prerequisite fails the run instead.
"""

import contextlib
import os
import secrets
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa

from tests.conftest import PASSWORD, unique_email
from tests.databases import MYSQL_URL, REQUIRE_MYSQL, fresh_database

ROOT = Path(__file__).resolve().parents[2]
WORKERS = 2
STARTUP_SECONDS = 60
REQUEST_TIMEOUT = 30
ERROR_MARKS = ('"level": "ERROR"', '"level": "CRITICAL"', "[ERROR]", "[CRITICAL]", "Traceback")


def missing_prerequisite(reason: str):
    """Skip, unless the run requires MySQL: then a missing prerequisite is a failure."""
    if REQUIRE_MYSQL:
        pytest.fail(f"REQUIRE_MYSQL=1: {reason}", pytrace=False)
    pytest.skip(reason)


class LiveServer:
    """A running gunicorn: its base URL, its database URL and its log."""

    def __init__(self, base_url: str, database_url: str, log_path: Path):
        self.base_url = base_url
        self.database_url = database_url
        self.log_path = log_path

    def log_size(self) -> int:
        return self.log_path.stat().st_size

    def errors_since(self, offset: int) -> list[str]:
        """Error lines the server logged after `offset`: the app's JSON log lines and gunicorn's own."""
        with self.log_path.open("rb") as log:
            log.seek(offset)
            lines = log.read().decode(errors="replace").splitlines()
        return [line for line in lines if any(mark in line for mark in ERROR_MARKS)]


# The parameter names the backend in every test id ("...[mysql]"), like the rest of the suite, so
# the REQUIRE_MYSQL bookkeeping in tests/conftest.py counts these tests as MySQL tests.
@pytest.fixture(scope="session", params=["mysql"])
def live_server(request, tmp_path_factory):
    if not MYSQL_URL:
        pytest.skip("end-to-end tests need MYSQL_TEST_URL")
    log_path = tmp_path_factory.mktemp("e2e") / "server.log"
    try:
        database = fresh_database("mysql", None)
        database_url = database.__enter__()
    except sa.exc.OperationalError as error:
        missing_prerequisite(f"MySQL is unreachable: {error}")
    try:
        environment = server_environment(database_url)
        migrate(environment)
        with serving(environment, log_path) as base_url:
            yield LiveServer(base_url, database_url, log_path)
    finally:
        database.__exit__(None, None, None)


def server_environment(database_url: str) -> dict:
    """The environment docker-compose gives the app, with a free local port."""
    port = free_port()
    return {
        **os.environ,
        "STOCKFLOW_ENV": "production",
        "SECRET_KEY": secrets.token_hex(32),
        "DATABASE_URL": database_url,
        "FLASK_APP": "wsgi",
        "BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": str(WORKERS),
        "LOG_LEVEL": "WARNING",
        # Every story registers its own company and logs in from 127.0.0.1; the production
        # default (10 per minute per address) would turn the suite into a rate-limit test.
        "RATELIMIT_AUTH": "1000 per minute",
        # No worker serves this server: its events are kept in the outbox and their enqueue goes
        # to an in-process broker. test_webhook_worker.py runs a stack of its own on Redis.
        "BROKER_URL": "memory://",
        # A stalled body is refused after this many seconds (test_errors.py waits it out).
        "BODY_READ_TIMEOUT": "2",
        # The venv's scripts (flask, gunicorn) first, as they are on the image's PATH.
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
    }


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def migrate(environment: dict) -> None:
    """`flask db upgrade`, as the compose file runs it before the server starts."""
    result = subprocess.run(["flask", "db", "upgrade"], cwd=ROOT, env=environment, capture_output=True, text=True)
    if result.returncode != 0:
        pytest.fail(f"flask db upgrade failed ({result.returncode}):\n{result.stdout}\n{result.stderr}", pytrace=False)


@contextlib.contextmanager
def serving(environment: dict, log_path: Path):
    """`gunicorn wsgi:app`, the image's command, until the block ends; its output goes to log_path."""
    base_url = "http://" + environment["BIND"]
    with log_path.open("wb") as log:
        server = subprocess.Popen(["gunicorn", "wsgi:app"], cwd=ROOT, env=environment, stdout=log, stderr=subprocess.STDOUT)
        try:
            wait_until_ready(base_url, server, log_path)
            yield base_url
        finally:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


def wait_until_ready(base_url: str, server: subprocess.Popen, log_path: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"gunicorn exited with {server.returncode}:\n{log_path.read_text(errors='replace')[-4000:]}", pytrace=False)
        try:
            if requests.get(base_url + "/health/ready", timeout=2).status_code == 200:
                return
        except requests.RequestException:  # workers still booting: connection refused or queued
            pass
        time.sleep(0.2)
    pytest.fail(f"gunicorn was not ready within {STARTUP_SECONDS} s:\n{log_path.read_text(errors='replace')[-4000:]}", pytrace=False)


@pytest.fixture(autouse=True)
def _every_e2e_test_needs_the_server(live_server):
    """Skip (or fail) every test of the package together when the server cannot run; and report
    what the server logged as an error during a test (an unhandled exception, a crashed worker),
    even when the client's assertions happened not to notice."""
    start = live_server.log_size()
    yield
    errors = live_server.errors_since(start)
    assert not errors, "the server logged errors during this test:\n" + "\n".join(errors)


@pytest.fixture
def base_url(live_server) -> str:
    return live_server.base_url


@pytest.fixture
def anonymous(base_url):
    """A client with no token."""
    with requests.Session() as session:
        yield Client(base_url, session)


class Client:
    """One user of the API over HTTP; paths are relative to the server, JSON in and out."""

    def __init__(self, base_url: str, session: requests.Session, token: str | None = None):
        self.base_url, self.session, self.token = base_url, session, token
        self.company_id = self.user_id = self.email = None

    def request(self, method: str, path: str, headers=None, **kwargs) -> requests.Response:
        headers = dict(headers or {})
        if self.token:
            headers.setdefault("Authorization", f"Bearer {self.token}")
        return self.session.request(method, self.base_url + path, headers=headers, timeout=REQUEST_TIMEOUT, **kwargs)

    def get(self, path, **kwargs):
        return self.request("GET", path, **kwargs)

    def post(self, path, **kwargs):
        return self.request("POST", path, **kwargs)

    def put(self, path, **kwargs):
        return self.request("PUT", path, **kwargs)

    def patch(self, path, **kwargs):
        return self.request("PATCH", path, **kwargs)

    def delete(self, path, **kwargs):
        return self.request("DELETE", path, **kwargs)

    def created(self, path: str, body: dict, **kwargs) -> dict:
        """POST that must answer 201; returns the body."""
        response = self.post(path, json=body, **kwargs)
        assert response.status_code == 201, (path, response.status_code, response.text)
        return response.json()

    def ok(self, path: str, **kwargs) -> dict:
        """GET that must answer 200; returns the body."""
        response = self.get(path, **kwargs)
        assert response.status_code == 200, (path, response.status_code, response.text)
        return response.json()


def register_company(base_url: str, session: requests.Session, company_name: str) -> Client:
    response = session.post(
        base_url + "/api/auth/register",
        json={"company_name": company_name, "email": unique_email("owner"), "password": PASSWORD, "name": "Ada Owner"},
        timeout=REQUEST_TIMEOUT,
    )
    assert response.status_code == 201, response.text
    body = response.json()
    client = Client(base_url, session, body["token"])
    client.company_id, client.user_id, client.email = body["company"]["id"], body["user"]["id"], body["user"]["email"]
    return client


@pytest.fixture
def register(base_url):
    """Register a new company over HTTP; returns its admin as a Client."""
    sessions = []

    def register(company_name: str = "Retro Clocks Ltd") -> Client:
        sessions.append(requests.Session())
        return register_company(base_url, sessions[-1], company_name)

    yield register
    for session in sessions:
        session.close()


@pytest.fixture
def retro(register) -> Client:
    return register("Retro Clocks Ltd")


@pytest.fixture
def globex(register) -> Client:
    return register("Globex Corporation")


def random_sku(name: str = "SKU") -> str:
    """SKUs are unique across the platform, and the server lives for the whole session."""
    return f"{name}-{uuid.uuid4().hex[:8].upper()}"


# ---------------------------------------------------------------------------------------------
# Factories: create through the API, assert it worked, return what the stories need.
# ---------------------------------------------------------------------------------------------


def make_warehouse(client: Client, name: str = "Main Warehouse") -> int:
    return client.created("/api/warehouses", {"name": name})["id"]


def make_product(client: Client, name: str = "Retro Clock", stock: dict | None = None, price="19.99", **fields) -> int:
    """A product with a fresh SKU and `stock` ({warehouse_id: quantity}) as initial inventory."""
    inventory = [{"warehouse_id": w, "quantity": q} for w, q in (stock or {}).items()]
    body = {"name": name, "sku": random_sku(name.upper().replace(" ", "-")), "price": price, "inventory": inventory}
    return client.created("/api/products", {**body, **fields})["id"]


def make_bundle(client: Client, name: str, *components, price="29.99") -> int:
    """A bundle of (product_id, quantity) components."""
    body = {"name": name, "sku": random_sku(name.upper().replace(" ", "-")), "price": price,
            "components": [{"product_id": p, "quantity": q} for p, q in components]}
    return client.created("/api/bundles", body)["id"]


def move(client: Client, kind: str, product_id: int, warehouse_id: int, quantity: int, headers=None, **extra) -> requests.Response:
    """POST one stock movement; the caller checks the answer."""
    body = {"type": kind, "product_id": product_id, "warehouse_id": warehouse_id, "quantity": quantity, **extra}
    return client.post("/api/inventory/movements", json=body, headers=headers)


def level(client: Client, product_id: int, warehouse_id: int) -> dict | None:
    """The stock level of a product in a warehouse, as GET /api/inventory lists it."""
    items = client.ok(f"/api/inventory?product_id={product_id}&warehouse_id={warehouse_id}")["items"]
    return items[0] if items else None


def ledger(client: Client, limit: int = 500, **filters) -> list[dict]:
    """Every ledger row matching `filters`, newest first, following next_cursor to the end."""
    rows, cursor = [], None
    while True:
        params = {"limit": limit, **filters, **({"cursor": cursor} if cursor else {})}
        page = client.ok("/api/inventory/movements", params=params)
        rows += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            return rows


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium, driven by Playwright (tests/e2e/browser.py)."""
    from tests.e2e.browser import launched_chromium

    with launched_chromium() as chromium:
        yield chromium


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the test, so fixtures can tell a failed test (the browser's screenshot)."""
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report
