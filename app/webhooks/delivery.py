"""Turning events into deliveries, and attempting them: what the worker's tasks do.

The events table is the outbox. A use case's events are enqueued right after it commits
(`dispatch`); the scheduler's sweep enqueues whatever was committed but never dispatched, and every
pending delivery that is due and not held by a live worker. Dispatching claims the event with a
conditional UPDATE, so it happens once; each attempt claims its delivery the same way, for
WEBHOOK_CLAIM_SECONDS, so two workers never post it at once, and a worker that dies holding it
leaves it to the next sweep. Delivery is at least once: receivers deduplicate by event id.
"""

import datetime as dt
import json
import random
import threading
import time
import urllib.parse
from dataclasses import dataclass

import certifi
import sqlalchemy as sa
import urllib3
from flask import current_app

from app.common import claims
from app.common.time import utcnow
from app.common.transaction import use_case
from app.errors import ValidationFailed
from app.events.domain import PING
from app.events.models import Event
from app.events.schemas import EventSchema
from app.extensions import db
from app.webhooks import secrets
from app.webhooks.models import WebhookDelivery, WebhookSubscription
from app.webhooks.urls import check_url, port_of

TIMEOUT_SECONDS = 5
RESPONSE_CAP = 1024  # bytes of a receiver's answer read, at most
EVENT_SCHEMA = EventSchema()  # dumping keeps no state: one for every thread
# A subscription whose deliveries have all failed for this long is disabled.
FAILING_FOR = dt.timedelta(days=3)


def retry_schedule() -> list[float]:
    return claims.schedule(current_app.config["WEBHOOK_RETRY_SCHEDULE"])


@dataclass
class Attempt:
    """A claimed delivery, with all that posting it needs: no transaction is open while it is posted."""

    delivery_id: int
    attempts: int  # before this one
    subscription_id: int
    url: str | None  # None: the subscription is no longer active
    sealed_secret: str
    event: dict  # as it is posted (EventSchema)


def dispatch(event_ids: list[int], claim_first: bool = False) -> tuple[list[int], Attempt | None]:
    """Make the deliveries of these events, once each: one per active subscription of the event's
    company that takes its type. Returns the new deliveries' ids and, with `claim_first`, the first
    one already claimed (in the same transaction) for the caller to attempt at once.

    The busiest path of the worker: plain statements, the event and its company's subscriptions
    read in one query."""
    created, first = [], None
    e, s = Event, WebhookSubscription
    for event_id in event_ids:
        with use_case():
            now = utcnow()
            claimed = db.session.execute(
                sa.update(e).where(e.id == event_id, e.dispatched_at.is_(None))
                .values(dispatched_at=now).execution_options(synchronize_session=False)).rowcount
            if not claimed:
                continue
            claim = claim_first and first is None  # the caller attempts this event's first delivery
            rows = db.session.execute(
                sa.select(e.id, e.public_id, e.type, e.created_at, e.company_id, e.data,
                          s.id.label("subscription_id"), s.url, s.events, s.secret_encrypted)
                .outerjoin(s, sa.and_(s.company_id == e.company_id, s.is_active.is_(True)))
                .where(e.id == event_id).order_by(s.id)).all()
            event = rows[0]
            targets = [row for row in rows if row.subscription_id is not None
                       and ("*" in row.events or event.type in row.events)]
            ids = [db.session.execute(sa.insert(WebhookDelivery).values(
                company_id=event.company_id, subscription_id=target.subscription_id, event_id=event.id,
                status="pending", attempts=0, next_attempt_at=now, created_at=now,
                claimed_until=_claim_end(now) if claim and index == 0 else None,
            )).inserted_primary_key[0] for index, target in enumerate(targets)]
        if claim and ids:
            target = targets[0]
            first = Attempt(ids[0], 0, target.subscription_id, target.url, target.secret_encrypted,
                            EVENT_SCHEMA.dump(event))
            ids = ids[1:]
        created += ids
    return created, first


def _claim_end(now: dt.datetime) -> dt.datetime:
    return now + dt.timedelta(seconds=current_app.config["WEBHOOK_CLAIM_SECONDS"])


