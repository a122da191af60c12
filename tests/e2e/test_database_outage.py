"""When MySQL goes away the API says 503 quickly, and when it comes back the same server recovers.
Metrics go on being served all along, saying whether the database could be read.

gunicorn (two workers) reaches a scratch MySQL database through a TCP relay the test controls:
the relay can refuse (listener closed, established connections reset), black-hole (accept, never
answer) or restore. Self-contained: it builds its own database, relay and server.
"""

import contextlib
import select
import socket
import struct
import threading
import time
import uuid

import pymysql
import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy.engine import make_url

from tests.api.test_metrics import DATABASE_FIGURES
from tests.conftest import PASSWORD
from tests.databases import MYSQL_URL, REQUIRE_MYSQL

CONNECT_TIMEOUT = 1  # DB_CONNECT_TIMEOUT for the server: connect, handshake, pre-ping
QUERY_TIMEOUT = 3  # DB_QUERY_TIMEOUT: one query within a request
MARGIN = 1.5
RECOVERY_SECONDS = 5


@pytest.fixture(autouse=True)
def _every_e2e_test_needs_the_server():
    """This module brings its own server: override the package's autouse live server, if any."""


def missing_prerequisite(reason: str):
    if REQUIRE_MYSQL:
        pytest.fail(f"REQUIRE_MYSQL=1: {reason}", pytrace=False)
    pytest.skip(reason)


class Relay:
    """A TCP relay to the database that can refuse, black-hole, or forward."""

    def __init__(self, upstream: tuple[str, int]):
        self.upstream = upstream
        self.mode = "up"
        self._lock = threading.Lock()
        self._sockets: set[socket.socket] = set()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._serve(self._listener)

    def refuse(self) -> None:
        """Close the listening socket and reset every established connection."""
        self.mode = "down"
        self._listener.shutdown(socket.SHUT_RDWR)  # wakes the accept() blocked in the other thread
        self._listener.close()
        self._reset_all()

    def black_hole(self) -> None:
        """Keep accepting connections but answer nothing, on new and established ones alike."""
        self.mode = "black-hole"

    def restore(self) -> None:
        if self.mode == "down":
            self._listener = socket.create_server(("127.0.0.1", self.port))
            self._serve(self._listener)
        else:
            self._reset_all()  # the stalled connections are lost, as after a real partition
        self.mode = "up"

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.refuse()

    def _serve(self, listener: socket.socket) -> None:
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            self._track(client)
            if self.mode == "black-hole":
                continue  # held open, never read, never answered
            try:
                server = socket.create_connection(self.upstream, timeout=5)
            except OSError:
                self._reset(client)
                continue
            self._track(server)
            threading.Thread(target=self._pump, args=(client, server), daemon=True).start()
            threading.Thread(target=self._pump, args=(server, client), daemon=True).start()

    def _pump(self, source: socket.socket, target: socket.socket) -> None:
        try:
            while True:
                if self.mode == "black-hole":
                    time.sleep(0.02)  # leave the bytes unread: nobody answers
                    continue
                if not select.select([source], [], [], 0.1)[0]:
                    continue
                data = source.recv(65536)
                if not data:
                    break
                if self.mode != "black-hole":
                    target.sendall(data)
        except (OSError, ValueError):
            pass
        self._reset(source)
        self._reset(target)

    def _track(self, sock: socket.socket) -> None:
        with self._lock:
            self._sockets.add(sock)

    def _reset(self, sock: socket.socket) -> None:
        with contextlib.suppress(OSError):
            # Linger 0: close with a RST, like a crashed server or a dropped connection.
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        with contextlib.suppress(OSError):
            sock.close()
        with self._lock:
            self._sockets.discard(sock)

    def _reset_all(self) -> None:
        with self._lock:
            sockets = list(self._sockets)
        for sock in sockets:
            self._reset(sock)


class Stack:
    def __init__(self, base_url: str, relay: Relay, database_url: str, log: list[str]):
        self.base_url, self.relay, self.database_url, self.log = base_url, relay, database_url, log
        self.token = None

    def call(self, method: str, path: str, **kwargs) -> tuple[requests.Response, float]:
        """The response and how long it took, in seconds."""
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        started = time.monotonic()
        response = requests.request(method, self.base_url + path, headers=headers, timeout=60, **kwargs)
        return response, time.monotonic() - started

    def direct_connection(self) -> pymysql.Connection:
        """A connection to the scratch database that does not go through the relay."""
        url = make_url(self.database_url)
        return pymysql.connect(host=url.host, port=url.port or 3306, user=url.username, password=url.password or "",
                               database=url.database, autocommit=False)

    def server_log(self) -> str:
        return "".join(self.log)[-3000:]


