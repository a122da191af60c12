"""Inventory use cases: initial stock, reading levels with their effective threshold and their daily sales,
reading the ledger."""

import datetime as dt

import sqlalchemy as sa

from app.alerts import read_model
from app.alerts.read_model import effective_threshold
from app.alerts.service import window_start
from app.common.chunks import chunks
from app.common.pagination import cursor_page, in_chunks
from app.common.tenancy import get_owned
from app.common.time import utcnow
from app.common.transaction import use_case
from app.companies.models import Company
from app.errors import NotFound, ValidationFailed
from app.extensions import db
from app.inventory import ledger
from app.inventory.models import DailySale, InventoryLevel, StockMovement
from app.products.models import Product, ProductType


def place_initial_stock(company_id: int, product_id: int, stock: dict[int, int], user_id: int | None) -> None:
    """Create the product's levels in these (the company's) warehouses, each quantity recorded as a `receive`.

    Part of the caller's transaction: flushes, never commits.
    """
    read_model.creating_levels(company_id, [(product_id, warehouse_id) for warehouse_id in stock])
    levels = []
    for warehouse_id, quantity in sorted(stock.items()):
        level = InventoryLevel(company_id=company_id, product_id=product_id, warehouse_id=warehouse_id, on_hand=0, reserved=0)
        db.session.add(level)
        levels.append(level)
        if quantity:
            level.receive(quantity)
            ledger.append(level, "receive", quantity, reason="initial stock", user_id=user_id)
    db.session.flush()
    if levels:
        read_model.levels_created(company_id, levels)
        ledger.write_levels(levels)  # their alert thresholds


def describe(company_id: int, levels) -> None:
    """Give the levels a change holds (locked) the `sku` and effective `threshold` that an answer
    shows of a level, read after their locks so that a threshold changed meanwhile is the one
    answered: one query per thousand. Those that have them already are skipped: read in their
    locking statement (ledger.lock_level_with_product), or when created (read_model.levels_created)."""
    bare = {level.id: level for level in levels if "threshold" not in vars(level)}
    for chunk in chunks(sorted(bare)):
        query = _levels(company_id, InventoryLevel.id, Product.sku, effective_threshold()).where(InventoryLevel.id.in_(chunk))
        for level_id, sku, threshold in db.session.execute(query):
            bare[level_id].sku, bare[level_id].threshold = sku, threshold


def _levels(company_id: int, *columns) -> sa.Select:
    return (
        sa.select(*(columns or (InventoryLevel, Product.sku, effective_threshold().label("threshold"))))
        .select_from(InventoryLevel)
        .join(Product, Product.id == InventoryLevel.product_id)
        .outerjoin(ProductType, ProductType.id == Product.product_type_id)
        .join(Company, Company.id == InventoryLevel.company_id)
        .where(InventoryLevel.company_id == company_id)
    )


def _as_view(row) -> InventoryLevel:
    level, level.sku, level.threshold = row
    return level


def list_levels(company_id: int, page: int, per_page: int, **filters) -> dict:
    statement = _filtered_levels(company_id, **filters).order_by(InventoryLevel.id)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(statement.subquery()))
    rows = db.session.execute(statement.limit(per_page).offset((page - 1) * per_page)).all()
    return {"items": [_as_view(row) for row in rows], "page": page, "per_page": per_page, "total": total}


LEVEL_COLUMNS = ["id", "product_id", "sku", "warehouse_id", "on_hand", "reserved", "available", "incoming",
                 "low_stock_threshold", "threshold", "reorder_up_to", "updated_at"]


def export_levels(company_id: int, **filters):
    """Every level list_levels would list with these filters, by id, in chunks of LEVEL_COLUMNS rows."""
    chunks = in_chunks(_filtered_levels(company_id, **filters), InventoryLevel.id, key=lambda row: row[0].id)
    return ([[getattr(level, column) for column in LEVEL_COLUMNS] for level in map(_as_view, chunk)] for chunk in chunks)


def _filtered_levels(company_id: int, product_id=None, warehouse_id=None, below_threshold=None) -> sa.Select:
    statement = _levels(company_id)
    if product_id is not None:
        statement = statement.where(InventoryLevel.product_id == product_id)
    if warehouse_id is not None:
        statement = statement.where(InventoryLevel.warehouse_id == warehouse_id)
    if below_threshold is not None:
        at_or_below = InventoryLevel.on_hand - InventoryLevel.reserved <= effective_threshold()
        statement = statement.where(at_or_below if below_threshold else sa.not_(at_or_below))
    return statement


def get_level(company_id: int, level_id: int) -> InventoryLevel:
    row = db.session.execute(_levels(company_id).where(InventoryLevel.id == level_id)).first()
    if row is None:
        raise NotFound(f"Inventory level {level_id} does not exist")
    return _as_view(row)


