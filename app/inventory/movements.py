"""Recording stock movements: each one locks its levels, changes them and writes the ledger, atomically."""

import collections
import contextlib
import uuid

import sqlalchemy as sa

from app import metrics
from app.alerts import read_model
from app.bundles import domain as bundle_domain
from app.bundles.service import check_sellable, load_graph
from app.common import csvio
from app.common.chunks import chunks
from app.common.models import name_key
from app.common.time import utcnow
from app.common.transaction import use_case
from app.errors import BundleHasNoStock, DomainError, InUse, ValidationFailed, about
from app.extensions import db
from app.inventory import domain, ledger
from app.inventory import service as inventory_service
from app.inventory.models import InventoryLevel, StockMovement
from app.products.domain import sku_key
from app.products.models import Product
from app.products.service import movable, movable_product, movable_products
from app.warehouses import service as warehouse_service
from app.warehouses.service import missing_warehouses

INCREASES = {"receive", "return"}


def record_movement(company_id: int, user_id: int | None, movement: dict) -> tuple[list[StockMovement], list[InventoryLevel]]:
    """Apply one movement; returns its ledger rows and the levels after it. A batch of one, whose
    refusals name the movement's own fields."""
    return _record(company_id, user_id, [movement], contextlib.nullcontext)


def record_movements(company_id: int, user_id: int | None, items: list[dict]) -> tuple[list[StockMovement], list[InventoryLevel]]:
    """Apply a batch of movements, all or nothing, in the order given: their ledger rows, and each
    level they touched once, as it is after the last of them.

    Every existing level the batch names is locked first, in ascending id order (ledger.lock_levels),
    so concurrent batches over the same levels queue rather than deadlock; a level the batch
    creates (a first receipt) is locked when it is made. A refusal names the item:
    `movements.<index>.<field>`.
    """
    return _record(company_id, user_id, items, _item)


def _record(company_id: int, user_id: int | None, items: list[dict], naming) -> tuple[list[StockMovement], list[InventoryLevel]]:
    """record_movements, where `naming(index)` is the context that names the item a refusal is about."""
    with use_case():
        products, held = _one_stocked(company_id, items, naming) or (None, None)
        if products is None:
            products = _products(company_id, items, naming)
            held = ledger.lock_levels(company_id, _level_keys(company_id, products, items))
        # The levels the items would create (first receipts, counts), all at once rather than one
        # item at a time; with a warehouse not the company's, the item that names it says so below.
        missing = sorted(_creating_keys(products, items) - held.keys())
        if missing:
            created, _ = created_levels(company_id, missing)
            held.update(created)

        def lock(company_id, keys, *, create, fields):
            missing = [key for key in keys if key not in held]
            if missing:
                held.update(_locked(company_id, missing, create=create, fields=fields))
            return {key: held[key] for key in keys if key in held}

        sold = collections.Counter()  # (level, day) → units: counted once each, after the items

        def count_sale(level, day, units):
            sold[(level, day)] += units

        rows, levels = [], {}
        # Nothing is written until every item has been applied: then the levels, a few statements
        # for all of them, the rollup, and the ledger rows as one multi-row insert (ledger.insert).
        with db.session.no_autoflush:
            for index, item in enumerate(items):
                with naming(index):
                    item_rows, item_levels = _apply(company_id, user_id, products[item["product_id"]], item, lock, count_sale)
                rows += item_rows
                levels.update((level.id, level) for level in item_levels)
            read_model.sales_counted((level, day, units) for (level, day), units in sold.items())
            ledger.write_levels(levels.values())
            ledger.insert(rows)
        inventory_service.describe(company_id, levels.values())
    return rows, list(levels.values())


# A stock-take sheet: its columns, and the column a refused movement's field is read from.
COUNT_COLUMNS, COUNT_OPTIONAL = ("sku", "warehouse", "counted"), ("expected",)
_COUNT_CELL = {"product_id": "sku", "warehouse_id": "warehouse", "quantity": "counted", "available": "counted",
               "expected_on_hand": "expected"}


