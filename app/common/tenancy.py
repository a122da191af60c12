"""Tenant scoping: every query for tenant-owned rows goes through these."""

import re

import sqlalchemy as sa

from app.errors import NotFound
from app.extensions import db


def scoped(model, company_id: int) -> sa.Select:
    """A select of the model's rows that belong to one company; a soft-deleted row belongs to none."""
    statement = sa.select(model).where(model.company_id == company_id)
    if hasattr(model, "deleted_at"):
        statement = statement.where(model.deleted_at.is_(None))
    return statement


def get_owned(model, company_id: int, object_id: int, *, for_update: bool = False):
    """The company's object with this id; another company's object is as absent as a missing one.

    `for_update`: locked, and read once the lock is granted (its attributes refreshed even if the
    session holds it already). An edit must read its row that way: the ORM writes only the
    attributes that differ from what it read, so a value read before a concurrent writer committed
    would be taken as unchanged and silently dropped, and the answer would show the stale row."""
    statement = scoped(model, company_id).where(model.id == object_id)
    if for_update:
        statement = statement.with_for_update().execution_options(populate_existing=True)
    found = db.session.scalar(statement)
    if found is None:
        raise NotFound(f"{_spelled(model)} {object_id} does not exist")
    return found


def _spelled(model) -> str:
    """A model's name as a client reads it: PurchaseOrder → "Purchase order"."""
    return re.sub(r"(?<=[a-z])(?=[A-Z])", " ", model.__name__).capitalize()
