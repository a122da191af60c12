"""Prometheus metrics at GET /metrics: HTTP requests, the database pool, stock movements, orders, events
and the background work still to do.

Under gunicorn every worker is its own process; with PROMETHEUS_MULTIPROC_DIR set (gunicorn.conf.py
sets a default) each one writes its values to files there and a scrape adds them all up
(prometheus_client's multiprocess mode). Without it, metrics are the one process's, as in tests.

A scrape never fails for want of the database: that is when the operator needs it most.
"""

import collections
import os
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor

from flask import (
    Flask,
    Response,
    copy_current_request_context,
    current_app,
    g,
    has_app_context,
    has_request_context,
    request,
    request_finished,
    request_started,
)
from flask.views import MethodView
from prometheus_client import (
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.exposition import choose_encoder
from prometheus_client.registry import Collector
from sqlalchemy import event
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session
from sqlalchemy.pool import QueuePool

from app.blueprint import Blueprint
from app.common.time import utcnow
from app.errors import is_connection_error
from app.extensions import db
from app.notifications.models import EMAIL_STATUSES
from app.webhooks.models import DELIVERY_STATUSES

MULTIPROCESS = bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))
# No "<name>_created" series: they double the output, and multiprocess mode has none anyway.
disable_created_metrics()

# Labels take the route template ("/api/products/<int:product_id>"), never the raw path, and a
# closed set of methods: a client must not be able to mint new time series.
METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}
UNMATCHED = "unmatched"
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)

REQUESTS = Counter(
    "stockflow_http_requests", "HTTP requests answered, by method, route template and status",
    ["method", "endpoint", "status"],
)
REQUEST_SECONDS = Histogram(
    "stockflow_http_request_duration_seconds", "Time to answer an HTTP request, by method, route template and status",
    ["method", "endpoint", "status"], buckets=LATENCY_BUCKETS,
)
STOCK_MOVEMENTS = Counter(
    "stockflow_stock_movements", "Stock movements recorded through the API (committed only), by type", ["type"],
)
ORDERS = Counter("stockflow_orders", "Orders created, shipped and cancelled (committed only)", ["event"])
EVENTS = Counter("stockflow_events", "Events written to the outbox (committed only), by type", ["type"])

for _kind in ("receive", "sale", "return", "remove", "adjust", "count", "transfer"):
    STOCK_MOVEMENTS.labels(_kind)
for _event in ("created", "shipped", "cancelled"):
    ORDERS.labels(_event)

POOL_METRICS = {
    "size": ("stockflow_db_pool_size", "Connections the database pool keeps open (pool size)"),
    "checked_out": ("stockflow_db_pool_checked_out", "Database connections in use by requests"),
    "overflow": ("stockflow_db_pool_overflow", "Database connections open beyond the pool size"),
}


_PENDING = "stockflow.metrics.pending"


def count_on_commit(counter: Counter, *labels: str) -> None:
    """Count one event when the current transaction commits; not at all if it rolls back."""
    db.session.info.setdefault(_PENDING, collections.Counter())[counter, labels] += 1


@event.listens_for(Session, "after_commit")
def _count_committed(session):
    for (counter, labels), events in session.info.pop(_PENDING, {}).items():
        counter.labels(*labels).inc(events)


@event.listens_for(Session, "after_transaction_end")
def _forget_rolled_back(session, transaction):
    # Runs after after_commit; what is still pending here was rolled back.
    if transaction.parent is None:
        session.info.pop(_PENDING, None)


def pool_state(pool, returning: bool = False) -> dict[str, int] | None:
    """Size, checked-out and overflow connections of a sized pool (None for other pools).

    `returning`: called from the checkin event, which runs before the connection is back; it
    then goes into the pool, or is closed if the pool is full (an overflow connection).
    """
    if not isinstance(pool, QueuePool):
        return None
    size, checked_out, overflow = pool.size(), pool.checkedout(), pool.overflow()
    if returning:
        checked_out -= 1
        if size and pool.checkedin() >= size:
            overflow -= 1
    # QueuePool counts overflow from -size (no connection open yet); below zero means none.
    return {"size": size, "checked_out": checked_out, "overflow": max(0, overflow)}


class PoolCollector(Collector):
    """Reads the serving app's pool at scrape time (single-process mode)."""

    def describe(self):
        return []

    def collect(self):
        state = pool_state(db.engine.pool) if has_app_context() else None
        for key, value in (state or {}).items():
            yield GaugeMetricFamily(*POOL_METRICS[key], value=value)