def import_counts(company_id: int, user_id: int | None, rows: list[tuple[int, dict]], errors: dict, *, dry_run: bool = False):
    """A stock-take sheet's checked rows (line, {sku, warehouse, counted, expected?}) as `count`
    movements in one transaction, by record_movements: its ledger rows and levels. The warehouse is
    named by id or by name; a problem (an unknown SKU or warehouse, a level counted twice, and what
    one count movement would refuse) is keyed `"<line>.<column>"` after the sheet's own `errors`.
    A dry run checks and counts all the same (taking the same locks while it runs), then writes
    nothing: its rows, and the levels it would create, have no id."""
    with use_case(rehearsal=dry_run) as unit:
        products = _products_by_sku(company_id, [row["sku"] for _, row in rows])
        by_id, by_name = warehouse_service.references(company_id)
        items, lines, counted_on = [], [], {}
        for line, row in rows:
            product_id = products.get(sku_key(row["sku"]))
            warehouse_id = by_id.get(row["warehouse"]) or by_name.get(name_key(row["warehouse"]))
            if product_id is None:
                csvio.problem(errors, line, "sku", "No product of your company has this SKU.")
            if warehouse_id is None:
                csvio.problem(errors, line, "warehouse", "No warehouse of your company has this name or id.")
            if product_id is None or warehouse_id is None:
                continue
            if (product_id, warehouse_id) in counted_on:
                csvio.problem(errors, line, "sku", f"Counted again at this warehouse: first on line {counted_on[product_id, warehouse_id]}.")
            counted_on.setdefault((product_id, warehouse_id), line)
            items.append({"type": "count", "product_id": product_id, "warehouse_id": warehouse_id, "quantity": row["counted"],
                          "expected_on_hand": row.get("expected"), "reason": "stock-take import"})
            lines.append(line)
        if errors:
            raise ValidationFailed("The sheet has problems: see errors, keyed by line and column; nothing was counted", errors)
        try:
            recorded, levels = record_movements(company_id, user_id, items)
        except DomainError as error:
            raise _by_line(error, lines) from None
        created = [level for level in levels if unit.levels_before.get(level.id, ...) is None]
    if dry_run:
        for thing in (*recorded, *created):
            thing.id = None
    return recorded, levels


def _products_by_sku(company_id: int, skus: list[str]) -> dict[str, int]:
    return {key: product_id for chunk in chunks(sorted({sku_key(sku) for sku in skus})) for key, product_id in db.session.execute(
        sa.select(Product.sku_key, Product.id).where(Product.company_id == company_id, Product.sku_key.in_(chunk)))}


def _by_line(error: DomainError, lines: list[int]) -> DomainError:
    """A refusal naming `movements.<index>[.<field>]` renamed to the sheet's `<line>[.<column>]`; a
    product the sheet cannot count (archived, or a bundle) is a 422 problem of its line's SKU."""
    message = error.message.split(": ", 1)[-1]  # without record_movements' "movements.<index>: "
    renamed = {}
    for key, messages in (error.errors or {}).items():
        _, index, *field = key.split(".", 2)
        line = str(lines[int(index)])
        if isinstance(error, InUse | BundleHasNoStock):
            return ValidationFailed(f"Line {line}: {message}", {f"{line}.sku": [message]})
        renamed[".".join([line, *(_COUNT_CELL.get(name, name) for name in field)])] = messages
    error.errors, error.message = renamed, message
    return error


