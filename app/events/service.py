"""Recording events in the unit of work, and listing them."""

import secrets

import sqlalchemy as sa

from app import metrics
from app.common.pagination import cursor_page
from app.common.transaction import current_unit
from app.events.models import Event
from app.extensions import db


def record(company_id: int, type: str, data: dict, level_id: int | None = None) -> Event:
    """Add an event to the current use case's transaction: it commits with the change, or not at all.
    `data` must be plain JSON values (a schema's dump); `level_id` the level a stock event is about."""
    unit = current_unit()
    if unit is None:
        raise RuntimeError("events are recorded inside a use case, in the change's transaction")
    event = Event(public_id=f"evt_{secrets.token_hex(12)}", company_id=company_id, type=type, data=data,
                  level_id=level_id)
    db.session.add(event)
    unit.events.append(event)
    metrics.count_on_commit(metrics.EVENTS, type)
    return event


def list_events(company_id: int, limit: int, cursor: int | None = None, type: str | None = None) -> dict:
    """The company's events newest first, by id, as the ledger pages."""
    statement = sa.select(Event).where(Event.company_id == company_id)
    if type is not None:
        statement = statement.where(Event.type == type)
    return cursor_page(statement, Event.id, limit, cursor)