class OutboxCollector(Collector):
    """What background work has left to do, read from the database at scrape time: the same figures
    from every API process, whichever host the workers run on.

    The database is read in a thread of its own, which the scrape waits for at most
    DB_CONNECT_TIMEOUT: a database that refuses, or accepts and never answers, must not fail the
    scrape or hold it past Prometheus' scrape timeout. stockflow_database_up says whether the figures
    could be read; when not, they are left out rather than shown stale or as zeros. One read at a
    time per process: a scrape that finds one still under way (a previous scrape stopped waiting
    for it) waits for that one instead of queueing another. The read runs in a copy of the scrape's
    request context: its queries are bounded by the request's database timeouts, so a read stuck on
    a dead link ends too, and its session is its own, closed when it ends.
    """

    def __init__(self):
        self._reader = ThreadPoolExecutor(max_workers=1, thread_name_prefix="stockflow-metrics")
        self._lock = threading.Lock()
        self._reading: Future | None = None

    def describe(self):
        return []

    def collect(self):
        if not has_request_context():
            return
        figures = self._read(current_app.config["DB_CONNECT_TIMEOUT"])
        yield GaugeMetricFamily(
            "stockflow_database_up",
            "1 when this scrape could read the figures that come from the database (webhook deliveries, "
            "emails, queue lag), 0 when the database did not answer within DB_CONNECT_TIMEOUT and they are "
            "left out",
            value=figures is not None)
        if figures is None:
            return
        deliveries, oldest, emails = figures
        family = GaugeMetricFamily("stockflow_webhook_deliveries", "Webhook deliveries by status", labels=["status"])
        for status in DELIVERY_STATUSES:
            family.add_metric([status], deliveries.get(status, 0))
        yield family
        family = GaugeMetricFamily("stockflow_notification_emails", "Low-stock emails by status", labels=["status"])
        for status in EMAIL_STATUSES:
            family.add_metric([status], emails.get(status, 0))
        yield family
        yield GaugeMetricFamily(
            "stockflow_events_queue_lag_seconds",
            "Age of the oldest event not yet delivered to every subscription (never dispatched, or with a "
            "delivery pending); 0 when there is none",
            value=(utcnow() - oldest).total_seconds() if oldest else 0)

    def _read(self, timeout: float) -> tuple | None:
        """The figures, or None when the database cannot be read within `timeout` seconds."""
        with self._lock:
            if self._reading is None or self._reading.done():
                self._reading = self._reader.submit(copy_current_request_context(_read_backlog))
            reading = self._reading
        try:
            return reading.result(timeout=timeout)
        except (TimeoutError, PoolTimeout):
            return None
        except DBAPIError as error:
            if is_connection_error(error):
                return None
            raise


def _read_backlog():
    from app.notifications.sending import by_status  # at scrape time: they import this module
    from app.webhooks.delivery import backlog

    deliveries, oldest = backlog()
    return deliveries, oldest, by_status()


OUTBOX = OutboxCollector()

if MULTIPROCESS:
    # Each worker publishes its own pool whenever a connection is taken or given back; a scrape
    # adds up the live workers.
    _POOL_GAUGES = {key: Gauge(name, text, multiprocess_mode="livesum") for key, (name, text) in POOL_METRICS.items()}
else:
    REGISTRY.register(PoolCollector())
    REGISTRY.register(OUTBOX)


def _publish_pool(engine) -> None:
    def publish(state):
        for key, value in (state or {}).items():
            _POOL_GAUGES[key].set(value)

    @event.listens_for(engine, "checkout")
    def _on_checkout(_dbapi_connection, _record, _proxy):
        publish(pool_state(engine.pool))

    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_connection, _record):
        publish(pool_state(engine.pool, returning=True))

    publish(pool_state(engine.pool))


def _start_timer(_app, **_extra):
    g.metrics_started = time.perf_counter()


def _count_request(_app, response, **_extra):
    rule = request.url_rule.rule if request.url_rule is not None else UNMATCHED
    method = request.method if request.method in METHODS else "other"
    labels = (method, rule, str(response.status_code))
    REQUESTS.labels(*labels).inc()
    started = g.pop("metrics_started", None)
    if started is not None:
        REQUEST_SECONDS.labels(*labels).observe(time.perf_counter() - started)


blp = Blueprint("metrics", __name__, description="Prometheus metrics for monitoring")


@blp.route("/metrics")
class Metrics(MethodView):
    @blp.response(
        200, {"type": "string"}, content_type="text/plain",
        description=(
            "Prometheus text format (OpenMetrics when asked for in Accept). Request counts and "
            "latency by route template and status (`stockflow_http_requests_total`, "
            "`stockflow_http_request_duration_seconds`), the database pool "
            "(`stockflow_db_pool_size`, `_checked_out`, `_overflow`), committed stock movements by "
            "type (`stockflow_stock_movements_total`), orders by event (`stockflow_orders_total`), events "
            "written by type (`stockflow_events_total`); from the database at scrape time, webhook "
            "deliveries and low-stock emails by status (`stockflow_webhook_deliveries`, "
            "`stockflow_notification_emails`) and the queue lag, the age of the oldest event not yet "
            "delivered (`stockflow_events_queue_lag_seconds`). Served when the database is down too: "
            "`stockflow_database_up` is 1 when those figures could be read within `DB_CONNECT_TIMEOUT`, "
            "0 when not, and they are then left out."
        ),
    )
    def get(self):
        """Metrics for Prometheus; no token, not rate-limited (restrict it at the proxy if needed)"""
        registry = REGISTRY
        if MULTIPROCESS:
            registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(registry)
            registry.register(OUTBOX)
        encode, content_type = choose_encoder(request.headers.get("Accept", ""))
        return Response(encode(registry), content_type=content_type)


def init_app(app: Flask) -> None:
    """Time and count every request of `app` and publish its pool (GET /metrics is `blp`)."""
    request_started.connect(_start_timer, app)
    request_finished.connect(_count_request, app)
    if MULTIPROCESS:
        with app.app_context():
            _publish_pool(db.engine)
