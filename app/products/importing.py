"""Importing the catalogue from a CSV sheet: products created or updated by SKU, with their product
type and supplier named, all or nothing.

The sheet is checked whole before anything is written, so every problem is answered at once.
Everything is then written with a few set-based statements per 1,000 rows, not row by row: 20,000
products take seconds.
"""

import dataclasses

import sqlalchemy as sa

from app.alerts import read_model
from app.common import csvio
from app.common.chunks import chunks
from app.common.integrity import violates
from app.common.models import name_key
from app.common.time import utcnow
from app.common.transaction import use_case
from app.common.upsert import upsert
from app.companies.models import Company
from app.errors import SkuTaken, ValidationFailed
from app.extensions import db
from app.products.domain import sku_key
from app.products.models import Product, ProductType
from app.products.service import EXPORT_COLUMNS
from app.suppliers.models import ProductSupplier, Supplier
from app.suppliers.service import refresh_reorder_suppliers

REQUIRED = ("sku", "name", "price")
OPTIONAL = ("description", "product_type", "low_stock_threshold", "supplier", "supplier_sku", "unit_cost",
            "lead_time_days", "min_order_qty", "order_multiple")
# Columns of the products export that the import reads past, so an exported sheet imports back.
EXPORT_ONLY = tuple(column for column in EXPORT_COLUMNS if column not in REQUIRED + OPTIONAL)
PRODUCT_FIELDS = ("name", "price", "description", "low_stock_threshold")
TERMS = ("supplier_sku", "unit_cost", "lead_time_days", "min_order_qty", "order_multiple")


@dataclasses.dataclass
class _Plan:
    """What the import would do: rows for new products, changes of existing ones, links to write."""

    new: list[tuple[int, dict]] = dataclasses.field(default_factory=list)
    changes: dict[int, dict] = dataclasses.field(default_factory=dict)  # product id → changed fields
    links: list[tuple[str, dict]] = dataclasses.field(default_factory=list)  # (sku key, link terms)
    updated: set[int] = dataclasses.field(default_factory=set)
    unchanged: int = 0


def import_products(company_id: int, sheet: csvio.Sheet, schema, *, dry_run: bool) -> dict:
    """Create or update the sheet's products (see the module); `{created, updated, unchanged, dry_run}`.
    Any problem → ValidationFailed keyed `"<line>.<column>"`, and nothing is written."""
    rows, errors = csvio.checked_rows(sheet, schema)
    _check_file(sheet, rows, errors)
    names_thresholds = any("product_type" in row or "low_stock_threshold" in row for _, row in rows)
    try:
        with use_case():
            # A change of a product's threshold or type moves its levels' alert thresholds: their
            # levels are locked first, as every such change locks them (read_model), here all the
            # company's at once. A dry run changes nothing and locks nothing.
            with read_model.company_thresholds_changed(company_id, when=names_thresholds and not dry_run):
                if not dry_run:
                    # One import of the company at a time: two would create the same supplier twice.
                    db.session.execute(sa.select(Company.id).where(Company.id == company_id).with_for_update())
                existing, taken = _existing(company_id, [sku_key(row["sku"]) for _, row in rows], lock=not dry_run)
                types = _named(ProductType, company_id)
                suppliers = _suppliers(company_id, rows)
                links = _links(company_id, [product.id for product in existing.values()])
                plan = _plan(rows, existing, taken, types, suppliers, links, errors)
                if errors:
                    raise ValidationFailed("The file has problems: see errors, keyed by line and column; nothing was imported", errors)
                if not dry_run:
                    _apply(company_id, plan, rows, existing, types, suppliers, links)
    except sa.exc.IntegrityError as error:
        if violates(error, "sku_key"):
            raise SkuTaken("A SKU of the file was created by another request during the import; nothing was imported: send the file again") from None
        raise
    return {"created": len(plan.new), "updated": len(plan.updated), "unchanged": plan.unchanged, "dry_run": dry_run}


def _check_file(sheet: csvio.Sheet, rows: list[tuple[int, dict]], errors: dict) -> None:
    # Every line's SKU, those of lines with a bad cell elsewhere too: all problems at once.
    first_line: dict[str, int] = {}
    for line, cells in sheet.rows:
        if "sku" not in cells or f"{line}.sku" in errors:
            continue
        key = sku_key(cells["sku"])
        if key in first_line:
            csvio.problem(errors, line, "sku", f"The SKU appears again: first on line {first_line[key]}.")
        first_line.setdefault(key, line)
    for line, row in rows:
        terms = [column for column in TERMS if column in row]
        if terms and "supplier" not in row:
            csvio.problem(errors, line, "supplier", f"Needed for {', '.join(terms)}: name the supplier.")


