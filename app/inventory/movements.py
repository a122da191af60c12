"""Recording stock movements: each one locks its levels, changes them and writes the ledger, atomically."""

import uuid

from app import metrics
from app.alerts import read_model
from app.bundles import domain as bundle_domain
from app.bundles.service import check_sellable, load_graph
from app.common.time import utcnow
from app.common.transaction import use_case
from app.errors import BundleHasNoStock, ValidationFailed
from app.inventory import domain, ledger
from app.inventory.models import InventoryLevel, StockMovement
from app.products.service import movable_product
from app.warehouses.service import missing_warehouses

INCREASES = {"receive", "return"}


def record_movement(company_id: int, user_id: int | None, movement: dict) -> tuple[list[StockMovement], list[InventoryLevel]]:
    """Apply one movement; returns its ledger rows and the levels after it."""
    kind, quantity = movement["type"], movement["quantity"]
    with use_case():
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
    return rows, levels


def locked_levels(company_id: int, keys: list[tuple[int, int]], *, create: bool) -> tuple[dict, list[int]]:
    """Lock the levels of these (product, warehouse) keys in ascending id order, creating missing ones
    if asked (and telling the alert read model): the levels by key, and the warehouses of missing
    keys that are not the company's (then nothing is created).

    The common case — every level exists — costs one query: a level of the company proves its
    warehouse is the company's. Only when one is missing are the warehouses checked, with a share
    lock when creating, so that a concurrent deletion of the warehouse waits for these levels.
    """
    levels = ledger.lock_levels(company_id, keys)
    missing = [key for key in keys if key not in levels]
    if not missing:
        return levels, []
    unknown = missing_warehouses(company_id, {warehouse_id for _, warehouse_id in missing}, placing_stock=create)
    if create and not unknown:
        levels.update(ledger.create_levels(company_id, missing))
        read_model.levels_created(company_id, missing)
    return levels, unknown


def _locked(company_id: int, keys: list[tuple[int, int]], *, create: bool, fields: dict[int, str]):
    """locked_levels for a movement: a warehouse not the company's → 422 naming its field in `fields`
    (warehouse id → field name)."""
    levels, unknown = locked_levels(company_id, keys, create=create)
    if unknown:
        raise ValidationFailed(errors={fields[unknown[0]]: [f"warehouse {unknown[0]} does not exist"]})
    return levels


def _change(company_id, product_id, warehouse_id, kind, change, refs):
    key = (product_id, warehouse_id)
    level = _locked(company_id, [key], create=change > 0, fields={warehouse_id: "warehouse_id"}).get(key)
    if level is None:  # a decrease where the product has no level: nothing there to take
        domain.require_available([(product_id, None, -change)])
    level.adjust(change)
    row = ledger.append(level, kind, change, **refs)
    if kind == "sale":
        read_model.sale_counted(level, refs["occurred_at"].date(), -change)
    return [row], [level]


def _transfer(company_id, product_id, source_id, target_id, quantity, refs):
    keys = [(product_id, source_id), (product_id, target_id)]
    levels = _locked(company_id, keys, create=True, fields={source_id: "warehouse_id", target_id: "to_warehouse_id"})
    source, target = levels[keys[0]], levels[keys[1]]
    source.take(quantity)
    target.receive(quantity)
    transfer_id = str(uuid.uuid4())
    rows = [
        ledger.append(source, "transfer", -quantity, transfer_id=transfer_id, **refs),
        ledger.append(target, "transfer", quantity, transfer_id=transfer_id, **refs),
    ]
    return rows, [source, target]


def _count(company_id, product_id, warehouse_id, counted, expected, refs):
    key = (product_id, warehouse_id)
    level = _locked(company_id, [key], create=True, fields={warehouse_id: "warehouse_id"})[key]
    change = level.count_to(counted, expected)
    return [ledger.append(level, "count", change, **refs)], [level]


def _sell_bundle(company_id, bundle, warehouse_id, quantity, refs):
    """A bundle sale is a sale of each component, all or nothing, with rows naming the bundle."""
    graph = load_graph(company_id)
    check_sellable(company_id, graph, [bundle.id], field="product_id")
    units = bundle_domain.explode(graph, bundle.id, quantity)
    keys = [(product_id, warehouse_id) for product_id in sorted(units)]
    levels = _locked(company_id, keys, create=False, fields={warehouse_id: "warehouse_id"})
    domain.require_available((p, levels.get((p, warehouse_id)), n) for p, n in sorted(units.items()))
    rows = []
    for product_id, count in sorted(units.items()):
        level = levels[(product_id, warehouse_id)]
        level.take(count)
        rows.append(ledger.append(level, "sale", -count, bundle_id=bundle.id, **refs))
        read_model.sale_counted(level, refs["occurred_at"].date(), count)
    return rows, [levels[key] for key in keys]
