"""A large, consistent dataset for benchmarks: one company with many products, levels and sales.

Written with bulk inserts, not through the use cases, yet it keeps every invariant the API keeps:
each level's on_hand is the sum of its ledger rows (one `receive`, then its `sale` rows in order),
`daily_sales` holds exactly the units of those sale rows per level and day, with their running
total, and each level the total and the day of its latest sale.
"""

import datetime as dt
import random
from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa

from app.alerts import read_model
from app.auth import service as auth_service
from app.common.time import utcnow
from app.common.transaction import use_case
from app.extensions import db
from app.inventory.models import DailySale, InventoryLevel, StockMovement
from app.products.domain import sku_key
from app.products.models import Product, ProductType
from app.purchasing.models import PurchaseOrder, PurchaseOrderLine
from app.suppliers.models import ProductSupplier, Supplier
from app.suppliers.service import LEAD_TIME_DAYS, refresh_reorder_suppliers, with_reorder_link
from app.warehouses.models import Warehouse

BATCH = 10_000
TYPE_THRESHOLDS = [5, 10, 15, 20, 25, 30, 40, 50]
SUPPLIERS = 40


@dataclass
class ScaleSummary:
    company_id: int
    email: str
    products: int
    levels: int
    sale_lines: int
    daily_sales_rows: int
    purchase_orders: int = 0


def seed_scale(email: str, password: str, products: int, warehouses: int, sale_lines: int, days: int,
               seed: int = 42, low_share: float = 0.15, open_po_share: float = 0.0) -> ScaleSummary:
    """Create the company, then its catalogue, levels, ledger and rollup in bulk; commits as it goes."""
    rng = random.Random(seed)
    company, _user, _token, _api_token = auth_service.register(f"Scale Co. {email}", email, password, "Scale Admin")
    company_id, now = company.id, utcnow()

    warehouse_ids = _insert_returning_ids(Warehouse, [
        {"company_id": company_id, "name": f"Warehouse {n}", "name_key": f"warehouse {n}", "created_at": now,
         "updated_at": now, "is_active": True}
        for n in range(1, warehouses + 1)
    ])
    type_ids = _insert_returning_ids(ProductType, [
        {"company_id": company_id, "name": f"Type {t}", "name_key": f"type {t}", "low_stock_threshold": t,
         "created_at": now, "updated_at": now}
        for t in TYPE_THRESHOLDS
    ])
    supplier_ids = _insert_returning_ids(Supplier, [
        {"company_id": company_id, "name": f"Supplier {n}", "contact_email": f"orders{n}@supplier{n}.example",
         "lead_time_days": rng.randint(2, 21), "created_at": now, "updated_at": now}
        for n in range(1, SUPPLIERS + 1)
    ])
    product_ids = _insert_returning_ids(Product, [
        {"company_id": company_id, "sku": (sku := f"SC{company_id}-{n:07d}"), "sku_key": sku_key(sku),
         "name": f"Scale product {n}", "price": Decimal(rng.randint(100, 99_999)) / 100,
         "product_type_id": rng.choice(type_ids),
         # A tenth of the products carry their own threshold, the rest inherit their type's.
         "low_stock_threshold": rng.choice(TYPE_THRESHOLDS) if rng.random() < 0.1 else None,
         "is_bundle": False, "is_active": True, "created_at": now, "updated_at": now}
        for n in range(1, products + 1)
    ])
    _insert(ProductSupplier, _supplier_links(rng, company_id, product_ids, supplier_ids, now))
    with use_case():
        refresh_reorder_suppliers(product_ids)

    levels = [(p, w) for p in product_ids for w in warehouse_ids]
    sales = _sales_per_level(rng, len(levels), sale_lines)
    level_rows, ledger, rollup = [], [], {}
    for (product_id, warehouse_id), sold in zip(levels, sales):
        # Most levels end well stocked; low_share of them end low (1–60 units) or empty, half each.
        on_hand = rng.choice([0, rng.randint(1, 60)]) if rng.random() < low_share else rng.randint(61, 500)
        level_rows.append({"company_id": company_id, "product_id": product_id, "warehouse_id": warehouse_id,
                           "on_hand": on_hand, "reserved": 0, "updated_at": now})
        ledger.extend(_level_ledger(rng, company_id, product_id, warehouse_id, on_hand, sold, days, now, rollup))
    # Recorded in time order, as a live ledger is: ids then follow occurred_at.
    ledger.sort(key=lambda row: row["occurred_at"])
    _insert(StockMovement, ledger)
    rollup_rows, totals = _rollup_rows(company_id, rollup)
    for row in level_rows:
        row["units_sold"], row["last_sold_on"] = totals.get((row["product_id"], row["warehouse_id"]), (0, None))
    _insert(InventoryLevel, level_rows)
    with use_case():
        read_model.recount_thresholds(company_id)
    _insert(DailySale, rollup_rows)
    orders = add_open_purchase_orders(company_id, open_po_share, seed) if open_po_share else 0
    return ScaleSummary(company_id, email, len(product_ids), len(levels), sum(sales), len(rollup), orders)


