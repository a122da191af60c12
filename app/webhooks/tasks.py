"""The worker's tasks, and enqueueing them (right after a use case commits its events)."""

import logging

from celery import shared_task

from app.common.transaction import UnitOfWork, after_commit
from app.webhooks import delivery

log = logging.getLogger(__name__)


@shared_task(name="webhooks.dispatch")
def dispatch(event_ids: list[int]) -> None:
    """Make the events' deliveries; attempt the first here (no round trip through the broker: most
    events have one subscriber), hand the others to other workers."""
    created, first = delivery.dispatch(event_ids, claim_first=True)
    for delivery_id in created:
        deliver.delay(delivery_id)
    if first is not None:
        _retry_later(first.delivery_id, delivery.perform(first))


@shared_task(name="webhooks.deliver")
def deliver(delivery_id: int) -> None:
    _retry_later(delivery_id, delivery.attempt(delivery_id))


def _retry_later(delivery_id: int, retry_in: float | None) -> None:
    if retry_in is not None:
        deliver.apply_async((delivery_id,), countdown=retry_in)


@shared_task(name="webhooks.sweep")
def sweep() -> None:
    events, deliveries = delivery.overdue()
    if events:
        dispatch.delay(events)
    for delivery_id in deliveries:
        deliver.delay(delivery_id)


@after_commit
def enqueue_events(unit: UnitOfWork) -> None:
    """Hand the committed events to the workers. If the broker cannot take them now, the change
    stands and the scheduler's sweep enqueues them later: the outbox is the truth."""
    event_ids = [event.id for event in unit.events]
    if event_ids:
        _enqueue(dispatch, event_ids)


def enqueue_delivery(delivery_id: int) -> None:
    """Queue one committed delivery; if the broker cannot take it now, the sweep will."""
    _enqueue(deliver, delivery_id)


def _enqueue(task, argument) -> None:
    try:
        task.delay(argument)
    except Exception:  # noqa: BLE001 (any broker failure: logged, swept later)
        log.warning("could not enqueue %s(%s); the sweep will", task.name, argument, exc_info=True)
