"""Low-stock alerts: levels at or below their effective threshold that sold recently, with whom to reorder from.

Reads only the company's levels at or below their stored alert threshold that sold in the window,
through an index; stock-outs rank first without their sales, and a page past them reads one
`daily_sales` row for each alert still in stock. The cost follows the number of alerts and the
days in the window, never the length of the sales history.
"""

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa

from app.alerts import domain
from app.alerts.read_model import sold_since
from app.common import csvio
from app.common.time import utcnow
from app.companies.models import Company
from app.companies.service import get_company
from app.extensions import db
from app.inventory.models import DUE_FOR_REORDER, InventoryLevel
from app.products.models import Product
from app.purchasing.domain import ReorderTerms, reorder_quantity
from app.purchasing.models import OPEN, PurchaseOrder, PurchaseOrderLine
from app.suppliers.models import ProductSupplier, Supplier
from app.suppliers.service import LEAD_TIME_DAYS, with_reorder_link
from app.warehouses.models import Warehouse


@dataclass
class Alert:
    level_id: int
    product_id: int
    product_name: str
    sku: str
    warehouse_id: int
    warehouse_name: str
    on_hand: int
    reserved: int
    incoming: int
    reorder_up_to: int | None
    threshold: int | None  # None only in a stock event's snapshot of a level that no longer alerts
    units_sold: int
    days: int
    cover_days: int
    supplier: dict | None = None
    next_expected_at: dt.datetime | None = None

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
        if self.threshold is None:
            return 0
        supplier = self.supplier or {}
        return reorder_quantity(self.current_stock, self.incoming, ReorderTerms(
            threshold=self.threshold, units_sold=self.units_sold, days=self.days, cover_days=self.cover_days,
            lead_time_days=supplier.get("lead_time_days"), min_order_qty=supplier.get("min_order_qty"),
            order_multiple=supplier.get("order_multiple"), reorder_up_to=self.reorder_up_to))


def window_start(days: int, today: dt.date | None = None) -> dt.date:
    """First day of a window of `days` UTC calendar days that ends today."""
    return (today or utcnow().date()) - dt.timedelta(days=days - 1)


# current_stock / threshold is ranked by its first two base-10⁹ digits, in integer arithmetic: two
# distinct ratios of integers up to MAX_QUANTITY (10⁹) differ by at least 10⁻¹⁸, so these digits
# order them exactly, and no intermediate value leaves 64 bits (current ≤ threshold ≤ 10⁹).
DIGIT = 10**9


def _whole_division(dividend, divisor):
    """floor(dividend / divisor) for non-negative integers, in integer arithmetic on both databases."""
    operator = "DIV" if db.session.get_bind().dialect.name == "mysql" else "/"
    return dividend.op(operator, return_type=sa.Integer)(divisor)


# Every read of the alerts goes through this index. MariaDB would otherwise read the stock-outs in
# (product, warehouse) order through the unique key of all companies' levels, hoping to meet
# enough of them early, and read every row of the table when it does not.
LOW_LEVELS = "FORCE INDEX (ix_inventory_levels_low)"


def _alerting(company: Company, days: int, warehouse_id=None, product_type_id=None, supplier_id=None,
              needs_reorder=None) -> list:
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
        where.append(level.c.product_id.in_(
            sa.select(Product.id).where(Product.company_id == company.id, Product.reorder_supplier_id == supplier_id)))
    if needs_reorder is not None:
        where.append(DUE_FOR_REORDER if needs_reorder else sa.not_(DUE_FOR_REORDER))
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
                  level.c.alert_threshold, sold_since(level.c, window_start(days)).label("units_sold"))
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