def add_open_purchase_orders(company_id: int, share: float, seed: int = 42) -> int:
    """Put `share` of the company's levels on order: ordered purchase orders to each level's reorder
    supplier, up to 50 lines each per (supplier, warehouse), and each level's incoming to match.
    Returns how many orders it wrote."""
    rng, now = random.Random(seed + 1), utcnow()
    level = InventoryLevel
    rows = db.session.execute(
        with_reorder_link(
            sa.select(level.id, level.product_id, level.warehouse_id, ProductSupplier.supplier_id, LEAD_TIME_DAYS,
                      ProductSupplier.unit_cost)
            .join(Product, Product.id == level.product_id))
        .where(level.company_id == company_id, ProductSupplier.supplier_id.is_not(None)).order_by(level.id)).all()
    chosen = sorted(rng.sample(rows, int(len(rows) * share)), key=lambda row: (row[3], row[2], row[0]))
    groups: dict[tuple[int, int], list] = {}
    for row in chosen:
        groups.setdefault((row[3], row[2]), []).append(row)
    orders, lines = [], []
    for (supplier_id, warehouse_id), members in groups.items():  # in key order, as `chosen` is sorted
        for start in range(0, len(members), 50):
            batch = members[start:start + 50]
            lead = max((row[4] or 0) for row in batch)
            orders.append({"company_id": company_id, "supplier_id": supplier_id, "warehouse_id": warehouse_id,
                           "status": "ordered", "reference": f"SCALE-PO-{len(orders) + 1}", "ordered_at": now,
                           "expected_at": now + dt.timedelta(days=lead + rng.randint(-3, 3)), "created_at": now,
                           "updated_at": now})
            lines.append([(row, rng.randint(10, 200)) for row in batch])
    order_ids = _insert_returning_ids(PurchaseOrder, orders)
    _insert(PurchaseOrderLine, [
        {"purchase_order_id": order_id, "company_id": company_id, "product_id": row[1], "quantity": quantity,
         "received_quantity": 0, "unit_cost": row[5] or Decimal("1.00")}
        for order_id, batch in zip(order_ids, lines) for row, quantity in batch
    ])
    incoming = [{"level_id": row[0], "units": quantity} for batch in lines for row, quantity in batch]
    with use_case():
        db.session.execute(sa.update(InventoryLevel.__table__).where(InventoryLevel.__table__.c.id == sa.bindparam("level_id"))
                           .values(incoming=InventoryLevel.__table__.c.incoming + sa.bindparam("units")), incoming)
    return len(order_ids)


def _supplier_links(rng, company_id, product_ids, supplier_ids, now) -> list[dict]:
    """One to three suppliers per product; seven in ten products name one of them primary."""
    rows = []
    for product_id in product_ids:
        chosen = rng.sample(supplier_ids, rng.randint(1, 3))
        primary = rng.choice(chosen) if rng.random() < 0.7 else None
        rows.extend(
            {"company_id": company_id, "product_id": product_id, "supplier_id": supplier_id,
             "lead_time_days": rng.choice([None, rng.randint(1, 30)]), "min_order_qty": rng.choice([1, 10, 50]),
             "primary_flag": True if supplier_id == primary else None, "created_at": now, "updated_at": now,
             "unit_cost": Decimal(rng.randint(50, 50_000)) / 100, "order_multiple": rng.choice([1, 1, 1, 6, 12])}
            for supplier_id in chosen
        )
    return rows


def _sales_per_level(rng, levels: int, sale_lines: int) -> list[int]:
    """Sale lines per level, skewed as real demand is: a few levels sell a lot, many sell little."""
    weights = [rng.paretovariate(1.5) for _ in range(levels)]
    total = sum(weights)
    counts = [int(sale_lines * weight / total) for weight in weights]
    for index in rng.sample(range(levels), sale_lines - sum(counts)):
        counts[index] += 1
    return counts


def _level_ledger(rng, company_id, product_id, warehouse_id, on_hand, sold, days, now, rollup) -> list[dict]:
    """A receive of everything ever held, then each sale in time order, ending at on_hand."""
    quantities = [rng.choice((1, 1, 1, 2, 3)) for _ in range(sold)]
    times = sorted(now - dt.timedelta(seconds=rng.uniform(0, days * 86_400 - 1)) for _ in range(sold))
    balance = on_hand + sum(quantities)
    start = (times[0] if times else now) - dt.timedelta(hours=1)
    rows = [_row(company_id, product_id, warehouse_id, "receive", balance, balance, start, now)]
    for quantity, occurred_at in zip(quantities, times):
        balance -= quantity
        rows.append(_row(company_id, product_id, warehouse_id, "sale", -quantity, balance, occurred_at, now))
        key = (product_id, warehouse_id, occurred_at.date())
        rollup[key] = rollup.get(key, 0) + quantity
    return rows


def _rollup_rows(company_id, rollup) -> tuple[list[dict], dict]:
    """The daily_sales rows with their running totals, and each level's (units sold, last sale day)."""
    rows, totals = [], {}
    for (product_id, warehouse_id, day), units in sorted(rollup.items()):
        to_date = totals.get((product_id, warehouse_id), (0, None))[0] + units
        totals[(product_id, warehouse_id)] = (to_date, day)
        rows.append({"company_id": company_id, "product_id": product_id, "warehouse_id": warehouse_id, "day": day,
                     "units": units, "units_to_date": to_date})
    return rows, totals


def _row(company_id, product_id, warehouse_id, type, change, after, occurred_at, now) -> dict:
    return {"company_id": company_id, "product_id": product_id, "warehouse_id": warehouse_id, "type": type,
            "quantity_change": change, "on_hand_after": after, "occurred_at": occurred_at, "created_at": now,
            "reason": "scale data" if type == "receive" else None}


def _insert(model, rows: list[dict]) -> None:
    with use_case():
        for start in range(0, len(rows), BATCH):
            db.session.execute(sa.insert(model.__table__), rows[start:start + BATCH])


def _insert_returning_ids(model, rows: list[dict]) -> list[int]:
    """Insert in bulk and read the ids back in insertion order (the company's rows of this table)."""
    _insert(model, rows)
    return list(db.session.scalars(
        sa.select(model.id).where(model.company_id == rows[0]["company_id"]).order_by(model.id)
    )) if rows else []
