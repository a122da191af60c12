"""Ledger primitives: lock levels in one fixed order, change them, append the rows that say why.

Every function here works inside the caller's transaction and never commits.
"""

import datetime as dt
from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy.dialects import mysql, sqlite
from sqlalchemy.exc import IntegrityError

from app.errors import ValidationFailed
from app.extensions import db
from app.inventory.models import DailySale, InventoryLevel, StockMovement

LevelKey = tuple[int, int]  # (product_id, warehouse_id)
# Stock columns are 32-bit integers; refusing more here keeps a huge receive a 422, not a 500.
MAX_ON_HAND = 2_000_000_000


def lock_levels(company_id: int, keys: Iterable[LevelKey]) -> dict[LevelKey, InventoryLevel]:
    """Lock the existing levels for these keys with SELECT … FOR UPDATE in ascending id order — the one
    order every writer uses, so two writers never wait on each other in a circle."""
    levels = db.session.scalars(
        sa.select(InventoryLevel)
        .where(
            InventoryLevel.company_id == company_id,
            sa.tuple_(InventoryLevel.product_id, InventoryLevel.warehouse_id).in_(sorted(set(keys))),
        )
        .order_by(InventoryLevel.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return {(level.product_id, level.warehouse_id): level for level in levels}


def create_levels(company_id: int, keys: Iterable[LevelKey]) -> dict[LevelKey, InventoryLevel]:
    """Create these levels (the caller checked their warehouses are the company's) and lock them.

    New levels get higher ids than every existing one, so locking them after the existing ones
    keeps the ascending order.
    """
    for product_id, warehouse_id in sorted(set(keys)):
        try:
            # A concurrent request may create the same level first: its unique index refuses ours,
            # the savepoint undoes just that insert, and the lock below finds theirs.
            with db.session.begin_nested():
                db.session.add(InventoryLevel(company_id=company_id, product_id=product_id, warehouse_id=warehouse_id))
        except IntegrityError:
            pass
    return lock_levels(company_id, keys)


def append(level: InventoryLevel, type: str, change: int, **refs) -> StockMovement:
    """Change a locked level's on_hand and write the ledger row that records it."""
    if level.on_hand + change > MAX_ON_HAND:
        raise ValidationFailed(errors={"quantity": [f"on hand would exceed {MAX_ON_HAND:,} units"]})
    level.on_hand += change
    movement = StockMovement(
        company_id=level.company_id, product_id=level.product_id, warehouse_id=level.warehouse_id,
        type=type, quantity_change=change, on_hand_after=level.on_hand, **refs,
    )
    db.session.add(movement)
    return movement


def count_sale(company_id: int, product_id: int, warehouse_id: int, day: dt.date, units: int) -> None:
    """Add units to the daily_sales rollup, as one upsert in the sale's transaction."""
    values = {"company_id": company_id, "product_id": product_id, "warehouse_id": warehouse_id, "day": day, "units": units}
    table = DailySale.__table__
    if db.session.get_bind().dialect.name == "mysql":
        statement = mysql.insert(table).values(values)
        statement = statement.on_duplicate_key_update(units=table.c.units + statement.inserted.units)
    else:
        statement = sqlite.insert(table).values(values).on_conflict_do_update(
            index_elements=[table.c.company_id, table.c.product_id, table.c.warehouse_id, table.c.day],
            set_={"units": table.c.units + units},
        )
    db.session.execute(statement)
