"""Work that background workers claim: rows `pending` until done, due at `next_attempt_at`, held by
a worker until `claimed_until` (a dead worker's claim simply expires), retried on a schedule."""

import datetime as dt

import sqlalchemy as sa


def due_and_free(model, now: dt.datetime):
    """The condition for a row of `model` that a worker may take now: pending, due, held by no one."""
    return sa.and_(model.status == "pending", model.next_attempt_at <= now,
                   sa.or_(model.claimed_until.is_(None), model.claimed_until < now))


def schedule(setting: str) -> list[float]:
    """Seconds between attempts, from a setting such as "30,120,600"."""
    return [float(part) for part in setting.split(",") if part.strip()]
