"""The alert read model: derived values stored so that the low-stock alerts read one index, and
the one place that keeps them true.

Stored (see the README, "How it stays fast", for why):
- `inventory_levels.alert_threshold`: the level's effective threshold (its override, else its
  product's, its type's, the company default), NULL while its product is archived or a bundle, or
  its warehouse inactive;
- `inventory_levels.units_sold` and `last_sold_on`: every unit the level sold, its latest sale day;
- `daily_sales` (units per level and day) and each row's `units_to_date`, the level's running total;
- the generated columns `available_stock` and `is_low` (available ≤ alert_threshold) and the
  index `ix_inventory_levels_low` over them, which the database computes (inventory/models.py).

Every change to what these derive from calls one entry point here, in the change's transaction.
For a new level (levels_created) and a sale, the values are set on the session's level object and
written with the level's stock (ledger.write_levels, or the session's flush).
The entry points own the locking order: the affected levels first, in ascending id order, as every
stock movement locks them before anything its ledger rows refer to.
"""

import contextlib
import datetime as dt
from collections.abc import Iterable

import sqlalchemy as sa

from app.common.chunks import chunks
from app.common.transaction import current_unit
from app.common.upsert import upsert
from app.companies.models import Company
from app.extensions import db
from app.inventory.models import DailySale, InventoryLevel
from app.products.models import Product, ProductType
from app.warehouses.models import Warehouse


def effective_threshold():
    """The effective threshold: level override → product → product type → company default (the
    query joins companies)."""
    return sa.func.coalesce(InventoryLevel.low_stock_threshold, *_PRODUCT_THRESHOLDS)


_PRODUCT_THRESHOLDS = (Product.low_stock_threshold, ProductType.low_stock_threshold, Company.default_low_stock_threshold)


def level_threshold():
    """effective_threshold in a query of levels alone: the level's override, else its product's
    threshold read by a scalar subquery of the product, its type and its company."""
    product = (sa.select(sa.func.coalesce(*_PRODUCT_THRESHOLDS)).select_from(Product)
               .outerjoin(ProductType, ProductType.id == Product.product_type_id)
               .join(Company, Company.id == Product.company_id)
               .where(Product.id == InventoryLevel.product_id).scalar_subquery())
    return sa.func.coalesce(InventoryLevel.low_stock_threshold, product)


# What alert thresholds derive from, changed: each is `with …:` around the change (which the block
# writes and flushes). With `when` false, they do nothing.


def level_override_changed(company_id: int, level_id: int, *, when: bool = True):
    return _changing(company_id, InventoryLevel.id == level_id, when=when)


def product_changed(company_id: int, product_id: int, *, when: bool = True):
    """The product's threshold, type or archiving."""
    return _changing(company_id, InventoryLevel.product_id == product_id, when=when)


def type_threshold_changed(company_id: int, type_id: int, *, when: bool = True):
    of_type = sa.select(Product.id).where(Product.company_id == company_id, Product.product_type_id == type_id)
    return _changing(company_id, InventoryLevel.product_id.in_(of_type), when=when)


def warehouse_activity_changed(company_id: int, warehouse_id: int, *, when: bool = True):
    return _changing(company_id, InventoryLevel.warehouse_id == warehouse_id, when=when)


def company_thresholds_changed(company_id: int, *, when: bool = True):
    """Any of the company's levels: its default threshold, or a catalogue import's thresholds and types."""
    return _changing(company_id, when=when)


def creating_levels(company_id: int, keys: Iterable[tuple[int, int]]) -> None:
    """Before levels of these (product, warehouse) keys are inserted: take _lock_sources' share locks
    on what their alert thresholds derive from (the company, their warehouses, products and types),
    which levels_created then reads. Taken before the insert, so that a change of those rows
    (_changing) either committed before, or waits for this transaction without a level of it in
    flight that the change's refresh would wait for in turn."""
    for chunk in chunks(sorted(set(keys))):
        _lock_sources_of(company_id, sorted({warehouse_id for _, warehouse_id in chunk}),
                         sorted({product_id for product_id, _ in chunk}))