def _page(alerting: list, days: int, offset: int, limit: int) -> tuple[list[tuple[int, int]], int, int]:
    """(level id, threshold) of the alerts from `offset` on, most urgent first, the count of all and
    the count of the stock-outs among them.

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
    return rows, total, stock_outs


def _level_facts(start: dt.date) -> sa.Select:
    """A select of what an alert shows of a level: its stock and incoming, its product and warehouse,
    its units sold from `start` on, and its product's reorder supplier with the terms of their link
    (all None without one). The caller adds its WHERE."""
    link, level = ProductSupplier, InventoryLevel
    return with_reorder_link(
        sa.select(level.id.label("level_id"), level.product_id, Product.name.label("product_name"), Product.sku,
                  level.warehouse_id, Warehouse.name.label("warehouse_name"), level.on_hand, level.reserved,
                  level.incoming, level.reorder_up_to, sold_since(level.__table__.c, start).label("units_sold"),
                  Supplier.id.label("supplier_id"), Supplier.name.label("supplier_name"), Supplier.contact_email,
                  LEAD_TIME_DAYS.label("lead_time_days"), link.min_order_qty, link.order_multiple)
        .join(Product, Product.id == level.product_id)
        .join(Warehouse, Warehouse.id == level.warehouse_id),
    )


def _supplier_terms(facts) -> dict | None:
    """The reorder supplier of a row of _level_facts, with the terms of its link."""
    if facts.supplier_id is None:
        return None
    return {"id": facts.supplier_id, "name": facts.supplier_name, "contact_email": facts.contact_email,
            "lead_time_days": facts.lead_time_days, "min_order_qty": facts.min_order_qty,
            "order_multiple": facts.order_multiple}


def next_expected(company_id: int, keys: list[tuple[int, int]]) -> dict[tuple[int, int], dt.datetime]:
    """For these (product, warehouse) levels, the earliest expected delivery among the open purchase
    order lines still waiting for units; levels with none are absent."""
    if not keys:
        return {}
    line, order = PurchaseOrderLine, PurchaseOrder
    rows = db.session.execute(
        sa.select(line.product_id, order.warehouse_id, sa.func.min(order.expected_at))
        .join(order, order.id == line.purchase_order_id)
        .where(order.company_id == company_id, order.status.in_(OPEN), line.received_quantity < line.quantity,
               sa.or_(*(sa.and_(line.product_id == p, order.warehouse_id == w) for p, w in keys)))
        .group_by(line.product_id, order.warehouse_id)
    ).all()
    return {(p, w): expected for p, w, expected in rows if expected is not None}


def _alert(facts, threshold: int, days: int, cover_days: int, expected: dict) -> Alert:
    return Alert(
        level_id=facts.level_id, product_id=facts.product_id, product_name=facts.product_name, sku=facts.sku, warehouse_id=facts.warehouse_id,
        warehouse_name=facts.warehouse_name, on_hand=facts.on_hand, reserved=facts.reserved, incoming=facts.incoming,
        reorder_up_to=facts.reorder_up_to, threshold=threshold, units_sold=int(facts.units_sold), days=days,
        cover_days=cover_days, supplier=_supplier_terms(facts),
        next_expected_at=expected.get((facts.product_id, facts.warehouse_id)),
    )


def low_stock_alerts(caller_company_id: int, company_id: int, page: int, per_page: int, days: int | None = None,
                     **filters) -> dict:
    company = get_company(caller_company_id, company_id)
    days = days or company.recent_sales_days
    rows, total, stock_outs = _page(_alerting(company, days, **filters), days, (page - 1) * per_page, per_page)
    alerts = _alerts(company, days, rows)
    return {"alerts": alerts, "total_alerts": total, "total_stockouts": stock_outs, "page": page, "per_page": per_page, "days": days,
            "window_start": window_start(days)}


ALERT_COLUMNS = [
    "level_id", "product_id", "sku", "product_name", "warehouse_id", "warehouse_name", "current_stock", "threshold",
    "days_until_stockout", "on_hand", "reserved", "units_sold", "avg_daily_sales", "incoming", "next_expected_at",
    "suggested_reorder_quantity", "supplier_id", "supplier_name", "supplier_contact_email", "supplier_lead_time_days",
    "supplier_min_order_qty", "supplier_order_multiple",
]
EXPORT_CHUNK = 1_000


def export_alerts(caller_company_id: int, company_id: int, days: int | None = None, **filters):
    """Every alert low_stock_alerts would answer with these filters, in its order, in chunks of
    ALERT_COLUMNS rows. The company is checked, and which levels alert in what order is worked out
    (ids only), before the first chunk: a level restocked while the export streams is still in it,
    none is skipped or repeated."""
    company = get_company(caller_company_id, company_id)
    days = days or company.recent_sales_days
    rows, _total, _stock_outs = _page(_alerting(company, days, **filters), days, 0, 2**31)
    return (csvio.in_order(map(_export_row, _alerts(company, days, rows[start:start + EXPORT_CHUNK])), ALERT_COLUMNS)
            for start in range(0, len(rows), EXPORT_CHUNK))


def _alerts(company: Company, days: int, rows: list[tuple[int, int]]) -> list[Alert]:
    """The alerts of these (level id, threshold), in their order, as they are now."""
    level_ids = [level_id for level_id, _threshold in rows]
    facts = {row.level_id: row for row in db.session.execute(
        _level_facts(window_start(days)).where(InventoryLevel.id.in_(level_ids)))} if level_ids else {}
    expected = next_expected(company.id, [(row.product_id, row.warehouse_id) for row in facts.values() if row.incoming])
    return [_alert(facts[level_id], threshold, days, company.reorder_cover_days, expected) for level_id, threshold in rows]


def _export_row(alert: Alert) -> dict:
    row = {column: getattr(alert, column) for column in ALERT_COLUMNS if hasattr(alert, column)}
    row.update({f"supplier_{name}": value for name, value in (alert.supplier or {}).items()})
    return row


def level_snapshots(company_id: int, level_ids) -> dict[int, Alert]:
    """Each of these levels as an alert would show it now, its threshold the stored one (None while
    it does not alert): what a stock event says of its level."""
    company = db.session.get(Company, company_id)
    days = company.recent_sales_days
    rows = db.session.execute(
        _level_facts(window_start(days)).add_columns(InventoryLevel.alert_threshold)
        .where(InventoryLevel.id.in_(sorted(level_ids))))
    return {row.level_id: _alert(row, row.alert_threshold, days, company.reorder_cover_days, {}) for row in rows}
