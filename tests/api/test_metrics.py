"""GET /metrics: Prometheus text with request, pool, stock movement and order metrics, served
whether or not the database answers.

Counters live for the whole test process, so each test compares before and after.
"""

import threading
import time

import pymysql
import pytest
import sqlalchemy as sa
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy.orm import Session

from app import create_app
from app.metrics import pool_state
from app.webhooks import delivery
from config import TestConfig
from tests.factories import lines, make_product, make_warehouse
from tests.smtp import free_port

# Read from the database at each scrape: left out when it cannot be read.
DATABASE_FIGURES = {"stockflow_webhook_deliveries", "stockflow_notification_emails",
                    "stockflow_events_queue_lag_seconds"}


def scrape(client) -> list:
    response = client.get("/metrics")
    assert response.status_code == 200
    return list(text_string_to_metric_families(response.get_data(as_text=True)))


def value(client, sample_name: str, **labels) -> float:
    """The sample's current value; 0 if it does not exist yet."""
    for family in scrape(client):
        for sample in family.samples:
            if sample.name == sample_name and all(sample.labels.get(k) == v for k, v in labels.items()):
                return sample.value
    return 0.0


def movements_counted(client, kind: str) -> float:
    return value(client, "stockflow_stock_movements_total", type=kind)


def orders_counted(client, event: str) -> float:
    return value(client, "stockflow_orders_total", event=event)


@pytest.fixture
def shop(acme):
    """A warehouse holding 10 RETRO-CLOCKs."""
    warehouse = make_warehouse(acme)
    return {"warehouse_id": warehouse, "product_id": make_product(acme, "RETRO-CLOCK", {warehouse: 10})}


def movement(shop, kind="receive", quantity=1, **extra):
    return {"type": kind, "product_id": shop["product_id"], "warehouse_id": shop["warehouse_id"], "quantity": quantity, **extra}


def test_metrics_are_prometheus_text_served_without_a_token(client):
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    names = {family.name for family in text_string_to_metric_families(response.get_data(as_text=True))}
    assert {
        "stockflow_http_requests", "stockflow_http_request_duration_seconds", "stockflow_stock_movements",
        "stockflow_orders", "stockflow_db_pool_size", "stockflow_db_pool_checked_out", "stockflow_db_pool_overflow",
        "stockflow_database_up", *DATABASE_FIGURES,
    } <= names
    assert value(client, "stockflow_database_up") == 1


def test_metrics_are_not_rate_limited(app, client):
    app.config["RATELIMIT_API"] = "2 per minute"
    assert all(client.get("/metrics").status_code == 200 for _ in range(5))


def test_metrics_are_documented_in_the_openapi_spec(client):
    operation = client.get("/openapi.json").json["paths"]["/metrics"]["get"]
    assert "text/plain" in operation["responses"]["200"]["content"]
    assert "security" not in operation


def test_a_request_is_counted_and_timed_under_its_route_template_and_status(acme, shop):
    labels = {"method": "GET", "endpoint": "/api/products/<int:product_id>", "status": "200"}
    counted = value(acme.client, "stockflow_http_requests_total", **labels)
    timed = value(acme.client, "stockflow_http_request_duration_seconds_count", **labels)
    assert acme.get(f"/api/products/{shop['product_id']}").status_code == 200
    assert value(acme.client, "stockflow_http_requests_total", **labels) == counted + 1
    assert value(acme.client, "stockflow_http_request_duration_seconds_count", **labels) == timed + 1
    assert value(acme.client, "stockflow_http_request_duration_seconds_bucket", le="+Inf", **labels) == timed + 1


def test_errors_are_counted_under_their_status(acme):
    labels = {"method": "GET", "endpoint": "/api/products/<int:product_id>", "status": "404"}
    before = value(acme.client, "stockflow_http_requests_total", **labels)
    assert acme.get("/api/products/999999").status_code == 404
    assert value(acme.client, "stockflow_http_requests_total", **labels) == before + 1


def test_raw_paths_never_become_labels(client):
    before = value(client, "stockflow_http_requests_total", endpoint="unmatched", status="404")
    for path in ("/no-such-page-1", "/no-such-page-2", "/api/products/12/nonsense"):
        assert client.get(path).status_code == 404
    assert value(client, "stockflow_http_requests_total", endpoint="unmatched", status="404") == before + 3
    endpoints = {s.labels["endpoint"] for f in scrape(client) if f.name == "stockflow_http_requests" for s in f.samples}
    assert not {e for e in endpoints if "no-such-page" in e or "nonsense" in e}


