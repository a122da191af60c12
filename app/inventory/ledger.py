"""Ledger primitives: lock levels in one fixed order, create missing ones, append the rows that say why.

The levels' own rules (InventoryLevel.take, receive, …) change the stock; this module only locks
and creates levels and writes ledger rows. Every function works inside the caller's transaction
and never commits.
"""

from collections.abc import Iterable

import sqlalchemy as sa

from app.common.time import utcnow
from app.common.transaction import current_unit
from app.common.upsert import upsert
from app.extensions import db
from app.inventory.models import InventoryLevel, StockMovement

LevelKey = tuple[int, int]  # (product_id, warehouse_id)


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
    ).all()
    _watch(levels)
    return {(level.product_id, level.warehouse_id): level for level in levels}


def _watch(levels, *, created: bool = False) -> None:
    """Tell the use case the levels it holds, as they are now (or that it created them): the stock
    episodes are decided from their state before and after it."""
    unit = current_unit()
    if unit is not None:
        unit.watch_levels(levels, created=created)


def create_levels(company_id: int, keys: Iterable[LevelKey]) -> dict[LevelKey, InventoryLevel]:
    """Create these levels (the caller checked their warehouses are the company's) and lock them.

    One insert that skips levels a concurrent request created first. No savepoint: when MySQL
    picks this insert as a deadlock victim it rolls back the whole transaction (savepoints too),
    and the error must reach the retry as the deadlock it is. New levels get higher ids than every
    existing one, so locking them after the existing ones keeps the ascending order. The caller
    (movements.locked_levels) tells the alert read model.
    """
    keys = sorted(set(keys))
    rows = [
        {"company_id": company_id, "product_id": product_id, "warehouse_id": warehouse_id,
         "on_hand": 0, "reserved": 0, "updated_at": utcnow()}
        for product_id, warehouse_id in keys
    ]
    upsert(InventoryLevel.__table__, rows)
    levels = lock_levels(company_id, keys)
    _watch(levels.values(), created=True)
    return levels


def append(level: InventoryLevel, type: str, change: int, **refs) -> StockMovement:
    """Write the ledger row recording a change the level has just made (its on_hand is after it)."""
    movement = StockMovement(
        company_id=level.company_id, product_id=level.product_id, warehouse_id=level.warehouse_id,
        type=type, quantity_change=change, on_hand_after=level.on_hand, **refs,
    )
    db.session.add(movement)
    return movement