@pytest.fixture(scope="module", params=["mysql"])
def stack(request):
    if not MYSQL_URL:
        pytest.skip("the database outage test needs MYSQL_TEST_URL")
    try:
        from bench.harness import gunicorn, scratch_database
    except ImportError as error:
        missing_prerequisite(f"bench.harness is not importable: {error}")
    server = make_url(MYSQL_URL)
    try:
        database = scratch_database(MYSQL_URL)
        database_url = database.__enter__()
    except Exception as error:  # unreachable server, failed migration
        missing_prerequisite(f"cannot create a migrated scratch MySQL database: {error}")
    relay = Relay((server.host or "127.0.0.1", server.port or 3306))
    log: list[str] = []
    try:
        relayed = make_url(database_url).set(host="127.0.0.1", port=relay.port).render_as_string(hide_password=False)
        env = {"DB_CONNECT_TIMEOUT": str(CONNECT_TIMEOUT), "DB_QUERY_TIMEOUT": str(QUERY_TIMEOUT), "GUNICORN_TIMEOUT": "30"}
        with gunicorn(relayed, 2, **env) as (base_url, process):
            threading.Thread(target=lambda: log.extend(iter(lambda: process.stderr.readline().decode(errors="replace"), "")),
                             daemon=True).start()
            stack = Stack(base_url, relay, database_url, log)
            email = f"outage-{uuid.uuid4().hex[:8]}@example.com"
            response, _ = stack.call("POST", "/api/auth/register", json={"company_name": "Outage Clocks", "email": email, "password": PASSWORD})
            assert response.status_code == 201, response.text
            response, _ = stack.call("POST", "/api/auth/token", json={"email": email, "password": PASSWORD})
            assert response.status_code == 200, response.text
            stack.token = response.json()["token"]
            yield stack
    finally:
        relay.close()
        database.__exit__(None, None, None)


def assert_unavailable(response: requests.Response) -> None:
    assert response.status_code == 503, response.text
    body = response.json()
    assert body["code"] == 503 and body["status"] == "Service Unavailable" and body["error"] == "unavailable", body
    assert body["message"]
    assert response.headers["Retry-After"]
    assert response.headers["Content-Type"].startswith("application/json")


def served(stack: Stack) -> None:
    """Every worker answers: more calls than workers, all 200."""
    for _ in range(4):
        response, _ = stack.call("GET", "/api/auth/me")
        assert response.status_code == 200, response.text


def recovery_time(stack: Stack) -> float:
    """Seconds from now until the API answers 200 again, without touching the server."""
    started = time.monotonic()
    while time.monotonic() - started < 15:
        response, _ = stack.call("GET", "/api/auth/me")
        if response.status_code == 200:
            return time.monotonic() - started
        assert_unavailable(response)
        time.sleep(0.1)
    pytest.fail("the API did not recover within 15 s\n" + stack.server_log())


def warehouse_names(stack: Stack) -> set[str]:
    response, _ = stack.call("GET", "/api/warehouses")
    assert response.status_code == 200, response.text
    return {row["name"] for row in response.json()["items"]}


def outage_answers(stack: Stack, limit: float) -> dict[str, float]:
    """While the database is away: API reads and writes are 503 within `limit`; so is readiness,
    while liveness stays 200 at once. Returns the slowest time seen per kind of call."""
    slowest = {"read": 0.0, "write": 0.0, "ready": 0.0}
    for _ in range(3):
        response, took = stack.call("GET", "/api/auth/me")
        assert_unavailable(response)
        slowest["read"] = max(slowest["read"], took)
    response, took = stack.call("POST", "/api/warehouses", json={"name": "Built during the outage"})
    assert_unavailable(response)
    slowest["write"] = took
    response, took = stack.call("GET", "/health/ready")
    assert_unavailable(response)
    slowest["ready"] = took
    response, took = stack.call("GET", "/health")
    assert (response.status_code, response.json()) == (200, {"status": "ok"})
    assert took < 1
    assert max(slowest.values()) < limit, (slowest, stack.server_log())
    return slowest


def test_a_refused_database_is_answered_503_at_once_and_the_server_recovers_by_itself(stack):
    served(stack)
    stack.relay.refuse()
    try:
        slowest = outage_answers(stack, CONNECT_TIMEOUT + MARGIN)
    finally:
        stack.relay.restore()
    recovered = recovery_time(stack)
    print(f"\nrefused: slowest 503 {slowest}, recovered in {recovered:.2f} s")
    assert recovered < RECOVERY_SECONDS
    served(stack)
    assert stack.call("GET", "/health/ready")[0].status_code == 200
    assert "Built during the outage" not in warehouse_names(stack)


def test_a_black_holed_database_is_answered_503_within_the_timeouts_and_the_server_recovers(stack):
    served(stack)
    stack.relay.black_hole()
    try:
        # The first call on a pooled connection waits out the pre-ping, then a new connection's
        # handshake: both are bounded by the connect timeout.
        slowest = outage_answers(stack, 2 * CONNECT_TIMEOUT + MARGIN)
    finally:
        stack.relay.restore()
    recovered = recovery_time(stack)
    print(f"\nblack hole: slowest 503 {slowest}, recovered in {recovered:.2f} s")
    assert recovered < RECOVERY_SECONDS
    served(stack)
    assert "Built during the outage" not in warehouse_names(stack)


