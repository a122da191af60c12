"""Low-stock alerts: levels at or below their effective threshold that sold recently, with whom to reorder from.

Reads only the company's levels at or below their stored alert threshold that sold in the window,
through an index; stock-outs rank first without their sales, and a page past them reads one
`daily_sales` row for each alert still in stock. The cost follows the number of alerts and the
days in the window, never the length of the sales history.
"""

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.alerts import domain
from app.common.time import utcnow
from app.companies.models import Company
from app.companies.service import get_company
from app.extensions import db
from app.inventory.models import DailySale, InventoryLevel
from app.products.models import Product
from app.suppliers.models import ProductSupplier, Supplier
from app.warehouses.models import Warehouse


@dataclass
class Alert:
    product_id: int
    product_name: str
    sku: str
    warehouse_id: int
    warehouse_name: str
    on_hand: int
    reserved: int
    threshold: int
    units_sold: int
    days: int
    supplier: dict | None = None

    @property
    def current_stock(self) -> int:
        return self.on_hand - self.reserved

    @property
    def avg_daily_sales(self) -> float:
        return domain.avg_daily_sales(self.units_sold, self.days)

    @property
    def days_until_stockout(self) -> int:
        return domain.days_until_stockout(self.current_stock, self.units_sold, self.days)

    @property
    def suggested_reorder_quantity(self) -> int:
        lead_time, minimum = (self.supplier["lead_time_days"] or 0, self.supplier["min_order_qty"]) if self.supplier else (0, 1)
        return domain.suggested_reorder_quantity(self.current_stock, self.units_sold, self.days, lead_time, minimum)


def window_start(days: int, today: dt.date | None = None) -> dt.date:
    """First day of a window of `days` UTC calendar days that ends today."""
    return (today or utcnow().date()) - dt.timedelta(days=days - 1)


def _reorder_supplier_id(product_id):
    """The product's reorder supplier: its primary supplier, else its linked supplier with the lowest id."""
    link = so.aliased(ProductSupplier)
    of_product = sa.select(link.supplier_id).where(link.product_id == product_id)
    return sa.func.coalesce(
        of_product.where(link.primary_flag.is_(True)).scalar_subquery(),
        of_product.with_only_columns(sa.func.min(link.supplier_id)).scalar_subquery(),
    )


# current_stock / threshold is ranked by its first two base-10⁹ digits, in integer arithmetic: two
# distinct ratios of integers up to MAX_QUANTITY (10⁹) differ by at least 10⁻¹⁸, so these digits
# order them exactly, and no intermediate value leaves 64 bits (current ≤ threshold ≤ 10⁹).
DIGIT = 10**9


def _whole_division(dividend, divisor):
    """floor(dividend / divisor) for non-negative integers, in integer arithmetic on both databases."""
    operator = "DIV" if db.session.get_bind().dialect.name == "mysql" else "/"
    return dividend.op(operator, return_type=sa.Integer)(divisor)


def _sold_since(level, start: dt.date):
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


# Every read of the alerts goes through this index. MariaDB would otherwise read the stock-outs in
# (product, warehouse) order through the unique key of all companies' levels, hoping to meet
# enough of them early, and read every row of the table when it does not.
LOW_LEVELS = "FORCE INDEX (ix_inventory_levels_low)"


def _alerting(company: Company, days: int, warehouse_id=None, product_type_id=None, supplier_id=None) -> list:
    """Where a level alerts: at or below its threshold, sold in the window, and matching the filters.

    The index on (company, is_low, last sale day, …) holds exactly those levels as one range, with
    all that counting and ranking them needs, so neither reads the levels themselves nor joins their
    products or warehouses.
    """
    level = InventoryLevel.__table__
    where = [level.c.company_id == company.id, level.c.is_low == sa.true(), level.c.last_sold_on >= window_start(days)]
    if warehouse_id is not None:
        where.append(level.c.warehouse_id == warehouse_id)
    if product_type_id is not None:
        where.append(level.c.product_id.in_(
            sa.select(Product.id).where(Product.company_id == company.id, Product.product_type_id == product_type_id)))
    if supplier_id is not None:
        where.append(_reorder_supplier_id(level.c.product_id) == supplier_id)
    return where


def _stock_outs(alerting: list) -> sa.Select:
    """(level id, threshold) of the stock-outs among the alerts, in their order: 0 days left and 0 % of
    their threshold, so by product and warehouse. Ranking them needs no sales."""
    level = InventoryLevel.__table__
    return (sa.select(level.c.id, level.c.alert_threshold).where(*alerting, level.c.available_stock <= 0)
            .order_by(level.c.product_id, level.c.warehouse_id).with_hint(level, LOW_LEVELS, "mysql"))