def levels_created(company_id: int, levels: Iterable[InventoryLevel]) -> None:
    """New levels (the session's objects), created and locked by the caller after creating_levels:
    give them their alert threshold, which the caller writes with their stock (ledger.write_levels,
    or the session's flush), and, for its answer, their `sku` and effective `threshold`, as
    inventory.service.describe would. Read by id, so that the statements reach these levels through
    the primary key and touch no level another transaction holds; a thousand at a time."""
    by_id = {level.id: level for level in levels}
    sku = sa.select(Product.sku).where(Product.id == InventoryLevel.product_id).scalar_subquery()
    with db.session.no_autoflush:  # what is set here is written with the levels' stock
        for chunk in chunks(sorted(by_id)):
            found = db.session.execute(sa.select(InventoryLevel.id, sku, level_threshold(), _level_alert_threshold())
                                       .where(InventoryLevel.company_id == company_id, InventoryLevel.id.in_(chunk)))
            for level_id, level_sku, threshold, alert_threshold in found:
                level = by_id[level_id]
                level.sku, level.threshold, level.alert_threshold = level_sku, threshold, alert_threshold


def recount_thresholds(company_id: int) -> None:
    """Recompute every level's alert threshold in the company (after bulk loads and rolling upgrades)."""
    _refresh(company_id)


@contextlib.contextmanager
def _changing(company_id: int, *where, when: bool = True):
    """Lock the company's levels matching `where`, let the block change what their thresholds derive
    from, then refresh them.

    Taking the levels before changing the rows they derive from keeps one lock order with stock
    movements, so a change never deadlocks with a sale; two changes whose levels overlap run one
    after the other. Levels created while the block runs are locked before the refresh.
    """
    if when:
        held = _lock_matching(company_id, where, set())
    yield
    if when:
        # Levels created meanwhile: committed now, as their creators took share locks on what the
        # block changed (creating_levels) before inserting them, so the block's own locks waited.
        _lock_matching(company_id, where, held)
        _refresh(company_id, *where)


def _lock_matching(company_id: int, where, held: set[int]) -> set[int]:
    """Lock the company's levels matching `where` that are not `held` yet, and tell the use case
    their state (a threshold that moves a level across counts as a stock episode, as a sale would);
    the ids held afterwards. Found first by a read that locks nothing, then locked by primary key
    in ascending id order, as ledger.lock_levels does: a locking read through another index would
    lock in that index's order and could deadlock with a movement holding some of them."""
    ids = [level_id for level_id in db.session.scalars(
        sa.select(InventoryLevel.id).where(InventoryLevel.company_id == company_id, *where).order_by(InventoryLevel.id))
        if level_id not in held]
    locked = [
        row for chunk in chunks(ids) for row in db.session.execute(
            sa.select(InventoryLevel.id, InventoryLevel.on_hand, InventoryLevel.reserved, InventoryLevel.alert_threshold)
            .where(InventoryLevel.id.in_(chunk)).order_by(InventoryLevel.id).with_for_update())
    ]
    unit = current_unit()
    if unit is not None:
        unit.watch_levels(locked, orm=False)
    return held | set(ids)


def _refresh(company_id: int, *where) -> None:
    """Recompute `alert_threshold` of the company's levels that match `where`, in the caller's
    transaction, under _lock_sources' share locks."""
    _lock_sources(company_id, *where)
    threshold = _level_alert_threshold()
    # Only the levels whose alert threshold moves: the others keep their updated_at.
    db.session.execute(
        sa.update(InventoryLevel)
        .where(InventoryLevel.company_id == company_id, *where, InventoryLevel.alert_threshold.is_distinct_from(threshold))
        .values(alert_threshold=threshold).execution_options(synchronize_session=False)
    )