def test_unknown_methods_share_one_label(client):
    client.open("/health", method="BREW")
    samples = [s for f in scrape(client) if f.name == "stockflow_http_requests" for s in f.samples]
    assert "BREW" not in {s.labels["method"] for s in samples}
    assert "other" in {s.labels["method"] for s in samples}


def test_a_recorded_movement_is_counted_by_type(acme, shop):
    received, transferred = movements_counted(acme.client, "receive"), movements_counted(acme.client, "transfer")
    other = make_warehouse(acme, "Overflow")
    assert acme.post("/api/inventory/movements", json=movement(shop, "receive", 5)).status_code == 201
    assert acme.post("/api/inventory/movements", json=movement(shop, "transfer", 2, to_warehouse_id=other)).status_code == 201
    assert movements_counted(acme.client, "receive") == received + 1
    assert movements_counted(acme.client, "transfer") == transferred + 1


def test_a_rejected_movement_is_not_counted(acme, shop):
    sold = movements_counted(acme.client, "sale")
    response = acme.post("/api/inventory/movements", json=movement(shop, "sale", 11))
    assert (response.status_code, response.json["error"]) == (409, "insufficient_stock")
    assert movements_counted(acme.client, "sale") == sold


def test_a_replayed_movement_is_counted_once(acme, shop):
    received = movements_counted(acme.client, "receive")
    headers = {**acme.headers, "Idempotency-Key": "delivery-42"}
    first = acme.client.post("/api/inventory/movements", json=movement(shop), headers=headers)
    again = acme.client.post("/api/inventory/movements", json=movement(shop), headers=headers)
    assert (first.status_code, again.status_code, again.headers["Idempotent-Replayed"]) == (201, 201, "true")
    assert movements_counted(acme.client, "receive") == received + 1


def lost_connection_at_commit():
    """Make the next commit fail as if MySQL went away; returns a function that undoes it."""

    def fail(_session):
        sa.event.remove(Session, "before_commit", fail)
        raise sa.exc.OperationalError("COMMIT", {}, pymysql.err.OperationalError(2013, "Lost connection to MySQL server"))

    sa.event.listen(Session, "before_commit", fail)
    return lambda: sa.event.contains(Session, "before_commit", fail) and sa.event.remove(Session, "before_commit", fail)


def test_a_movement_whose_commit_fails_is_answered_503_and_not_counted(acme, shop):
    sold, received = movements_counted(acme.client, "sale"), movements_counted(acme.client, "receive")
    undo = lost_connection_at_commit()
    try:
        response = acme.post("/api/inventory/movements", json=movement(shop, "sale", 1))
    finally:
        undo()
    assert (response.status_code, response.json["error"]) == (503, "unavailable")
    assert acme.get(f"/api/products/{shop['product_id']}").json["total_on_hand"] == 10
    # Nothing of the failed request is carried over to the next commit.
    assert acme.post("/api/inventory/movements", json=movement(shop, "receive", 1)).status_code == 201
    assert movements_counted(acme.client, "sale") == sold
    assert movements_counted(acme.client, "receive") == received + 1


def test_orders_are_counted_when_created_shipped_and_cancelled(acme, shop):
    before = {event: orders_counted(acme.client, event) for event in ("created", "shipped", "cancelled")}
    order_ids = []
    for _ in range(3):
        response = acme.post("/api/orders", json={"warehouse_id": shop["warehouse_id"], "items": lines((shop["product_id"], 1))})
        assert response.status_code == 201, response.json
        order_ids.append(response.json["id"])
    assert acme.patch(f"/api/orders/{order_ids[0]}/status", json={"status": "shipped"}).status_code == 200
    assert acme.patch(f"/api/orders/{order_ids[1]}/status", json={"status": "cancelled"}).status_code == 200
    assert acme.patch(f"/api/orders/{order_ids[0]}/status", json={"status": "cancelled"}).status_code == 409
    after = {event: orders_counted(acme.client, event) for event in before}
    assert after == {"created": before["created"] + 3, "shipped": before["shipped"] + 1, "cancelled": before["cancelled"] + 1}


def test_an_order_that_cannot_be_reserved_is_not_counted(acme, shop):
    created = orders_counted(acme.client, "created")
    response = acme.post("/api/orders", json={"warehouse_id": shop["warehouse_id"], "items": lines((shop["product_id"], 11))})
    assert response.status_code == 409
    assert orders_counted(acme.client, "created") == created


