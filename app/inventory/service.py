"""Inventory use cases: initial stock, reading levels with their effective threshold, reading the ledger."""

import contextlib
import sqlalchemy as sa

from app.common.tenancy import get_owned, scoped
from app.companies.models import Company
from app.errors import NotFound
from app.extensions import db
from app.inventory.models import InventoryLevel, StockMovement
from app.products.models import Product, ProductType
from app.warehouses.models import Warehouse


def missing_warehouses(company_id: int, warehouse_ids, *, placing_stock: bool = False) -> list[int]:
    """Those of these ids that are not (undeleted) warehouses of the company.

    A caller about to place stock in them takes a share lock on those that exist, held until it
    commits, so that a concurrent deletion waits for it and then sees the stock (delete_warehouse).
    """
    found = scoped(Warehouse, company_id).where(Warehouse.id.in_(warehouse_ids)).with_only_columns(Warehouse.id)
    if placing_stock:
        found = found.with_for_update(read=True)
    return sorted(set(warehouse_ids) - set(db.session.scalars(found)))


def place_initial_stock(company_id: int, product_id: int, stock: dict[int, int], user_id: int | None) -> None:
    """Create the product's levels in these (the company's) warehouses, each quantity recorded as a `receive`.

    Part of the caller's transaction: flushes, never commits.
    """
    for warehouse_id, quantity in sorted(stock.items()):
        db.session.add(
            InventoryLevel(company_id=company_id, product_id=product_id, warehouse_id=warehouse_id, on_hand=quantity)
        )
        if quantity:
            db.session.add(
                StockMovement(
                    company_id=company_id, product_id=product_id, warehouse_id=warehouse_id, type="receive",
                    quantity_change=quantity, on_hand_after=quantity, reason="initial stock", user_id=user_id,
                )
            )
    db.session.flush()
    if stock:
        refresh_alert_thresholds(company_id, InventoryLevel.product_id == product_id)


def effective_threshold():
    """The effective threshold: level override → product → product type → company default (the
    query joins companies)."""
    return sa.func.coalesce(
        InventoryLevel.low_stock_threshold,
        Product.low_stock_threshold,
        ProductType.low_stock_threshold,
        Company.default_low_stock_threshold,
    )


@contextlib.contextmanager
def changing_alert_inputs(company_id: int, *where, when: bool = True):
    """Around a change to what the alert thresholds of the company's levels matching `where` derive
    from (the body writes and flushes it): lock those levels first, then refresh them.

    Levels are locked in ascending id order, as every stock movement locks them before its ledger
    rows lock the product, warehouse and company they refer to. Taking the levels before changing
    those rows keeps one lock order, so a change never deadlocks with a sale; two changes whose
    levels overlap run one after the other. With `when` false it does nothing.
    """
    if when:
        db.session.execute(
            sa.select(InventoryLevel.id).where(InventoryLevel.company_id == company_id, *where)
            .order_by(InventoryLevel.id).with_for_update()
        ).all()
    yield
    if when:
        refresh_alert_thresholds(company_id, *where)


def refresh_alert_thresholds(company_id: int, *where) -> None:
    """Recompute `alert_threshold` of the company's levels that match `where`, in the caller's transaction.

    Called after creating levels, and through changing_alert_inputs by every change to what it
    derives from: a level's override, a product's threshold, type or archiving, a type's threshold,
    the company default, a warehouse's activity. It first takes shared locks on all of that: the
    company, the levels' warehouses, products and types. So a concurrent change to any of it either
    committed before, and the UPDATE (a later statement, so a fresh snapshot under READ COMMITTED)
    reads it, or waits until this transaction commits and then refreshes these levels itself; a
    level still being created, which that change cannot see, is covered too. Each locking read
    names a column of every table it joins: MariaDB drops an outer join whose columns go unused,
    and then locks nothing there.
    """
    level = InventoryLevel
    scope = [level.company_id == company_id, *where]
    for locking in (
        sa.select(Company.default_low_stock_threshold).where(Company.id == company_id),
        sa.select(Warehouse.is_active).where(Warehouse.id.in_(sa.select(level.warehouse_id).where(*scope))),
        sa.select(Product.low_stock_threshold, ProductType.low_stock_threshold)
        .outerjoin(ProductType, ProductType.id == Product.product_type_id)
        .where(Product.id.in_(sa.select(level.product_id).where(*scope))),
    ):
        db.session.execute(locking.with_for_update(read=True)).all()
    value = (
        sa.select(sa.case(
            (sa.and_(Product.is_active, Product.is_bundle.is_(False), Warehouse.is_active), effective_threshold())
        ))
        .select_from(sa.outerjoin(Product, ProductType, ProductType.id == Product.product_type_id))
        .where(Product.id == level.product_id, Warehouse.id == level.warehouse_id, Company.id == level.company_id)
        .scalar_subquery()
    )
    db.session.execute(
        sa.update(level).where(*scope).values(alert_threshold=value).execution_options(synchronize_session=False)
    )