def _apply(company_id, user_id, product, movement: dict, lock, count_sale):
    kind, quantity = movement["type"], movement["quantity"]
    warehouse_id, to_warehouse_id = movement["warehouse_id"], movement.get("to_warehouse_id")
    refs = {
        "reason": movement.get("reason"), "reference": movement.get("reference"), "user_id": user_id,
        "occurred_at": movement.get("occurred_at") or utcnow(),
    }
    if product.is_bundle:
        if kind != "sale":
            raise BundleHasNoStock(f"Product {product.id} is a bundle: {kind} its components instead")
        result = _sell_bundle(company_id, product, warehouse_id, quantity, refs, lock, count_sale)
    elif kind == "transfer":
        result = _transfer(company_id, product.id, warehouse_id, to_warehouse_id, quantity, refs, lock)
    elif kind == "count":
        result = _count(company_id, product.id, warehouse_id, quantity, movement.get("expected_on_hand"), refs, lock)
    else:
        change = quantity if kind in INCREASES or kind == "adjust" else -quantity
        result = _change(company_id, product.id, warehouse_id, kind, change, refs, lock, count_sale)
    metrics.count_on_commit(metrics.STOCK_MOVEMENTS, kind)
    return result


def _one_stocked(company_id: int, items: list[dict], naming) -> tuple[dict, dict] | None:
    """The common case — one movement at a level that exists, but a transfer — checks its product
    and locks its level in one statement: (products, held levels) as _products and lock_levels
    answer them, or None for every other case, which checks the products first."""
    [item] = items if len(items) == 1 else [None]
    if item is None or item["type"] == "transfer":
        return None
    found = ledger.lock_level_with_product(company_id, item["product_id"], item["warehouse_id"])
    if found is None or found.is_bundle:  # a bundle has no stock of its own: its parts are locked instead
        return None
    level = found.InventoryLevel
    with naming(0):
        product = movable(level.product_id, found, "product_id")
    return {level.product_id: product}, {(level.product_id, level.warehouse_id): level}


def _products(company_id: int, items: list[dict], naming) -> dict:
    """The batch's products in one query; an unknown or archived one is refused naming its first item."""
    try:
        return movable_products(company_id, [item["product_id"] for item in items], field="product_id")
    except DomainError:
        for index, item in enumerate(items):
            with naming(index):
                movable_product(company_id, item["product_id"], field="product_id")
        raise


def _level_keys(company_id: int, products: dict, items: list[dict]) -> set:
    """Every (product, warehouse) the batch moves stock at: both ends of a transfer, a bundle's parts."""
    keys, graph = set(), None
    for item in items:
        product, warehouse_id = products[item["product_id"]], item["warehouse_id"]
        if product.is_bundle:
            graph = graph or load_graph(company_id)
            if item["type"] == "sale" and product.id in graph:
                keys.update((part, warehouse_id) for part in bundle_domain.explode(graph, product.id, 1))
            continue
        keys.add((product.id, warehouse_id))
        if item["type"] == "transfer":
            keys.add((product.id, item["to_warehouse_id"]))
    return keys


def _creating_keys(products: dict, items: list[dict]) -> set:
    """The (product, warehouse) levels the items would create where missing: what they add stock to or count."""
    keys = set()
    for item in items:
        kind, product_id = item["type"], item["product_id"]
        if products[product_id].is_bundle:
            continue
        if kind in INCREASES or kind == "count" or (kind == "adjust" and item["quantity"] > 0):
            keys.add((product_id, item["warehouse_id"]))
        elif kind == "transfer":
            keys.update({(product_id, item["warehouse_id"]), (product_id, item["to_warehouse_id"])})
    return keys


def _item(index: int):
    """Name the batch item a refusal is about: `movements.<index>.<field>`."""
    return about(f"movements.{index}")


def locked_levels(company_id: int, keys: list[tuple[int, int]], *, create: bool) -> tuple[dict, list[int]]:
    """Lock the levels of these (product, warehouse) keys in ascending id order, creating missing ones
    if asked (created_levels): the levels by key, and the warehouses of missing keys that are not the
    company's (then nothing is created).

    The common case — every level exists — costs one query: a level of the company proves its
    warehouse is the company's.
    """
    levels = ledger.lock_levels(company_id, keys)
    missing = [key for key in keys if key not in levels]
    if not missing:
        return levels, []
    if not create:
        return levels, missing_warehouses(company_id, {warehouse_id for _, warehouse_id in missing}, placing_stock=False)
    created, unknown = created_levels(company_id, missing)
    return {**levels, **created}, unknown