def test_the_pool_gauges_read_the_database_pool(app, client):
    assert client.get("/health/ready").status_code == 200
    with app.app_context():
        from app.extensions import db

        size = db.engine.pool.size()
    assert value(client, "stockflow_db_pool_size") == size > 0
    # The scrape itself holds no connection.
    assert value(client, "stockflow_db_pool_checked_out") == 0


def test_the_pool_state_published_at_checkin_is_the_state_after_it(tmp_path):
    """Multiprocess mode publishes from the checkin event, which runs before the connection is back."""
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'pool.db'}", poolclass=sa.pool.QueuePool, pool_size=1, max_overflow=2)
    published = []
    sa.event.listen(engine, "checkin", lambda *_: published.append(pool_state(engine.pool, returning=True)))
    connections = [engine.connect() for _ in range(3)]
    assert pool_state(engine.pool) == {"size": 1, "checked_out": 3, "overflow": 2}
    actual = []
    for connection in connections:
        connection.close()
        actual.append(pool_state(engine.pool))
    engine.dispose()
    assert published == actual
    assert actual[-1] == {"size": 1, "checked_out": 0, "overflow": 0}


def test_events_are_counted_by_type_once_committed(acme, shop):
    def counted(event_type):
        return value(acme.client, "stockflow_events_total", type=event_type)

    before = {t: counted(t) for t in ("order.created", "order.cancelled")}
    response = acme.post("/api/orders", json={"warehouse_id": shop["warehouse_id"], "items": lines((shop["product_id"], 1))})
    assert response.status_code == 201, response.json
    refused = acme.post("/api/orders", json={"warehouse_id": shop["warehouse_id"], "items": lines((shop["product_id"], 99))})
    assert refused.status_code == 409
    assert acme.patch(f"/api/orders/{response.json['id']}/status", json={"status": "cancelled"}).status_code == 200
    assert {t: counted(t) for t in before} == {t: n + 1 for t, n in before.items()}


# Not named after a backend: they need no MySQL server, so must not count as MySQL tests run.
@pytest.fixture(params=["missing-sqlite-file", "closed-mysql-port"])
def unreachable(request, tmp_path):
    """A client of an app whose database cannot be reached: a file in a missing directory, or a
    port nobody listens on."""
    url = {
        "missing-sqlite-file": f"sqlite:///{tmp_path / 'missing' / 'stockflow.db'}",
        "closed-mysql-port": f"mysql+pymysql://root@127.0.0.1:{free_port()}/stockflow",
    }[request.param]
    return create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url).test_client()


def test_without_the_database_metrics_are_served_and_say_it_is_down(unreachable):
    assert unreachable.get("/health/ready").status_code == 503
    labels = {"method": "GET", "endpoint": "/health/ready", "status": "503"}
    families = {family.name: family for family in scrape(unreachable)}
    assert value(unreachable, "stockflow_database_up") == 0
    assert not DATABASE_FIGURES & set(families)  # left out, not zeros
    assert {"stockflow_http_requests", "stockflow_http_request_duration_seconds", "stockflow_db_pool_size",
            "stockflow_orders"} <= set(families)
    assert value(unreachable, "stockflow_http_requests_total", **labels) >= 1


def test_a_scrape_waits_for_the_database_at_most_the_connect_timeout_and_reads_it_once_at_a_time(
        app, client, monkeypatch):
    monkeypatch.setitem(app.config, "DB_CONNECT_TIMEOUT", 0.2)
    read, release, reads = delivery.backlog, threading.Event(), []

    def stuck():
        reads.append(1)
        release.wait(60)
        return read()

    monkeypatch.setattr(delivery, "backlog", stuck)
    try:
        for _ in range(3):
            started = time.monotonic()
            assert value(client, "stockflow_database_up") == 0
            # Not the minute the read is stuck for: the 0.2 s timeout, with room for a loaded machine.
            assert time.monotonic() - started < 10
    finally:
        release.set()
    assert len(reads) == 1  # the later scrapes waited for the read under way, not queued more
    deadline = time.monotonic() + 5
    while value(client, "stockflow_database_up") != 1 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert value(client, "stockflow_database_up") == 1


def test_a_database_error_that_is_not_an_outage_is_not_hidden(client, monkeypatch):
    def broken():
        raise sa.exc.ProgrammingError("SELECT", {}, Exception("no such column"))

    monkeypatch.setattr(delivery, "backlog", broken)
    response = client.get("/metrics")
    assert (response.status_code, response.json["error"]) == (500, "internal_error")
