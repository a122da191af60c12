"""What to order, from whom: every level at or below its threshold once what is on order counts,
grouped by reorder supplier; and draft purchase orders made from it in one call."""

from decimal import Decimal

import sqlalchemy as sa

from app.alerts import domain as alert_domain
from app.alerts.service import LOW_LEVELS, level_facts, reorder_terms, supplier_terms, window_start
from app.common.transaction import use_case
from app.companies.service import get_company
from app.extensions import db
from app.inventory.models import InventoryLevel
from app.purchasing.domain import reorder_quantity
from app.purchasing.models import PurchaseOrder, PurchaseOrderLine
from app.purchasing.service import get_purchase_order
from app.suppliers.service import reorder_supplier_id


def suggestions(caller_company_id: int, company_id: int, days: int | None = None, warehouse_id=None,
                supplier_id=None) -> dict:
    """{suppliers: [{supplier, lines, total}], days, cover_days}: each due level as a line with the
    reorder rule's quantity, grouped by reorder supplier (by id; levels without one last)."""
    company = get_company(caller_company_id, company_id)
    days = days or company.recent_sales_days
    groups: dict[int | None, dict] = {}
    for facts, threshold in _due(company.id, days, warehouse_id, supplier_id):
        supplier = supplier_terms(facts)
        quantity = reorder_quantity(facts.on_hand - facts.reserved, facts.incoming, reorder_terms(
            threshold, int(facts.units_sold), days, company.reorder_cover_days, supplier, facts.reorder_up_to))
        group = groups.setdefault(facts.supplier_id, {
            "supplier": None if supplier is None else {key: supplier[key] for key in ("id", "name", "contact_email")},
            "lines": [], "total": Decimal("0.00"),
        })
        unit_cost = facts.unit_cost if supplier is not None else None
        line_total = None if unit_cost is None else unit_cost * quantity
        group["lines"].append({
            "product_id": facts.product_id, "sku": facts.sku, "product_name": facts.product_name,
            "warehouse_id": facts.warehouse_id, "warehouse_name": facts.warehouse_name,
            "current_stock": facts.on_hand - facts.reserved, "incoming": facts.incoming, "threshold": threshold,
            "avg_daily_sales": alert_domain.avg_daily_sales(int(facts.units_sold), days),
            "lead_time_days": (supplier or {}).get("lead_time_days") or 0,
            "quantity": quantity, "unit_cost": unit_cost, "line_total": line_total,
        })
        if line_total is not None:
            group["total"] += line_total
    ordered = sorted(groups.items(), key=lambda item: (item[0] is None, item[0] or 0))
    return {"suppliers": [group for _, group in ordered], "days": days, "cover_days": company.reorder_cover_days}


def create_drafts(caller_company_id: int, company_id: int, user_id: int | None, supplier_id=None,
                  warehouse_id=None) -> dict:
    """One draft purchase order per (supplier, warehouse) of the current suggestions, all in one
    transaction; lines without a supplier or a unit cost are skipped and listed."""
    with use_case():
        plan = suggestions(caller_company_id, company_id, warehouse_id=warehouse_id, supplier_id=supplier_id)
        orders: dict[tuple[int, int], list[dict]] = {}
        skipped = []
        for group in plan["suppliers"]:
            for line in group["lines"]:
                reason = "no_supplier" if group["supplier"] is None else "no_unit_cost" if line["unit_cost"] is None else None
                if reason:
                    skipped.append({"product_id": line["product_id"], "warehouse_id": line["warehouse_id"], "reason": reason})
                else:
                    orders.setdefault((group["supplier"]["id"], line["warehouse_id"]), []).append(line)
        created = []
        for (supplier, warehouse), lines in sorted(orders.items()):
            order = PurchaseOrder(company_id=company_id, supplier_id=supplier, warehouse_id=warehouse, status="draft",
                                  reference="replenishment", user_id=user_id)
            db.session.add(order)
            db.session.flush()
            db.session.add_all(PurchaseOrderLine(purchase_order_id=order.id, company_id=company_id,
                                                 product_id=line["product_id"], quantity=line["quantity"],
                                                 unit_cost=line["unit_cost"], received_quantity=0) for line in lines)
            created.append(order.id)
    return {"purchase_orders": [get_purchase_order(company_id, order_id) for order_id in created], "skipped": skipped}


def _due(company_id: int, days: int, warehouse_id=None, supplier_id=None):
    """(level facts, threshold) of every level of the company whose position (available + incoming) is
    at or below its threshold, by product and warehouse. Such a level is low (available ≤ threshold),
    so the index of the low levels holds them all."""
    level = InventoryLevel
    due = (level_facts(window_start(days)).add_columns(level.alert_threshold)
           .where(level.company_id == company_id, level.__table__.c.is_low == sa.true(),
                  level.__table__.c.available_stock + level.incoming <= level.alert_threshold)
           .order_by(level.product_id, level.warehouse_id)
           .with_hint(level, LOW_LEVELS, "mysql"))
    if warehouse_id is not None:
        due = due.where(level.warehouse_id == warehouse_id)
    if supplier_id is not None:
        due = due.where(reorder_supplier_id(level.product_id) == supplier_id)
    for row in db.session.execute(due):
        yield row, row.alert_threshold