def claim(delivery_id: int) -> Attempt | None:
    """Claim the delivery if it is due and no one else holds it."""
    now = utcnow()
    with use_case():
        claimed = db.session.execute(
            sa.update(WebhookDelivery)
            .where(WebhookDelivery.id == delivery_id, claims.due_and_free(WebhookDelivery, now))
            .values(claimed_until=_claim_end(now))
            .execution_options(synchronize_session=False)).rowcount
    if not claimed:
        return None
    delivery = db.session.get(WebhookDelivery, delivery_id, populate_existing=True)
    subscription = db.session.get(WebhookSubscription, delivery.subscription_id)
    # An inactive subscription receives nothing (its pending deliveries keep their schedule unposted,
    # and end failed if it is still off after the last retry) but the ping its test asked for: a
    # receiver being fixed is tested before it is switched back on.
    active = subscription.is_active or delivery.event.type == PING
    found = Attempt(delivery_id, delivery.attempts, subscription.id, subscription.url if active else None,
                    subscription.secret_encrypted, EVENT_SCHEMA.dump(delivery.event))
    db.session.rollback()  # no transaction stays open while the receiver takes its time
    return found


def attempt(delivery_id: int) -> float | None:
    """Post the delivery once, if it is due and no one else holds it; record the outcome. Returns the
    seconds until its next attempt when it failed and will be retried."""
    claimed = claim(delivery_id)
    return perform(claimed) if claimed is not None else None


def perform(claimed: Attempt) -> float | None:
    """Post a claimed delivery once and record the outcome; the seconds until the next attempt, if any."""
    if claimed.url is None:
        return _record(claimed, None, "the subscription is inactive", 0)
    event = claimed.event
    body = json.dumps(event, separators=(",", ":")).encode()
    headers = {"Content-Type": "application/json", "User-Agent": "StockFlow-Webhooks/1",
               "StockFlow-Event-Id": event["id"], "StockFlow-Event-Type": event["type"],
               "StockFlow-Delivery-Id": str(claimed.delivery_id)}
    return _record(claimed, *_post(claimed.url, secrets.unseal(claimed.sealed_secret), body, headers))


_local = threading.local()
POOLS_PER_THREAD = 32


def _pool(scheme: str, host: str, port: int, address: str) -> urllib3.HTTPConnectionPool:
    """A connection pool to `address` for `host`, per worker thread: connections to a receiver are
    kept alive between posts. HTTPS checks the certificate against `host` and sends it as SNI."""
    pools = _local.__dict__.setdefault("pools", {})
    key = (scheme, host, port, address)
    if key not in pools:
        if len(pools) >= POOLS_PER_THREAD:
            pools.pop(next(iter(pools))).close()
        if scheme == "https":
            pools[key] = urllib3.HTTPSConnectionPool(address, port, maxsize=1, server_hostname=host, assert_hostname=host,
                                                     cert_reqs="CERT_REQUIRED", ca_certs=certifi.where())
        else:
            pools[key] = urllib3.HTTPConnectionPool(address, port, maxsize=1)
    return pools[key]


def _post(url: str, secret: str, body: bytes, headers: dict) -> tuple[int | None, str | None, int]:
    """(status code or None, error or None, milliseconds) of one signed POST of `body` to `url`.

    The URL is checked again first (DNS may have changed since the subscription was made), and the
    post goes to an address that check vetted, never to a fresh resolution."""
    started = time.monotonic()
    try:
        address = check_url(url)[0]
    except ValidationFailed as refused:
        return None, f"url refused: {refused.errors['url'][0]}", 0
    parts = urllib.parse.urlsplit(url)
    host = parts.hostname
    port = port_of(parts)
    shown = f"[{host}]" if ":" in host else host
    timestamp = int(time.time())
    headers = {**headers, "Host": shown if parts.port is None else f"{shown}:{parts.port}",
               "StockFlow-Timestamp": str(timestamp), "StockFlow-Signature": secrets.signature(secret, timestamp, body)}
    target = urllib.parse.urlunsplit(("", "", parts.path or "/", parts.query, ""))
    try:
        response = _pool(parts.scheme, host, port, address).urlopen(
            "POST", target, body=body, headers=headers, redirect=False, retries=False, assert_same_host=False,
            timeout=urllib3.Timeout(total=TIMEOUT_SECONDS), preload_content=False)
        try:
            response.read(RESPONSE_CAP, decode_content=False)
        finally:
            # A connection is kept for the next post only once its answer was read to the end.
            if response.length_remaining == 0:
                response.release_conn()
            else:
                response.close()
    except (urllib3.exceptions.HTTPError, OSError) as failure:
        return None, f"{type(failure).__name__}: {failure}"[:500], _ms(started)
    code = response.status
    return code, None if 200 <= code < 300 else f"answered {code}", _ms(started)