def created_levels(company_id: int, keys: list[tuple[int, int]]) -> tuple[dict, list[int]]:
    """Create the levels of these keys, which the caller found missing, lock them and tell the alert
    read model: the levels by key (one a concurrent request created first is locked as it is), and the
    warehouses that are not the company's (then nothing is created). The warehouses are checked
    with a share lock, so that a concurrent deletion of one waits for these levels."""
    unknown = missing_warehouses(company_id, {warehouse_id for _, warehouse_id in keys}, placing_stock=True)
    if unknown:
        return {}, unknown
    read_model.creating_levels(company_id, keys)
    created = ledger.create_levels(company_id, keys)
    read_model.levels_created(company_id, created.values())
    return created, []


def _locked(company_id: int, keys: list[tuple[int, int]], *, create: bool, fields: dict[int, str]):
    """locked_levels for a movement: a warehouse not the company's → 422 naming its field in `fields`
    (warehouse id → field name)."""
    levels, unknown = locked_levels(company_id, keys, create=create)
    if unknown:
        raise ValidationFailed(errors={fields[unknown[0]]: [f"warehouse {unknown[0]} does not exist"]})
    return levels


def _change(company_id, product_id, warehouse_id, kind, change, refs, lock, count_sale):
    key = (product_id, warehouse_id)
    level = lock(company_id, [key], create=change > 0, fields={warehouse_id: "warehouse_id"}).get(key)
    if level is None:  # a decrease where the product has no level: nothing there to take
        domain.require_available([(product_id, None, -change)])
    level.adjust(change)
    row = ledger.entry(level, kind, change, **refs)
    if kind == "sale":
        count_sale(level, refs["occurred_at"].date(), -change)
    return [row], [level]


def _transfer(company_id, product_id, source_id, target_id, quantity, refs, lock):
    keys = [(product_id, source_id), (product_id, target_id)]
    levels = lock(company_id, keys, create=True, fields={source_id: "warehouse_id", target_id: "to_warehouse_id"})
    source, target = levels[keys[0]], levels[keys[1]]
    source.take(quantity)
    target.receive(quantity)
    transfer_id = str(uuid.uuid4())
    rows = [
        ledger.entry(source, "transfer", -quantity, transfer_id=transfer_id, **refs),
        ledger.entry(target, "transfer", quantity, transfer_id=transfer_id, **refs),
    ]
    return rows, [source, target]


def _count(company_id, product_id, warehouse_id, counted, expected, refs, lock):
    key = (product_id, warehouse_id)
    level = lock(company_id, [key], create=True, fields={warehouse_id: "warehouse_id"})[key]
    change = level.count_to(counted, expected)
    return [ledger.entry(level, "count", change, **refs)], [level]


def _sell_bundle(company_id, bundle, warehouse_id, quantity, refs, lock, count_sale):
    """A bundle sale is a sale of each component, all or nothing, with rows naming the bundle."""
    graph = load_graph(company_id)
    check_sellable(company_id, graph, [bundle.id], field="product_id")
    units = bundle_domain.explode(graph, bundle.id, quantity)
    keys = [(product_id, warehouse_id) for product_id in sorted(units)]
    levels = lock(company_id, keys, create=False, fields={warehouse_id: "warehouse_id"})
    domain.require_available((p, levels.get((p, warehouse_id)), n) for p, n in sorted(units.items()))
    rows = []
    for product_id, count in sorted(units.items()):
        level = levels[(product_id, warehouse_id)]
        level.take(count)
        rows.append(ledger.entry(level, "sale", -count, bundle_id=bundle.id, **refs))
        count_sale(level, refs["occurred_at"].date(), count)
    return rows, [levels[key] for key in keys]
