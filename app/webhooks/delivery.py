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
import time

import requests
import sqlalchemy as sa
from flask import current_app

from app.common.time import utcnow
from app.common.transaction import use_case
from app.errors import ValidationFailed
from app.events.models import Event
from app.events.schemas import EventSchema
from app.extensions import db
from app.webhooks import secrets
from app.webhooks.models import WebhookDelivery, WebhookSubscription
from app.webhooks.urls import check_url

TIMEOUT_SECONDS = 5
RESPONSE_CAP = 1024  # bytes of a receiver's answer read, at most
# A subscription whose deliveries have all failed for this long is disabled.
FAILING_FOR = dt.timedelta(days=3)


def retry_schedule() -> list[float]:
    return [float(part) for part in current_app.config["WEBHOOK_RETRY_SCHEDULE"].split(",") if part.strip()]


def dispatch(event_ids: list[int]) -> list[int]:
    """Make the deliveries of these events, once each: one per active subscription of the event's
    company that takes its type. Returns the new deliveries' ids."""
    created = []
    for event_id in event_ids:
        with use_case():
            claimed = db.session.execute(
                sa.update(Event).where(Event.id == event_id, Event.dispatched_at.is_(None))
                .values(dispatched_at=utcnow()).execution_options(synchronize_session=False)).rowcount
            if not claimed:
                continue
            event = db.session.get(Event, event_id)
            deliveries = [
                WebhookDelivery(company_id=event.company_id, subscription_id=subscription.id, event_id=event.id,
                                status="pending", attempts=0, next_attempt_at=utcnow())
                for subscription in db.session.scalars(
                    sa.select(WebhookSubscription).where(WebhookSubscription.company_id == event.company_id,
                                                         WebhookSubscription.is_active.is_(True))
                    .order_by(WebhookSubscription.id))
                if "*" in subscription.events or event.type in subscription.events
            ]
            db.session.add_all(deliveries)
        created += [delivery.id for delivery in deliveries]
    return created


def attempt(delivery_id: int) -> float | None:
    """Post the delivery once, if it is due and no one else holds it; record the outcome. Returns the
    seconds until its next attempt when it failed and will be retried."""
    now = utcnow()
    with use_case():
        claimed = db.session.execute(
            sa.update(WebhookDelivery)
            .where(WebhookDelivery.id == delivery_id, WebhookDelivery.status == "pending",
                   WebhookDelivery.next_attempt_at <= now,
                   sa.or_(WebhookDelivery.claimed_until.is_(None), WebhookDelivery.claimed_until < now))
            .values(claimed_until=now + dt.timedelta(seconds=current_app.config["WEBHOOK_CLAIM_SECONDS"]))
            .execution_options(synchronize_session=False)).rowcount
    if not claimed:
        return None
    delivery = db.session.get(WebhookDelivery, delivery_id, populate_existing=True)
    subscription = db.session.get(WebhookSubscription, delivery.subscription_id)
    if not subscription.is_active:
        outcome = (None, "the subscription is inactive", 0)
    else:
        url, secret, event = subscription.url, secrets.unseal(subscription.secret_encrypted), delivery.event
        body = json.dumps(EventSchema().dump(event), separators=(",", ":")).encode()
        headers = {"Content-Type": "application/json", "User-Agent": "StockFlow-Webhooks/1",
                   "StockFlow-Event-Id": event.public_id, "StockFlow-Event-Type": event.type,
                   "StockFlow-Delivery-Id": str(delivery.id)}
        db.session.rollback()  # no transaction stays open while the receiver takes its time
        outcome = _post(url, secret, body, headers)
    return _record(delivery_id, *outcome)


def _post(url: str, secret: str, body: bytes, headers: dict) -> tuple[int | None, str | None, int]:
    """(status code or None, error or None, milliseconds) of one signed POST of `body` to `url`."""
    started = time.monotonic()
    try:
        check_url(url)  # again: DNS may have changed since the subscription was made
    except ValidationFailed as refused:
        return None, f"url refused: {refused.errors['url'][0]}", 0
    timestamp = int(time.time())
    headers = {**headers, "StockFlow-Timestamp": str(timestamp),
               "StockFlow-Signature": secrets.signature(secret, timestamp, body)}
    try:
        with requests.post(url, data=body, headers=headers, timeout=TIMEOUT_SECONDS, allow_redirects=False,
                           stream=True) as response:
            response.raw.read(RESPONSE_CAP, decode_content=False)
            code = response.status_code
    except requests.RequestException as failure:
        return None, f"{type(failure).__name__}: {failure}"[:500], _ms(started)
    return code, None if 200 <= code < 300 else f"answered {code}", _ms(started)


def _ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)


def _record(delivery_id: int, status_code: int | None, error: str | None, duration_ms: int) -> float | None:
    schedule, now = retry_schedule(), utcnow()
    retry_in = None
    with use_case():
        delivery = db.session.get(WebhookDelivery, delivery_id, with_for_update=True, populate_existing=True)
        delivery.attempts += 1
        delivery.last_status_code, delivery.last_error, delivery.last_attempt_at = status_code, error, now
        delivery.duration_ms, delivery.claimed_until = duration_ms, None
        if error is None:
            delivery.status, delivery.next_attempt_at = "succeeded", None
        elif delivery.attempts > len(schedule):
            delivery.status, delivery.next_attempt_at = "failed", None
            _disable_if_failing(delivery.subscription_id, now)
        else:
            retry_in = schedule[delivery.attempts - 1] * random.uniform(0.8, 1.2)
            delivery.next_attempt_at = now + dt.timedelta(seconds=retry_in)
    return retry_in


def _disable_if_failing(subscription_id: int, now: dt.datetime) -> None:
    """Disable a subscription that has had deliveries for FAILING_FOR and none succeeded in that time."""
    recent = now - FAILING_FOR
    d = WebhookDelivery
    of_it = d.subscription_id == subscription_id
    old_enough = db.session.scalar(sa.select(d.id).where(of_it, d.created_at <= recent).limit(1))
    succeeded = db.session.scalar(sa.select(d.id).where(of_it, d.status == "succeeded", d.last_attempt_at > recent).limit(1))
    if old_enough and not succeeded:
        db.session.execute(sa.update(WebhookSubscription).where(WebhookSubscription.id == subscription_id).values(
            is_active=False, disabled_reason=f"every delivery failed for {FAILING_FOR.days} days"))


def overdue(limit: int = 500) -> tuple[list[int], list[int]]:
    """What the sweep enqueues: events committed a few seconds ago or more and never dispatched, and
    pending deliveries that are due and held by no live worker."""
    now = utcnow()
    events = db.session.scalars(
        sa.select(Event.id).where(Event.dispatched_at.is_(None), Event.created_at <= now - dt.timedelta(seconds=5))
        .order_by(Event.dispatched_at, Event.id).limit(limit)).all()
    d = WebhookDelivery
    deliveries = db.session.scalars(
        sa.select(d.id).where(d.status == "pending", d.next_attempt_at <= now,
                              sa.or_(d.claimed_until.is_(None), d.claimed_until < now))
        .order_by(d.status, d.next_attempt_at).limit(limit)).all()
    db.session.rollback()
    return events, deliveries
