"""Ledger primitives: lock levels in one fixed order, change them, append the rows that say why.

Every function here works inside the caller's transaction and never commits.
"""

import datetime as dt
from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy.dialects import mysql, sqlite

from app.common.time import utcnow
from app.errors import ValidationFailed
from app.extensions import db
from app.inventory.models import DailySale, InventoryLevel, StockMovement
from app.inventory.service import refresh_alert_thresholds

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

    One insert that skips levels a concurrent request created first. No savepoint: when MySQL
    picks this insert as a deadlock victim it rolls back the whole transaction (savepoints too),
    and the error must reach the retry as the deadlock it is. New levels get higher ids than every
    existing one, so locking them after the existing ones keeps the ascending order.
    """
    keys = sorted(set(keys))
    rows = [
        {"company_id": company_id, "product_id": product_id, "warehouse_id": warehouse_id,
         "on_hand": 0, "reserved": 0, "updated_at": utcnow()}
        for product_id, warehouse_id in keys
    ]
    _upsert(InventoryLevel.__table__, rows, keep_existing=True)
    refresh_alert_thresholds(company_id, sa.tuple_(InventoryLevel.product_id, InventoryLevel.warehouse_id).in_(keys))
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


def count_sale(level: InventoryLevel, day: dt.date, units: int) -> None:
    """Count units sold from a locked level on a day: in the level's totals and in the daily_sales
    rollup, whose rows also carry the level's running total (units sold up to and including their day).

    A sale dated on or after the level's latest sale, as nearly every sale is, lands on the level's
    last rollup row: one upsert. One dated earlier (a back-dated sale) also adds its units to the
    running total of every later row of the level.
    """
    rollup, of_level = DailySale.__table__, DailySale.of_level(level)
    if level.last_sold_on is None or day >= level.last_sold_on:
        to_date = level.units_sold + units
    else:
        to_date = units + (db.session.scalar(
            sa.select(rollup.c.units_to_date).where(of_level, rollup.c.day < day).order_by(rollup.c.day.desc()).limit(1)
        ) or 0)
        db.session.execute(
            sa.update(rollup).where(of_level, rollup.c.day > day).values(units_to_date=rollup.c.units_to_date + units)
        )
    values = {"company_id": level.company_id, "product_id": level.product_id, "warehouse_id": level.warehouse_id,
              "day": day, "units": units, "units_to_date": to_date}
    # On the day's existing row: both its units and its running total grow by the units sold.
    _upsert(rollup, [values], add={"units": "units", "units_to_date": "units"})
    level.units_sold += units
    level.last_sold_on = max(day, level.last_sold_on or day)


def recount_sales(level_ids: list[int]) -> None:
    """Recompute what count_sale keeps, from the rollup's daily units, for these levels (the caller
    has locked them): each rollup row's running total, each level's units sold and latest sale day."""
    rollup, level = DailySale.__table__, InventoryLevel.__table__
    of_level = DailySale.of_level(level.c)
    running = (
        sa.select(rollup.c.company_id, rollup.c.product_id, rollup.c.warehouse_id, rollup.c.day,
                  sa.func.sum(rollup.c.units).over(
                      partition_by=(rollup.c.company_id, rollup.c.product_id, rollup.c.warehouse_id),
                      order_by=rollup.c.day).label("to_date"))
        .join(level, of_level)
        .where(level.c.id.in_(level_ids))
        .subquery()
    )
    db.session.execute(
        sa.update(rollup)
        .where(*(rollup.c[key] == running.c[key] for key in ("company_id", "product_id", "warehouse_id", "day")))
        .values(units_to_date=running.c.to_date)
    )
    sold = sa.select(rollup.c.units).where(of_level)
    db.session.execute(
        sa.update(level).where(level.c.id.in_(level_ids)).values(
            units_sold=sa.func.coalesce(sold.with_only_columns(sa.func.sum(rollup.c.units)).scalar_subquery(), 0),
            last_sold_on=sold.with_only_columns(sa.func.max(rollup.c.day)).scalar_subquery(),
        )
    )


def _upsert(table: sa.Table, rows: list[dict], *, keep_existing: bool = False, add: dict[str, str] | None = None) -> None:
    """INSERT rows; on a duplicate key either keep the existing row or, for each `column: value_of` in
    `add`, add the new row's `value_of` to the existing row's `column`."""
    if db.session.get_bind().dialect.name == "mysql":
        statement = mysql.insert(table).values(rows)
        change = {column: table.c[column] + statement.inserted[value_of] for column, value_of in add.items()} if add \
            else {"id": table.c.id}
        statement = statement.on_duplicate_key_update(change)
    else:
        statement = sqlite.insert(table).values(rows)
        if keep_existing:
            statement = statement.on_conflict_do_nothing()
        else:
            statement = statement.on_conflict_do_update(
                index_elements=list(table.primary_key.columns),
                set_={column: table.c[column] + statement.excluded[value_of] for column, value_of in add.items()},
            )
    db.session.execute(statement)
