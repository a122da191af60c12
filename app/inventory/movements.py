"""Recording stock movements: each one locks its levels, changes them and writes the ledger, atomically."""

import uuid

import sqlalchemy as sa

from app import metrics
from app.bundles import domain as bundle_domain
from app.bundles.service import check_sellable, load_graph
from app.common.time import utcnow
from app.common.transaction import commit
from app.errors import BundleHasNoStock, InsufficientStock, InUse, StaleQuantity, ValidationFailed
from app.extensions import db
from app.inventory import ledger
from app.inventory.models import InventoryLevel, StockMovement
from app.inventory.service import missing_warehouses
from app.products.models import Product

INCREASES = {"receive", "return"}
DECREASES = {"sale", "remove"}


def record_movement(company_id: int, user_id: int | None, movement: dict) -> tuple[list[StockMovement], list[InventoryLevel]]:
    """Apply one movement; returns its ledger rows and the levels after it."""
    kind, quantity = movement["type"], movement["quantity"]
    product = movable_product(company_id, movement["product_id"], field="product_id")
    warehouse_id, to_warehouse_id = movement["warehouse_id"], movement.get("to_warehouse_id")
    refs = {
        "reason": movement.get("reason"), "reference": movement.get("reference"), "user_id": user_id,
        "occurred_at": movement.get("occurred_at") or utcnow(),
    }
    if product.is_bundle:
        if kind != "sale":
            raise BundleHasNoStock(f"Product {product.id} is a bundle: {kind} its components instead")
        rows, levels = _sell_bundle(company_id, product, warehouse_id, quantity, refs)
    elif kind == "transfer":
        rows, levels = _transfer(company_id, product.id, warehouse_id, to_warehouse_id, quantity, refs)
    elif kind == "count":
        rows, levels = _count(company_id, product.id, warehouse_id, quantity, movement.get("expected_on_hand"), refs)
    else:
        change = quantity if kind in INCREASES or kind == "adjust" else -quantity
        rows, levels = _change(company_id, product.id, warehouse_id, kind, change, refs)
    metrics.count_on_commit(metrics.STOCK_MOVEMENTS, kind)
    commit()
    return rows, levels


def _locked(company_id: int, keys: list[tuple[int, int]], *, create: bool, fields: dict[int, str]):
    """Lock the levels of these keys, creating missing ones if asked.

    The common case — every level exists — costs one query: a level of the company proves its
    warehouse is the company's. Only when one is missing are the warehouses checked (→ 422 naming
    the field in `fields`: warehouse id → field name).
    """
    levels = ledger.lock_levels(company_id, keys)
    missing = [key for key in keys if key not in levels]
    if missing:
        unknown = missing_warehouses(company_id, {warehouse_id for _, warehouse_id in missing}, placing_stock=create)
        if unknown:
            raise ValidationFailed(errors={fields[unknown[0]]: [f"warehouse {unknown[0]} does not exist"]})
        if create:
            levels.update(ledger.create_levels(company_id, missing))
    return levels


def movable_product(company_id: int, product_id: int, *, field: str) -> Product:
    product = db.session.scalar(sa.select(Product).where(Product.company_id == company_id, Product.id == product_id))
    if product is None:
        raise ValidationFailed(errors={field: [f"product {product_id} does not exist"]})
    if not product.is_active:
        raise InUse(f"Product {product_id} is archived: it takes no new movements or orders")
    return product


def short_of(level: InventoryLevel | None, product_id: int, needed: int) -> dict | None:
    """None when the level can give `needed` units, else what is missing."""
    available = level.available if level else 0
    return None if available >= needed else {"product_id": product_id, "available": available, "requested": needed}


def insufficient(shortages: list[dict]) -> InsufficientStock:
    return InsufficientStock(
        "Not enough available stock for: " + ", ".join(f"product {s['product_id']}" for s in shortages),
        {"available": [f"product {s['product_id']}: {s['available']} available, {s['requested']} requested" for s in shortages]},
        short=shortages,
    )


def _change(company_id, product_id, warehouse_id, kind, change, refs):
    key = (product_id, warehouse_id)
    level = _locked(company_id, [key], create=change > 0, fields={warehouse_id: "warehouse_id"}).get(key)
    if change < 0 and (shortage := short_of(level, product_id, -change)):
        raise insufficient([shortage])
    row = ledger.append(level, kind, change, **refs)
    if kind == "sale":
        ledger.count_sale(level, refs["occurred_at"].date(), -change)
    return [row], [level]


def _transfer(company_id, product_id, source_id, target_id, quantity, refs):
    keys = [(product_id, source_id), (product_id, target_id)]
    levels = _locked(company_id, keys, create=True, fields={source_id: "warehouse_id", target_id: "to_warehouse_id"})
    source, target = levels[keys[0]], levels[keys[1]]
    if shortage := short_of(source, product_id, quantity):
        raise insufficient([shortage])
    transfer_id = str(uuid.uuid4())
    rows = [
        ledger.append(source, "transfer", -quantity, transfer_id=transfer_id, **refs),
        ledger.append(target, "transfer", quantity, transfer_id=transfer_id, **refs),
    ]
    return rows, [source, target]


def _count(company_id, product_id, warehouse_id, counted, expected, refs):
    key = (product_id, warehouse_id)
    level = _locked(company_id, [key], create=True, fields={warehouse_id: "warehouse_id"})[key]
    if expected is not None and level.on_hand != expected:
        raise StaleQuantity(
            f"On hand is {level.on_hand}, not the expected {expected}: count again",
            {"expected_on_hand": [f"on hand is now {level.on_hand}"]},
        )
    if counted < level.reserved:
        raise InsufficientStock(
            f"{level.reserved} units are reserved by pending orders; the count cannot be lower",
            {"quantity": [f"at least {level.reserved} (reserved)"]},
        )
    return [ledger.append(level, "count", counted - level.on_hand, **refs)], [level]


def _sell_bundle(company_id, bundle, warehouse_id, quantity, refs):
    """A bundle sale is a sale of each component, all or nothing, with rows naming the bundle."""
    graph = load_graph(company_id)
    check_sellable(company_id, graph, [bundle.id], field="product_id")
    units = bundle_domain.explode(graph, bundle.id, quantity)
    keys = [(product_id, warehouse_id) for product_id in sorted(units)]
    levels = _locked(company_id, keys, create=False, fields={warehouse_id: "warehouse_id"})
    shortages = [s for p, n in sorted(units.items()) if (s := short_of(levels.get((p, warehouse_id)), p, n))]
    if shortages:
        raise insufficient(shortages)
    rows = []
    for product_id, count in sorted(units.items()):
        level = levels[(product_id, warehouse_id)]
        rows.append(ledger.append(level, "sale", -count, bundle_id=bundle.id, **refs))
        ledger.count_sale(level, refs["occurred_at"].date(), count)
    return rows, [levels[key] for key in keys]