def _existing(company_id: int, keys: list[str], *, lock: bool) -> tuple[dict[str, Product], set[str]]:
    """The company's products with these SKU keys (locked when importing), by key; and the keys
    that other companies' products hold."""
    found, taken = {}, set()
    for chunk in chunks(sorted(set(keys))):
        statement = sa.select(Product).where(Product.company_id == company_id, Product.sku_key.in_(chunk))
        found.update((product.sku_key, product) for product in db.session.scalars(
            statement.order_by(Product.id).with_for_update() if lock else statement))
        taken.update(db.session.scalars(sa.select(Product.sku_key).where(
            Product.sku_key.in_(chunk), Product.company_id != company_id)))
    return found, taken


def _named(model, company_id: int) -> dict[str, object]:
    return {row.name_key: row for row in db.session.scalars(sa.select(model).where(model.company_id == company_id))}


def _suppliers(company_id: int, rows) -> dict[str, list[Supplier]]:
    """The company's suppliers the sheet names, by folded name (supplier names need not be unique)."""
    named = {name_key(row["supplier"]) for _, row in rows if "supplier" in row}
    if not named:
        return {}
    by_name: dict[str, list[Supplier]] = {}
    for supplier in db.session.scalars(sa.select(Supplier).where(Supplier.company_id == company_id).order_by(Supplier.id)):
        if name_key(supplier.name) in named:
            by_name.setdefault(name_key(supplier.name), []).append(supplier)
    return by_name


def _meant_suppliers(row: dict, product: Product | None, suppliers: dict, links: dict) -> list[Supplier]:
    """The suppliers a row's `supplier` may mean: none (the import creates it), the one of that name,
    or, where several share it, the one the product is linked to (as its export names it) — more
    than one is ambiguous."""
    candidates = suppliers.get(name_key(row["supplier"]), [])
    if len(candidates) > 1 and product is not None:
        return [supplier for supplier in candidates if (product.id, supplier.id) in links] or candidates
    return candidates


def _links(company_id: int, product_ids: list[int]) -> dict[tuple[int, int], ProductSupplier]:
    links = {}
    for chunk in chunks(sorted(product_ids)):
        links.update(((link.product_id, link.supplier_id), link) for link in db.session.scalars(
            sa.select(ProductSupplier).where(ProductSupplier.company_id == company_id, ProductSupplier.product_id.in_(chunk))))
    return links


def _plan(rows, existing: dict, taken: set, types: dict, suppliers: dict, links: dict, errors: dict) -> _Plan:
    plan = _Plan()
    for line, row in rows:
        key = sku_key(row["sku"])
        if key in taken:
            csvio.problem(errors, line, "sku", "Already in use by another company: SKUs are unique across the platform.")
            continue
        product = existing.get(key)
        supplier = None
        if "supplier" in row:
            candidates = _meant_suppliers(row, product, suppliers, links)
            if len(candidates) > 1:
                csvio.problem(errors, line, "supplier",
                              "Several of your suppliers have this name, and the product is linked to none or several of them: "
                              "rename one of them first.")
            supplier = candidates[0] if len(candidates) == 1 else None
        if product is None:
            for column in ("name", "price"):
                if column not in row:
                    csvio.problem(errors, line, column, "Required for a new product.")
            plan.new.append((line, row))
        else:
            changed = {field: row[field] for field in PRODUCT_FIELDS if field in row and row[field] != getattr(product, field)}
            if "product_type" in row:
                product_type = types.get(name_key(row["product_type"]))
                if product_type is None or product_type.id != product.product_type_id:
                    changed["product_type"] = row["product_type"]
            if changed:
                plan.changes[product.id] = changed
            link_changed = "supplier" in row and _link_changes(product, row, supplier, links)
            if changed or link_changed:
                plan.updated.add(product.id)
            else:
                plan.unchanged += 1
        if "supplier" in row:
            plan.links.append((key, {"supplier_id": supplier and supplier.id,
                                     **{column: row[column] for column in (*TERMS, "supplier") if column in row}}))
    return plan


def _link_changes(product: Product, row: dict, supplier: Supplier | None, links: dict) -> bool:
    link = links.get((product.id, supplier.id)) if supplier is not None else None
    return link is None or any(getattr(link, column) != row[column] for column in TERMS if column in row)