def test_a_write_caught_mid_transaction_by_the_outage_is_answered_503_and_applies_nothing(stack):
    response, _ = stack.call("POST", "/api/warehouses", json={"name": f"Depot {uuid.uuid4().hex[:6]}"})
    assert response.status_code == 201, response.text
    warehouse = response.json()["id"]
    response, _ = stack.call("POST", "/api/products", json={
        "name": "Retro Clock", "sku": f"RETRO-{uuid.uuid4().hex[:8]}", "price": "19.99",
        "warehouse_id": warehouse, "initial_quantity": 10,
    })
    assert response.status_code == 201, response.text
    product = response.json()["id"]

    # Hold the level's row lock from outside, so the sale waits inside MySQL with its
    # transaction open; the link goes dark while it waits, then the lock is released.
    blocker = stack.direct_connection()
    try:
        with blocker.cursor() as cursor:
            cursor.execute("SELECT id FROM inventory_levels WHERE product_id = %s AND warehouse_id = %s FOR UPDATE",
                           (product, warehouse))
        outcome = {}
        sale = {"type": "sale", "product_id": product, "warehouse_id": warehouse, "quantity": 3}
        caller = threading.Thread(target=lambda: outcome.update(zip(("response", "took"), stack.call(
            "POST", "/api/inventory/movements", json=sale))))
        caller.start()
        time.sleep(1)
        assert caller.is_alive(), "the sale should be waiting for the row lock"
        stack.relay.black_hole()
        blocker.rollback()
        caller.join(timeout=30)
    finally:
        blocker.close()
        stack.relay.restore()
    assert_unavailable(outcome["response"])
    print(f"\nmid-transaction: 503 after {outcome['took']:.2f} s (query timeout {QUERY_TIMEOUT} s)")
    assert outcome["took"] < 1 + QUERY_TIMEOUT + MARGIN
    recovery_time(stack)
    response, _ = stack.call("GET", f"/api/products/{product}")
    assert response.json()["total_on_hand"] == 10
    response, _ = stack.call("GET", f"/api/inventory/movements?product_id={product}")
    assert [row["type"] for row in response.json()["items"]] == ["receive"]


def scrape(stack: Stack) -> tuple[dict[tuple, float], float]:
    """GET /metrics as {(sample name, *sorted label pairs): value}, and how long it took."""
    response, took = stack.call("GET", "/metrics")
    assert response.status_code == 200, response.text[:2000]
    assert response.headers["Content-Type"].startswith("text/plain")
    samples = {(sample.name, *sorted(sample.labels.items())): sample.value
               for family in text_string_to_metric_families(response.text) for sample in family.samples}
    return samples, took


def me(name: str, status: str) -> tuple:
    """The key of a request metric's sample for GET /api/auth/me answered `status`."""
    return name, ("endpoint", "/api/auth/me"), ("method", "GET"), ("status", status)


@pytest.mark.parametrize("cut", ["refuse", "black_hole"])
def test_metrics_are_served_through_an_outage_and_say_whether_the_database_is_up(stack, cut):
    served(stack)
    before, _ = scrape(stack)
    answered = before[me("stockflow_http_requests_total", "200")]
    assert before[("stockflow_database_up",)] == 1
    assert ("stockflow_webhook_deliveries", ("status", "pending")) in before
    getattr(stack.relay, cut)()
    try:
        assert_unavailable(stack.call("GET", "/api/auth/me")[0])
        slowest = 0.0
        for _ in range(4):  # more scrapes than workers
            during, took = scrape(stack)
            slowest = max(slowest, took)
            assert during[("stockflow_database_up",)] == 0
            # Every process metric is there, the outage's 503 counted; the database's figures are left out.
            assert during[me("stockflow_http_requests_total", "200")] >= answered
            assert during[me("stockflow_http_requests_total", "503")] >= 1
            assert during[me("stockflow_http_request_duration_seconds_count", "503")] >= 1
            assert ("stockflow_db_pool_size",) in during
            assert not {key for key in during if key[0] in DATABASE_FIGURES}
    finally:
        stack.relay.restore()
    print(f"\n{cut}: slowest scrape during the outage {slowest:.2f} s")
    # A scrape waits for the database at most the connect timeout (tests/api/test_metrics.py
    # proves the bound itself; here, with this module's margin for a loaded machine).
    assert slowest < CONNECT_TIMEOUT + MARGIN, stack.server_log()
    recovery_time(stack)
    deadline = time.monotonic() + RECOVERY_SECONDS
    while scrape(stack)[0][("stockflow_database_up",)] != 1 and time.monotonic() < deadline:
        time.sleep(0.1)
    after = [scrape(stack)[0] for _ in range(4)]
    assert [samples[("stockflow_database_up",)] for samples in after] == [1] * 4
    assert all(("stockflow_webhook_deliveries", ("status", "pending")) in samples for samples in after)
