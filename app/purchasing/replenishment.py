"""What to order, from whom: every level at or below its threshold once what is on order counts,
grouped by reorder supplier; and draft purchase orders made from it in one call."""

from decimal import Decimal

import sqlalchemy as sa

from app.alerts import domain as alert_domain
from app.alerts.read_model import sold_since
from app.alerts.service import LOW_LEVELS, window_start
from app.common import csvio
from app.common.fields import MAX_QUANTITY
from app.common.transaction import use_case
from app.companies.service import get_company
from app.errors import InUse, ValidationFailed
from app.extensions import db
from app.inventory.models import DUE_FOR_REORDER, InventoryLevel
from app.products.models import Product
from app.purchasing.domain import ReorderTerms, reorder_quantity
from app.purchasing.models import PurchaseOrder
from app.purchasing.service import list_by_id, write_lines
from app.suppliers.models import ProductSupplier, Supplier
from app.suppliers.service import LEAD_TIME_DAYS, supplier_for_body, with_reorder_link
from app.warehouses.models import Warehouse
from app.warehouses.service import missing_warehouses


def suggestions(caller_company_id: int, company_id: int, days: int | None = None, warehouse_id=None,
                supplier_id=None) -> dict:
    """{suppliers: [{supplier, lines, total}], days, cover_days}: each due level as a line with the
    reorder rule's quantity, grouped by reorder supplier (by id; levels without one last).

    Plain values all through (a company may have 10,000 levels due): one query for the levels with
    their product and reorder terms, one for the warehouses' names, one for the suppliers'.
    """
    company = get_company(caller_company_id, company_id)
    days = days or company.recent_sales_days
    cover = company.reorder_cover_days
    warehouses = dict(db.session.execute(
        sa.select(Warehouse.id, Warehouse.name).where(Warehouse.company_id == company.id)).all())
    groups: dict[int | None, dict] = {}
    for (product_id, sku, name, warehouse, available, incoming, threshold, up_to, units_sold, supplier, lead_time,
         minimum, multiple, unit_cost) in _due(company.id, days, warehouse_id, supplier_id):
        units_sold, lead_time = int(units_sold), lead_time or 0
        quantity = reorder_quantity(available, incoming, ReorderTerms(
            threshold=threshold, units_sold=units_sold, days=days, cover_days=cover, lead_time_days=lead_time,
            min_order_qty=minimum, order_multiple=multiple, reorder_up_to=up_to))
        line_total = None if unit_cost is None else unit_cost * quantity
        group = groups.get(supplier)
        if group is None:
            group = groups[supplier] = {"supplier": supplier, "lines": [], "total": Decimal("0.00")}
        group["lines"].append({
            "product_id": product_id, "sku": sku, "product_name": name, "warehouse_id": warehouse,
            "warehouse_name": warehouses[warehouse], "current_stock": available, "incoming": incoming,
            "threshold": threshold, "avg_daily_sales": alert_domain.avg_daily_sales(units_sold, days),
            "lead_time_days": lead_time, "quantity": quantity, "unit_cost": unit_cost, "line_total": line_total,
        })
        if line_total is not None:
            group["total"] += line_total
    suppliers = {row.id: {"id": row.id, "name": row.name, "contact_email": row.contact_email} for row in db.session.execute(
        sa.select(Supplier.id, Supplier.name, Supplier.contact_email).where(Supplier.id.in_([s for s in groups if s])))}
    ordered = sorted(groups.items(), key=lambda item: (item[0] is None, item[0] or 0))
    return {"suppliers": [{**group, "supplier": suppliers.get(key)} for key, group in ordered], "days": days,
            "cover_days": cover}


SUGGESTION_COLUMNS = [
    "supplier_id", "supplier_name", "supplier_contact_email", "product_id", "sku", "product_name", "warehouse_id",
    "warehouse_name", "current_stock", "incoming", "threshold", "avg_daily_sales", "lead_time_days", "quantity",
    "unit_cost", "line_total",
]