def _apply(company_id: int, plan: _Plan, rows, existing: dict, types: dict, suppliers: dict, links: dict) -> None:
    now = utcnow()
    default_threshold = db.session.get(Company, company_id).default_low_stock_threshold
    type_ids = _create_named_types(company_id, rows, types, default_threshold, now)
    supplier_ids = _create_suppliers(company_id, rows, suppliers, now)
    if plan.new:
        # The first named supplier of a new product is its primary, and so its reorder supplier.
        db.session.execute(sa.insert(Product), [{
            "company_id": company_id, "sku": row["sku"], "sku_key": sku_key(row["sku"]), "name": row["name"],
            "price": row["price"], "description": row.get("description"),
            "product_type_id": type_ids.get(name_key(row["product_type"])) if "product_type" in row else None,
            "low_stock_threshold": row.get("low_stock_threshold"), "is_bundle": False, "is_active": True,
            "reorder_supplier_id": supplier_ids.get(name_key(row["supplier"])) if "supplier" in row else None,
            "created_at": now, "updated_at": now,
        } for _, row in plan.new])
    updates = []
    for product_id, changed in plan.changes.items():
        update = {"id": product_id, "updated_at": now, **{field: changed[field] for field in PRODUCT_FIELDS if field in changed}}
        if "product_type" in changed:
            update["product_type_id"] = type_ids[name_key(changed["product_type"])]
        updates.append(update)
    if updates:
        db.session.execute(sa.update(Product), updates)
    _write_links(company_id, plan, existing, supplier_ids, links, now)


def _create_named_types(company_id: int, rows, types: dict, threshold: int, now) -> dict[str, int]:
    """Product types the sheet names that the company lacks, created with the company's default
    threshold: name key → id of every type."""
    missing = _missing(rows, "product_type", types)
    if missing:
        # A type created meanwhile through the API is kept as it is, and used.
        upsert(ProductType.__table__, [
            {"company_id": company_id, "name": name, "name_key": key, "low_stock_threshold": threshold,
             "created_at": now, "updated_at": now} for key, name in missing.items()])
        types.update(_named(ProductType, company_id))
    return {key: product_type.id for key, product_type in types.items()}


def _create_suppliers(company_id: int, rows, suppliers: dict, now) -> dict[str, int]:
    """Suppliers the sheet names that the company lacks, created with only their name: name key → id."""
    missing = _missing(rows, "supplier", suppliers)
    if missing:
        db.session.execute(sa.insert(Supplier), [
            {"company_id": company_id, "name": name, "created_at": now, "updated_at": now} for name in missing.values()])
        for supplier in db.session.scalars(sa.select(Supplier).where(
                Supplier.company_id == company_id, Supplier.name.in_(list(missing.values()))).order_by(Supplier.id)):
            suppliers.setdefault(name_key(supplier.name), [supplier])
    return {key: named[0].id for key, named in suppliers.items() if len(named) == 1}


def _missing(rows, column: str, known: dict) -> dict[str, str]:
    """The names in `column` that `known` (by name key) lacks: name key → the name as first written."""
    missing = {}
    for _, row in rows:
        if column in row and name_key(row[column]) not in known:
            missing.setdefault(name_key(row[column]), row[column])
    return missing


def _write_links(company_id: int, plan: _Plan, existing: dict, supplier_ids: dict, links: dict, now) -> None:
    """Create or update the links the sheet gives. A new link is its product's primary when the
    product has none; the products whose links changed get their reorder supplier worked out again."""
    if not plan.links:
        return
    ids = dict(_product_ids(plan, existing))
    has_primary = {product_id for (product_id, _), link in links.items() if link.primary_flag}
    inserts, updates, relinked = [], [], []
    for key, terms in plan.links:
        product_id, supplier_id = ids[key], terms["supplier_id"] or supplier_ids[name_key(terms["supplier"])]
        given = {column: terms[column] for column in TERMS if column in terms}
        link = links.get((product_id, supplier_id))
        if link is None:
            primary = product_id not in has_primary
            has_primary.add(product_id)
            inserts.append({"company_id": company_id, "product_id": product_id, "supplier_id": supplier_id,
                            "supplier_sku": None, "unit_cost": None, "lead_time_days": None, "min_order_qty": 1,
                            "order_multiple": 1, **given, "primary_flag": True if primary else None,
                            "created_at": now, "updated_at": now})
            if key in existing:
                relinked.append(product_id)
        elif any(getattr(link, column) != value for column, value in given.items()):
            updates.append({"id": link.id, **given, "updated_at": now})
    for chunk in chunks(inserts):
        db.session.execute(sa.insert(ProductSupplier), chunk)
    if updates:
        db.session.execute(sa.update(ProductSupplier), updates)
    for chunk in chunks(sorted(relinked)):
        refresh_reorder_suppliers(chunk)


def _product_ids(plan: _Plan, existing: dict):
    """SKU key → product id of every product the sheet names: the existing ones, then the new ones
    (read back after their insert)."""
    yield from ((key, product.id) for key, product in existing.items())
    new_keys = [sku_key(row["sku"]) for _, row in plan.new]
    for chunk in chunks(new_keys):
        yield from db.session.execute(sa.select(Product.sku_key, Product.id).where(Product.sku_key.in_(chunk))).all()