def _levels(company_id: int) -> sa.Select:
    return (
        sa.select(InventoryLevel, Product.sku, effective_threshold().label("threshold"))
        .join(Product, Product.id == InventoryLevel.product_id)
        .outerjoin(ProductType, ProductType.id == Product.product_type_id)
        .join(Company, Company.id == InventoryLevel.company_id)
        .where(InventoryLevel.company_id == company_id)
    )


def _as_view(row) -> InventoryLevel:
    level, level.sku, level.threshold = row
    return level


def list_levels(company_id: int, page: int, per_page: int, product_id=None, warehouse_id=None, below_threshold=None) -> dict:
    statement = _levels(company_id).order_by(InventoryLevel.id)
    if product_id is not None:
        statement = statement.where(InventoryLevel.product_id == product_id)
    if warehouse_id is not None:
        statement = statement.where(InventoryLevel.warehouse_id == warehouse_id)
    if below_threshold is not None:
        at_or_below = InventoryLevel.on_hand - InventoryLevel.reserved <= effective_threshold()
        statement = statement.where(at_or_below if below_threshold else sa.not_(at_or_below))
    total = db.session.scalar(sa.select(sa.func.count()).select_from(statement.subquery()))
    rows = db.session.execute(statement.limit(per_page).offset((page - 1) * per_page)).all()
    return {"items": [_as_view(row) for row in rows], "page": page, "per_page": per_page, "total": total}


def get_level(company_id: int, level_id: int) -> InventoryLevel:
    row = db.session.execute(_levels(company_id).where(InventoryLevel.id == level_id)).first()
    if row is None:
        raise NotFound(f"Inventory level {level_id} does not exist")
    return _as_view(row)


def set_level_threshold(company_id: int, level_id: int, low_stock_threshold: int | None) -> InventoryLevel:
    with changing_alert_inputs(company_id, InventoryLevel.id == level_id):
        get_owned(InventoryLevel, company_id, level_id).low_stock_threshold = low_stock_threshold
        db.session.flush()
    db.session.commit()
    return get_level(company_id, level_id)


# A time window holding at most this many of the company's rows is read through the occurred_at
# index and sorted; a larger one by walking the ledger back from its newest row.
SMALL_WINDOW = 5_000


def list_movements(company_id: int, limit: int, cursor: int | None = None, product_id=None, warehouse_id=None,
                   type=None, since=None, until=None) -> dict:
    """The ledger newest first, by id: rows recorded while a client pages never shift its pages."""
    statement = sa.select(StockMovement).where(StockMovement.company_id == company_id)
    for column, value in ((StockMovement.product_id, product_id), (StockMovement.warehouse_id, warehouse_id),
                          (StockMovement.type, type)):
        if value is not None:
            statement = statement.where(column == value)
    window = sa.true()
    if since is not None:
        window = sa.and_(window, StockMovement.occurred_at >= since)
    if until is not None:
        window = sa.and_(window, StockMovement.occurred_at <= until)
    statement = statement.where(window)
    if cursor is not None:
        statement = statement.where(StockMovement.id < cursor)
    if product_id is None and warehouse_id is None and (since or until) and _is_small(company_id, window):
        # Rows far back in time sit far back in the ledger: the index finds them without the walk.
        statement = statement.with_hint(StockMovement, "USE INDEX (ix_stock_movements_company_occurred_at)", "mysql")
    elif warehouse_id is not None and product_id is None:
        # MySQL would otherwise intersect the warehouse's foreign-key index with this one, then sort.
        statement = statement.with_hint(StockMovement, "USE INDEX (ix_stock_movements_company_warehouse)", "mysql")
    rows = db.session.scalars(statement.order_by(StockMovement.id.desc()).limit(limit + 1)).all()
    more = len(rows) > limit
    return {"items": rows[:limit], "next_cursor": rows[limit - 1].id if more else None}


def _is_small(company_id: int, window) -> bool:
    """Whether the company's rows in this time window are few; counts through the index, SMALL_WINDOW at most."""
    probe = sa.select(StockMovement.id).where(StockMovement.company_id == company_id, window).limit(SMALL_WINDOW + 1)
    return db.session.scalar(sa.select(sa.func.count()).select_from(probe.subquery())) <= SMALL_WINDOW