def _lock_sources(company_id: int, *where) -> None:
    """Take shared locks on all that the alert thresholds of the company's levels matching `where`
    derive from: the company, the levels' warehouses, products and types.

    So a concurrent change to any of it either committed before, and a later statement (a fresh
    snapshot under READ COMMITTED) reads it, or waits until this transaction commits and then
    refreshes these levels itself; a level still being created, which that change cannot see, is
    covered too. Each locking read names a column of every table it joins: MariaDB drops an outer
    join whose columns go unused, and then locks nothing there.
    """
    scope = [InventoryLevel.company_id == company_id, *where]
    _lock_sources_of(company_id, sa.select(InventoryLevel.warehouse_id).where(*scope),
                     sa.select(InventoryLevel.product_id).where(*scope))


def _lock_sources_of(company_id: int, warehouse_ids, product_ids) -> None:
    """_lock_sources for these warehouses and products: ids, or a query of them."""
    for locking in (
        sa.select(Company.default_low_stock_threshold).where(Company.id == company_id),
        sa.select(Warehouse.is_active).where(Warehouse.id.in_(warehouse_ids)),
        sa.select(Product.low_stock_threshold, ProductType.low_stock_threshold)
        .outerjoin(ProductType, ProductType.id == Product.product_type_id)
        .where(Product.id.in_(product_ids)),
    ):
        db.session.execute(locking.with_for_update(read=True)).all()


def _level_alert_threshold():
    """The alert threshold of the level a query reads (or updates): its effective threshold while its
    product is active and not a bundle and its warehouse is active, else NULL. A scalar subquery:
    one lookup by primary key of each table per level."""
    level = InventoryLevel
    return (
        sa.select(sa.case(
            (sa.and_(Product.is_active, Product.is_bundle.is_(False), Warehouse.is_active), effective_threshold())
        ))
        .select_from(sa.outerjoin(Product, ProductType, ProductType.id == Product.product_type_id))
        .where(Product.id == level.product_id, Warehouse.id == level.warehouse_id, Company.id == level.company_id)
        .scalar_subquery()
    )


# Sales


def sales_counted(sales: Iterable[tuple[InventoryLevel, dt.date, int]]) -> None:
    """sale_counted for many (locked level, day, units), in one upsert of the rollup for all those
    dated on or after their level's latest sale; a back-dated one takes sale_counted's own path."""
    rows = []
    for level, day, units in sorted(sales, key=lambda sale: (sale[0].id, sale[1])):
        if level.last_sold_on is not None and day < level.last_sold_on:
            sale_counted(level, day, units)
            continue
        rows.append(_rollup_row(level, day, units, level.units_sold + units))
        level.units_sold += units
        level.last_sold_on = day
    if rows:
        upsert(DailySale.__table__, rows, add=ROLLUP_ADD)


def sale_counted(level: InventoryLevel, day: dt.date, units: int) -> None:
    """Units sold from a locked level on a day: count them in the level's totals and in the daily_sales
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
    values = _rollup_row(level, day, units, to_date)
    # Changed before the upsert, whose autoflush then writes the level's stock and totals in one UPDATE.
    level.units_sold += units
    level.last_sold_on = max(day, level.last_sold_on or day)
    upsert(rollup, [values], add=ROLLUP_ADD)


# On the day's existing rollup row, both its units and its running total grow by the units sold.
ROLLUP_ADD = {"units": "units", "units_to_date": "units"}


def _rollup_row(level: InventoryLevel, day: dt.date, units: int, to_date: int) -> dict:
    return {"company_id": level.company_id, "product_id": level.product_id, "warehouse_id": level.warehouse_id,
            "day": day, "units": units, "units_to_date": to_date}


def sold_since(level, start: dt.date):
    """Units a level (columns of inventory_levels) sold from `start` on: all it ever sold, less the
    running total of its last rollup row before `start`. Its rollup is read back from its newest row
    to that one: the window's days, whatever the length of its history."""
    rollup = DailySale.__table__
    before = (
        sa.select(rollup.c.units_to_date)
        .where(DailySale.of_level(level), rollup.c.day < start)
        .order_by(rollup.c.day.desc())
        .limit(1)
        .scalar_subquery()
    )
    return level.units_sold - sa.func.coalesce(before, 0)


def recount_sales(level_ids: list[int]) -> None:
    """Recompute what sale_counted keeps, from the rollup's daily units, for these levels (the caller
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