def _in_stock(alerting: list, days: int) -> sa.Select:
    """(level id, threshold) of the alerts still in stock, by days left, then share of threshold
    (compared exactly, in integer arithmetic: threshold ≥ current > 0 here), product and warehouse.
    Only these need their units sold in the window, from one rollup row each."""
    level = InventoryLevel.__table__
    alerts = (
        sa.select(level.c.id, level.c.product_id, level.c.warehouse_id, level.c.available_stock,
                  level.c.alert_threshold, _sold_since(level.c, window_start(days)).label("units_sold"))
        .where(*alerting, level.c.available_stock > 0)
        .with_hint(level, LOW_LEVELS, "mysql")
        .subquery()
    )
    current, threshold = alerts.c.available_stock, alerts.c.alert_threshold
    return sa.select(alerts.c.id, threshold).order_by(
        _whole_division(current * days, alerts.c.units_sold),
        _whole_division(current * DIGIT, threshold),
        _whole_division((current * DIGIT) % threshold * DIGIT, threshold),
        alerts.c.product_id,
        alerts.c.warehouse_id,
    )


def _page(alerting: list, days: int, offset: int, limit: int) -> tuple[list[tuple[int, int]], int]:
    """(level id, threshold) of the alerts from `offset` on, most urgent first, and the count of all.

    Stock-outs come first, so a page among them reads no sales at all; the alerts still in stock
    are ranked only for a page that reaches them.
    """
    stock_out = InventoryLevel.__table__.c.available_stock <= 0
    stock_outs, total = map(int, db.session.execute(  # MySQL sums to a decimal
        sa.select(sa.func.coalesce(sa.func.sum(sa.case((stock_out, 1), else_=0)), 0), sa.func.count())
        .where(*alerting).with_hint(InventoryLevel.__table__, LOW_LEVELS, "mysql")
    ).one())
    rows = db.session.execute(_stock_outs(alerting).offset(offset).limit(limit)).all() if offset < stock_outs else []
    if len(rows) < limit and offset + len(rows) < total:
        rows += db.session.execute(
            _in_stock(alerting, days).offset(max(0, offset - stock_outs)).limit(limit - len(rows))
        ).all()
    return rows, total


def _shown(level_ids: list[int], start: dt.date) -> dict[int, tuple]:
    """What an alert shows of each of these levels, by level id: the level, its product and warehouse,
    its units sold from `start` on, then its product's reorder supplier and the terms of their link
    (all None without one)."""
    link = ProductSupplier
    rows = db.session.execute(
        sa.select(InventoryLevel.id, InventoryLevel.product_id, Product.name, Product.sku, InventoryLevel.warehouse_id,
                  Warehouse.name, InventoryLevel.on_hand, InventoryLevel.reserved,
                  _sold_since(InventoryLevel.__table__.c, start),
                  Supplier.id, Supplier.name, Supplier.contact_email,
                  sa.func.coalesce(link.lead_time_days, Supplier.lead_time_days), link.min_order_qty)
        .join(Product, Product.id == InventoryLevel.product_id)
        .join(Warehouse, Warehouse.id == InventoryLevel.warehouse_id)
        .outerjoin(link, sa.and_(link.product_id == InventoryLevel.product_id,
                                 link.supplier_id == _reorder_supplier_id(InventoryLevel.product_id)))
        .outerjoin(Supplier, Supplier.id == link.supplier_id)
        .where(InventoryLevel.id.in_(level_ids))
    ) if level_ids else []
    return {row[0]: row[1:] for row in rows}


def _alert(shown: tuple, threshold: int, days: int) -> Alert:
    *level, units_sold, supplier_id, name, contact_email, lead_time_days, min_order_qty = shown
    supplier = None if supplier_id is None else {
        "id": supplier_id, "name": name, "contact_email": contact_email, "lead_time_days": lead_time_days,
        "min_order_qty": min_order_qty,
    }
    return Alert(*level, threshold=threshold, units_sold=int(units_sold), days=days, supplier=supplier)


def low_stock_alerts(caller_company_id: int, company_id: int, page: int, per_page: int, days: int | None = None,
                     **filters) -> dict:
    company = get_company(caller_company_id, company_id)
    days = days or company.recent_sales_days
    rows, total = _page(_alerting(company, days, **filters), days, (page - 1) * per_page, per_page)
    shown = _shown([level_id for level_id, _threshold in rows], window_start(days))
    alerts = [_alert(shown[level_id], threshold, days) for level_id, threshold in rows]
    return {"alerts": alerts, "total_alerts": total, "page": page, "per_page": per_page, "days": days,
            "window_start": window_start(days)}