def update_level(company_id: int, level_id: int, changes: dict) -> InventoryLevel:
    """Set or clear the level's threshold override and its order-up-to level.

    The level's order-up-to level must stay above the threshold that applies after the change,
    whichever of the two the change sets; the field given names the refusal. (A threshold change of
    the product, its type or the company is not refused: the reorder rule then orders up to at
    least T + 1.)
    """
    with use_case(), read_model.level_override_changed(company_id, level_id, when="low_stock_threshold" in changes):
        level = get_owned(InventoryLevel, company_id, level_id, for_update=True)
        for field, value in changes.items():
            setattr(level, field, value)
        db.session.flush()
        if level.reorder_up_to is not None:
            threshold = get_level(company_id, level_id).threshold
            if level.reorder_up_to <= threshold:
                if "reorder_up_to" in changes:
                    raise ValidationFailed(errors={"reorder_up_to": [f"must be above the threshold, {threshold}"]})
                raise ValidationFailed(errors={"low_stock_threshold": [
                    f"makes the threshold {threshold}, not below the level's reorder_up_to, {level.reorder_up_to}: "
                    "change or clear reorder_up_to in the same request"]})
    return get_level(company_id, level_id)


def level_sales(company_id: int, level_id: int, days: int) -> dict:
    """Units the level sold on each of the last `days` UTC days, today last, from the daily sales
    rollup (which counts a bundle's sales on its components' levels); 0 on a day without sales."""
    level = get_owned(InventoryLevel, company_id, level_id)
    today = utcnow().date()
    first = window_start(days, today)
    sold = dict(db.session.execute(
        sa.select(DailySale.day, DailySale.units).where(DailySale.of_level(level), DailySale.day.between(first, today))
    ).all())
    window = (first + dt.timedelta(days=n) for n in range(days))
    return {"level_id": level.id, "days": days, "series": [{"day": day, "units": sold.get(day, 0)} for day in window]}


# A time window holding at most this many of the company's rows is read through the occurred_at
# index and sorted; a larger one by walking the ledger back from its newest row.
SMALL_WINDOW = 5_000


def list_movements(company_id: int, limit: int, cursor: int | None = None, **filters) -> dict:
    """The ledger newest first, by id: rows recorded while a client pages never shift its pages."""
    return cursor_page(_ledger(company_id, **filters), StockMovement.id, limit, cursor)


MOVEMENT_COLUMNS = [column.name for column in StockMovement.__table__.columns if column.name != "company_id"]


def export_movements(company_id: int, cursor: int | None = None, **filters):
    """Every ledger row list_movements would list with these filters (older than `cursor`, if given),
    newest first, in chunks of plain rows: millions of rows stream through in constant memory."""
    statement = _ledger(company_id, **filters).with_only_columns(*(StockMovement.__table__.c[name] for name in MOVEMENT_COLUMNS))
    if cursor is not None:
        statement = statement.where(StockMovement.id < cursor)
    return in_chunks(statement, StockMovement.id, descending=True)


def _ledger(company_id: int, product_id=None, warehouse_id=None, type=None, since=None, until=None,
            purchase_order_id=None) -> sa.Select:
    """The company's ledger rows matching the filters, with the index hint that reads them fastest."""
    statement = sa.select(StockMovement).where(StockMovement.company_id == company_id)
    for column, value in ((StockMovement.product_id, product_id), (StockMovement.warehouse_id, warehouse_id),
                          (StockMovement.type, type), (StockMovement.purchase_order_id, purchase_order_id)):
        if value is not None:
            statement = statement.where(column == value)
    window = sa.true()
    if since is not None:
        window = sa.and_(window, StockMovement.occurred_at >= since)
    if until is not None:
        window = sa.and_(window, StockMovement.occurred_at <= until)
    statement = statement.where(window)
    if purchase_order_id is not None:
        # A purchase order's rows are few, wherever they sit in the ledger.
        statement = statement.with_hint(StockMovement, "USE INDEX (ix_stock_movements_company_purchase_order)", "mysql")
    elif product_id is None and warehouse_id is None and (since or until) and _is_small(company_id, window):
        # Rows far back in time sit far back in the ledger: the index finds them without the walk.
        statement = statement.with_hint(StockMovement, "USE INDEX (ix_stock_movements_company_occurred_at)", "mysql")
    elif product_id is None:
        # The walk down the ledger by id, from the cursor (a deep page, an export's later chunks):
        # left to itself MariaDB reads the company's rows from the newest one down to the cursor
        # (an equality lookup on company_id, then a filter), which costs more the deeper it goes;
        # forced, it reads a range of (company_id[, warehouse_id | type], id) from the cursor on.
        # For the warehouse, it would also intersect that foreign key's index with this one, then sort.
        index = ("ix_stock_movements_company_warehouse" if warehouse_id is not None
                 else "ix_stock_movements_company_type" if type is not None else "ix_stock_movements_company_id_id")
        statement = statement.with_hint(StockMovement, f"FORCE INDEX ({index})", "mysql")
    return statement


def _is_small(company_id: int, window) -> bool:
    """Whether the company's rows in this time window are few; counts through the index, SMALL_WINDOW at most."""
    probe = sa.select(StockMovement.id).where(StockMovement.company_id == company_id, window).limit(SMALL_WINDOW + 1)
    return db.session.scalar(sa.select(sa.func.count()).select_from(probe.subquery())) <= SMALL_WINDOW