def export_suggestions(caller_company_id: int, company_id: int, **filters):
    """The suggestions as one chunk of SUGGESTION_COLUMNS rows: a line each, with its supplier's columns."""
    groups = suggestions(caller_company_id, company_id, **filters)["suppliers"]
    return iter([csvio.in_order(({**line, **{f"supplier_{name}": value for name, value in (group["supplier"] or {}).items()}}
                                 for group in groups for line in group["lines"]), SUGGESTION_COLUMNS)])


def create_drafts(caller_company_id: int, company_id: int, user_id: int | None, supplier_id=None,
                  warehouse_id=None) -> dict:
    """One draft purchase order per (supplier, warehouse) of the current suggestions, all in one
    transaction; lines without a supplier or a unit cost, or with a quantity over what one line may
    hold, are skipped and listed."""
    with use_case():
        get_company(caller_company_id, company_id)
        # Named in the body, not filters of a list: an unknown one is a mistake, not "nothing to order".
        if supplier_id is not None:
            supplier_for_body(company_id, supplier_id)
        if warehouse_id is not None and missing_warehouses(company_id, [warehouse_id]):
            raise ValidationFailed(errors={"warehouse_id": [f"warehouse {warehouse_id} does not exist"]})
        plan = suggestions(caller_company_id, company_id, warehouse_id=warehouse_id, supplier_id=supplier_id)
        orders: dict[tuple[int, int], list[tuple[int, int, Decimal]]] = {}
        skipped = []
        for group in plan["suppliers"]:
            for line in group["lines"]:
                reason = _skip_reason(group["supplier"], line)
                if reason:
                    skipped.append({"product_id": line["product_id"], "warehouse_id": line["warehouse_id"], "reason": reason})
                else:
                    orders.setdefault((group["supplier"]["id"], line["warehouse_id"]), []).append(
                        (line["product_id"], line["quantity"], line["unit_cost"]))
        # The share lock keeps a concurrent deletion of these warehouses waiting until the drafts exist.
        deleted = missing_warehouses(company_id, {warehouse for _, warehouse in orders}, placing_stock=True)
        if deleted:
            raise InUse(f"Warehouse {deleted[0]} was deleted", {"warehouse_id": ["deleted"]})
        created = []
        for (supplier, warehouse), lines in sorted(orders.items()):
            order = PurchaseOrder(company_id=company_id, supplier_id=supplier, warehouse_id=warehouse, status="draft",
                                  reference="replenishment", user_id=user_id)
            db.session.add(order)
            db.session.flush()
            write_lines(order, lines)
            created.append(order.id)
    return {"purchase_orders": list_by_id(company_id, created), "skipped": skipped}


def _skip_reason(supplier: dict | None, line: dict) -> str | None:
    if supplier is None:
        return "no_supplier"
    if line["unit_cost"] is None:
        return "no_unit_cost"
    if line["quantity"] > MAX_QUANTITY:
        return "quantity_too_large"
    return None


def _due(company_id: int, days: int, warehouse_id=None, supplier_id=None) -> list[tuple]:
    """Every level of the company whose position (available + incoming) is at or below its threshold,
    by product and warehouse, as (product id, sku, product name, warehouse id, available, incoming,
    threshold, reorder_up_to, units sold in the window, reorder supplier id, lead time, min order
    quantity, order multiple, unit cost). Such a level is low (available ≤ threshold), so the index of
    the low levels holds them all."""
    level, link = InventoryLevel.__table__.c, ProductSupplier
    due = (
        with_reorder_link(
            sa.select(level.product_id, Product.sku, Product.name, level.warehouse_id, level.available_stock,
                      level.incoming, level.alert_threshold, level.reorder_up_to,
                      sold_since(level, window_start(days)), link.supplier_id, LEAD_TIME_DAYS, link.min_order_qty,
                      link.order_multiple, link.unit_cost)
            .select_from(InventoryLevel.__table__)
            .join(Product, Product.id == level.product_id),
        )
        .where(level.company_id == company_id, level.is_low == sa.true(), DUE_FOR_REORDER)
        .order_by(level.product_id, level.warehouse_id)
        .with_hint(InventoryLevel.__table__, LOW_LEVELS, "mysql")
    )
    if warehouse_id is not None:
        due = due.where(level.warehouse_id == warehouse_id)
    if supplier_id is not None:
        due = due.where(link.supplier_id == supplier_id)
    return db.session.execute(due).all()
