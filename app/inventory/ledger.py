"""Ledger primitives: lock levels in one fixed order, create missing ones, append the rows that say why.

The levels' own rules (InventoryLevel.take, receive, …) change the stock; this module only locks
and creates levels and writes ledger rows. Every function works inside the caller's transaction
and never commits.
"""

from collections.abc import Iterable

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.common.chunks import CHUNK, chunks
from app.common.time import utcnow
from app.common.transaction import current_unit
from app.common.upsert import upsert
from app.extensions import db
from app.inventory.models import InventoryLevel, StockMovement

LevelKey = tuple[int, int]  # (product_id, warehouse_id)


# Keys per statement past which locking goes by id, a chunk of ids at a time (app/common/chunks.py).
LOCK_CHUNK = CHUNK


def lock_levels(company_id: int, keys: Iterable[LevelKey]) -> dict[LevelKey, InventoryLevel]:
    """Lock the existing levels for these keys with SELECT … FOR UPDATE in ascending id order — the one
    order every writer uses, so two writers never wait on each other in a circle. Many keys (a
    stock-take import) are first resolved to ids, then locked a chunk of ids at a time, in that order."""
    keys = sorted(set(keys))
    owned = InventoryLevel.company_id == company_id
    if len(keys) <= LOCK_CHUNK:
        levels = _locked(sa.and_(owned, sa.tuple_(InventoryLevel.product_id, InventoryLevel.warehouse_id).in_(keys)))
    else:
        wanted = set(keys)
        ids = sorted(
            level_id
            for chunk in chunks(sorted({product_id for product_id, _ in keys}), LOCK_CHUNK)
            for level_id, product_id, warehouse_id in db.session.execute(
                sa.select(InventoryLevel.id, InventoryLevel.product_id, InventoryLevel.warehouse_id)
                .where(owned, InventoryLevel.product_id.in_(chunk)))
            if (product_id, warehouse_id) in wanted
        )
        levels = [level for chunk in chunks(ids, LOCK_CHUNK) for level in _locked(InventoryLevel.id.in_(chunk))]
    _watch(levels)
    return {(level.product_id, level.warehouse_id): level for level in levels}


def _locked(where) -> list[InventoryLevel]:
    return db.session.scalars(
        sa.select(InventoryLevel).where(where).order_by(InventoryLevel.id).with_for_update()
        .execution_options(populate_existing=True)
    ).all()


def _watch(levels, *, created: bool = False) -> None:
    """Tell the use case the levels it holds, as they are now (or that it created them): the stock
    episodes are decided from their state before and after it."""
    unit = current_unit()
    if unit is not None:
        unit.watch_levels(levels, created=created)


def create_levels(company_id: int, keys: Iterable[LevelKey]) -> dict[LevelKey, InventoryLevel]:
    """Create these levels (the caller checked their warehouses are the company's) and lock them.

    One insert (a thousand levels each) that skips levels a concurrent request created first. No savepoint: when MySQL
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
    for chunk in chunks(rows, LOCK_CHUNK):
        upsert(InventoryLevel.__table__, chunk)
    levels = lock_levels(company_id, keys)
    _watch(levels.values(), created=True)
    return levels


# What a movement changes on its level.
STOCK_COLUMNS = frozenset({"on_hand", "reserved", "units_sold", "last_sold_on"})


def write_levels(levels: Iterable[InventoryLevel]) -> None:
    """Write what changed on many locked levels with one UPDATE per 500 (`SET on_hand = CASE id WHEN …`)
    rather than one per level, as the session's flush would; the levels are then up to date with the
    database. A batch of 40,000 counts saves 40,000 round trips this way."""
    now = utcnow()
    # An attribute changed since it was loaded or written keeps its old value in committed_state.
    changed = [(level, STOCK_COLUMNS & sa.inspect(level).committed_state.keys()) for level in levels]
    changed = [(level, columns) for level, columns in changed if columns]
    for start in range(0, len(changed), 500):
        chunk = changed[start:start + 500]
        columns = sorted(set().union(*(columns for _, columns in chunk)))
        values = {column: sa.case({level.id: getattr(level, column) for level, _ in chunk}, value=InventoryLevel.id)
                  for column in columns}
        db.session.execute(
            sa.update(InventoryLevel).where(InventoryLevel.id.in_([level.id for level, _ in chunk]))
            .values(**values, updated_at=now).execution_options(synchronize_session=False)
        )
        for level, _ in chunk:
            for column in columns:
                so.attributes.set_committed_value(level, column, getattr(level, column))
            so.attributes.set_committed_value(level, "updated_at", now)


def append(level: InventoryLevel, type: str, change: int, **refs) -> StockMovement:
    """Write the ledger row recording a change the level has just made (its on_hand is after it)."""
    movement = StockMovement(
        company_id=level.company_id, product_id=level.product_id, warehouse_id=level.warehouse_id,
        type=type, quantity_change=change, on_hand_after=level.on_hand, **refs,
    )
    db.session.add(movement)
    return movement