def _ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)


def _record(claimed: Attempt, status_code: int | None, error: str | None, duration_ms: int) -> float | None:
    """Write the attempt's outcome; the claim held it, so nobody else changed it meanwhile."""
    schedule, now = retry_schedule(), utcnow()
    attempts, retry_in = claimed.attempts + 1, None
    outcome = {"attempts": attempts, "last_status_code": status_code, "last_error": error, "last_attempt_at": now,
               "duration_ms": duration_ms, "claimed_until": None, "next_attempt_at": None}
    if error is None:
        outcome["status"] = "succeeded"
    elif attempts > len(schedule):
        outcome["status"] = "failed"
    else:
        # Due after the schedule's delay with jitter, on the whole second after it (timestamps are
        # whole seconds, and `claim` compares with a clock that is): the task retried `retry_in`
        # seconds from now finds it due.
        precise = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
        due = precise + dt.timedelta(seconds=schedule[attempts - 1] * random.uniform(0.8, 1.2))
        outcome["next_attempt_at"] = due.replace(microsecond=0) + dt.timedelta(seconds=1 if due.microsecond else 0)
        retry_in = (outcome["next_attempt_at"] - precise).total_seconds()
    with use_case():
        db.session.execute(sa.update(WebhookDelivery).where(WebhookDelivery.id == claimed.delivery_id)
                           .values(**outcome).execution_options(synchronize_session=False))
        if outcome.get("status") == "failed":
            _disable_if_failing(claimed.subscription_id, now)
    return retry_in


def _disable_if_failing(subscription_id: int, now: dt.datetime) -> None:
    """Disable a subscription whose deliveries have all failed for FAILING_FOR: one of them failed
    that long ago or more, and none has succeeded since. The count starts again at the subscription's
    last change (re-enabled, new URL or secret) and at its last success."""
    d, subscription = WebhookDelivery, db.session.get(WebhookSubscription, subscription_id)
    if subscription is None or not subscription.is_active:
        return
    since = max(filter(None, (subscription.updated_at, db.session.scalar(
        sa.select(sa.func.max(d.last_attempt_at)).where(d.subscription_id == subscription_id, d.status == "succeeded")))))
    failing_since = db.session.scalar(sa.select(sa.func.min(d.created_at)).where(
        d.subscription_id == subscription_id, d.status != "succeeded", d.attempts > 0, d.created_at >= since))
    if failing_since is not None and failing_since <= now - FAILING_FOR:
        subscription.is_active = False
        subscription.disabled_reason = f"every delivery failed for {FAILING_FOR.days} days"


def overdue(limit: int = 500) -> tuple[list[int], list[int]]:
    """What the sweep enqueues: events committed a few seconds ago or more and never dispatched, and
    pending deliveries that are due and held by no live worker."""
    now = utcnow()
    events = db.session.scalars(
        sa.select(Event.id).where(Event.dispatched_at.is_(None), Event.created_at <= now - dt.timedelta(seconds=5))
        .order_by(Event.dispatched_at, Event.id).limit(limit)).all()
    d = WebhookDelivery
    deliveries = db.session.scalars(
        sa.select(d.id).where(claims.due_and_free(d, now))
        .order_by(d.status, d.next_attempt_at).limit(limit)).all()
    db.session.rollback()
    return events, deliveries


def backlog() -> tuple[dict[str, int], dt.datetime | None]:
    """For monitoring: deliveries by status, and when the oldest event still to be delivered was
    written (never dispatched, or with a delivery pending), None when there is none."""
    d = WebhookDelivery
    by_status = dict(db.session.execute(sa.select(d.status, sa.func.count()).group_by(d.status)).all())
    oldest = min(filter(None, (
        db.session.scalar(sa.select(sa.func.min(Event.created_at)).where(Event.dispatched_at.is_(None))),
        db.session.scalar(sa.select(sa.func.min(Event.created_at)).join(d, d.event_id == Event.id)
                          .where(d.status == "pending")),
    )), default=None)
    return by_status, oldest
