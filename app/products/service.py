"""Catalogue use cases: product types, and products created with their stock in one transaction."""

import sqlalchemy as sa
import sqlalchemy.orm as so
from sqlalchemy.exc import IntegrityError

from app.alerts import read_model
from app.bundles import service as bundle_service
from app.common import csvio
from app.common.chunks import chunks
from app.common.filters import contains
from app.common.integrity import change_named, flush_or_name_taken, flush_or_sku_taken
from app.common.pagination import in_chunks, paginate
from app.common.tenancy import get_owned, scoped
from app.common.transaction import use_case
from app.errors import InUse, ValidationFailed
from app.extensions import db
from app.inventory import service as inventory_service
from app.inventory.models import InventoryLevel
from app.products.domain import sku_key
from app.products.models import Product, ProductType
from app.suppliers import service as supplier_service
from app.suppliers.models import ProductSupplier
from app.warehouses.service import missing_warehouses


# Product types


def list_product_types(company_id: int, page: int, per_page: int) -> dict:
    return paginate(scoped(ProductType, company_id).order_by(ProductType.id), page, per_page)


def get_product_type(company_id: int, type_id: int) -> ProductType:
    return get_owned(ProductType, company_id, type_id)


def create_product_type(company_id: int, name: str, low_stock_threshold: int) -> ProductType:
    with use_case():
        product_type = ProductType(company_id=company_id, low_stock_threshold=low_stock_threshold)
        product_type.rename(name)
        db.session.add(product_type)
        flush_or_name_taken("product type", name)
    return product_type


def update_product_type(company_id: int, type_id: int, changes: dict) -> ProductType:
    with use_case(), read_model.type_threshold_changed(company_id, type_id, when="low_stock_threshold" in changes):
        product_type = get_owned(ProductType, company_id, type_id, for_update=True)
        change_named(product_type, "product type", changes)
    return product_type


def delete_product_type(company_id: int, type_id: int) -> None:
    with use_case():
        db.session.delete(get_owned(ProductType, company_id, type_id))
        try:
            db.session.flush()
        except IntegrityError:
            raise InUse(f"Product type {type_id} is used by products; move them to another type first") from None


# Products


def create_product(company_id: int, user_id: int | None, data: dict) -> Product:
    """Create a product with its initial stock, ledger rows and supplier link, all or nothing."""
    stock = {line["warehouse_id"]: line["quantity"] for line in data.pop("inventory", [])}
    # The original clients' shape: one warehouse, named by a field of its own.
    single_warehouse = data.pop("warehouse_id", None)
    if single_warehouse is not None:
        stock[single_warehouse] = data.pop("initial_quantity", 0)
    supplier_id = data.pop("supplier_id", None)
    with use_case():
        _check_product_type(company_id, data.get("product_type_id"))
        _check_warehouses(company_id, stock, single_warehouse)
        supplier = supplier_service.supplier_for_body(company_id, supplier_id) if supplier_id is not None else None

        product = Product(company_id=company_id, **{k: v for k, v in data.items() if k != "sku"})
        product.change_sku(data["sku"])
        db.session.add(product)
        flush_or_sku_taken(product.sku)
        inventory_service.place_initial_stock(company_id, product.id, stock, user_id)
        if supplier is not None:
            supplier_service.link(product, supplier, {"is_primary": True})
    return get_product(company_id, product.id)


def list_products(company_id: int, page: int, per_page: int, **filters) -> dict:
    statement = _filtered(scoped(Product, company_id), company_id, **filters).order_by(Product.id)
    result = paginate(statement.options(so.selectinload(Product.levels)), page, per_page)
    bundle_service.attach_availability(company_id, result["items"])
    return result


# The products export: the import's columns first (so an exported sheet imports back), the
# supplier being the reorder supplier with the terms of its link; then what the import cannot set.
EXPORT_COLUMNS = [
    "id", "sku", "name", "price", "description", "product_type", "low_stock_threshold", "supplier", "supplier_sku",
    "unit_cost", "lead_time_days", "min_order_qty", "order_multiple", "product_type_id", "is_bundle", "is_active",
    "total_on_hand", "total_available", "total_incoming", "created_at", "updated_at",
]
LINK_TERMS = ("supplier_sku", "unit_cost", "lead_time_days", "min_order_qty", "order_multiple")


def export_products(company_id: int, **filters):
    """Every product list_products would list with these filters, by id, in chunks of EXPORT_COLUMNS rows."""
    statement = _filtered(scoped(Product, company_id), company_id, **filters).options(
        so.selectinload(Product.levels), so.joinedload(Product.product_type))
    return (_export_rows(company_id, chunk) for chunk in in_chunks(statement, Product.id, scalars=True))


def _export_rows(company_id: int, products: list[Product]) -> list[dict]:
    bundle_service.attach_availability(company_id, products)
    links = {link.product_id: link for link in db.session.scalars(
        sa.select(ProductSupplier).join(Product, sa.and_(Product.id == ProductSupplier.product_id,
                                                         Product.reorder_supplier_id == ProductSupplier.supplier_id))
        .where(ProductSupplier.product_id.in_([product.id for product in products]))
        .options(so.joinedload(ProductSupplier.supplier)))}
    rows = []
    for product in products:
        link = links.get(product.id)
        row = {column: getattr(product, column) for column in EXPORT_COLUMNS if hasattr(product, column)}
        row["product_type"] = product.product_type.name if product.product_type else None
        if link is not None:
            row.update({column: getattr(link, column) for column in LINK_TERMS}, supplier=link.supplier.name)
        rows.append(row)
    return csvio.in_order(rows, EXPORT_COLUMNS)


def get_product(company_id: int, product_id: int) -> Product:
    product = db.session.scalar(
        scoped(Product, company_id).where(Product.id == product_id).options(so.selectinload(Product.levels))
    )
    if product is None:
        get_owned(Product, company_id, product_id)  # raises the usual NotFound
    bundle_service.attach_availability(company_id, [product])
    return product


def update_product(company_id: int, product_id: int, changes: dict) -> Product:
    alerting = bool(changes.keys() & {"low_stock_threshold", "product_type_id", "is_active"})
    with use_case():
        # The product's levels first (when its alerts change), then the product: one lock order with
        # stock movements and imports.
        with read_model.product_changed(company_id, product_id, when=alerting):
            product = get_owned(Product, company_id, product_id, for_update=True)
            if "product_type_id" in changes:
                _check_product_type(company_id, changes["product_type_id"])
            if "sku" in changes:
                product.change_sku(changes.pop("sku"))
            for field, value in changes.items():
                setattr(product, field, value)
            flush_or_sku_taken(product.sku)
    return get_product(company_id, product_id)


def archive_product(company_id: int, product_id: int) -> None:
    """Archived products keep their history but leave alerts and take no new movements or orders."""
    with use_case(), read_model.product_changed(company_id, product_id):
        get_owned(Product, company_id, product_id, for_update=True).is_active = False
        db.session.flush()


# What a movement or an order needs of products it names: columns, not entities, in statements
# built once (one product: the common case).
_MOVABLE = sa.select(Product.id, Product.is_active, Product.is_bundle, Product.price).where(
    Product.company_id == sa.bindparam("company_id"))
_MOVABLE_ONE = _MOVABLE.where(Product.id == sa.bindparam("id"))
_MOVABLE_MANY = _MOVABLE.where(Product.id.in_(sa.bindparam("ids", expanding=True)))


def movable_product(company_id: int, product_id: int, *, field: str) -> sa.Row:
    """A product named in a movement or an order (its id, is_active, is_bundle and price): it must
    exist (else 422 on `field`) and be active."""
    return movable_products(company_id, [product_id], field=field)[product_id]


def movable_products(company_id: int, product_ids, *, field: str) -> dict[int, sa.Row]:
    """movable_product for several products, in one query: id → product, in ascending id order.
    The lowest offending id decides the error, as checking them one by one in that order would."""
    wanted = sorted(set(product_ids))
    if len(wanted) == 1:
        found = {row.id: row for row in db.session.execute(_MOVABLE_ONE, {"company_id": company_id, "id": wanted[0]})}
    else:
        found = {row.id: row for chunk in chunks(wanted)
                 for row in db.session.execute(_MOVABLE_MANY, {"company_id": company_id, "ids": chunk})}
    return {product_id: movable(product_id, found.get(product_id), field) for product_id in wanted}


def movable(product_id: int, product: sa.Row | None, field: str) -> sa.Row:
    """The product (a row with its id, is_active and is_bundle) if a movement or an order may name it."""
    if product is None:
        raise ValidationFailed(errors={field: [f"product {product_id} does not exist"]})
    if not product.is_active:
        raise InUse(f"Product {product_id} is archived: it takes no new movements or orders")
    return product


def _filtered(statement, company_id: int, q=None, sku=None, product_type_id=None, supplier_id=None,
              warehouse_id=None, is_bundle=None, is_active=None):
    if q:
        statement = statement.where(sa.or_(contains(Product.name, q), contains(Product.sku, q)))
    if sku:
        statement = statement.where(Product.sku_key == sku_key(sku))
    if product_type_id is not None:
        statement = statement.where(Product.product_type_id == product_type_id)
    if supplier_id is not None:
        statement = statement.where(Product.id.in_(
            sa.select(ProductSupplier.product_id).where(
                ProductSupplier.company_id == company_id, ProductSupplier.supplier_id == supplier_id)))
    if warehouse_id is not None:
        statement = statement.where(Product.id.in_(
            sa.select(InventoryLevel.product_id).where(
                InventoryLevel.company_id == company_id, InventoryLevel.warehouse_id == warehouse_id)))
    if is_bundle is not None:
        statement = statement.where(Product.is_bundle.is_(is_bundle))
    if is_active is not None:
        statement = statement.where(Product.is_active.is_(is_active))
    return statement


def _check_warehouses(company_id: int, stock: dict[int, int], single_warehouse: int | None) -> None:
    missing = missing_warehouses(company_id, stock, placing_stock=True) if stock else []
    if missing:
        errors: dict[str, list[str]] = {}
        for warehouse_id in missing:
            field = "warehouse_id" if warehouse_id == single_warehouse else "inventory"
            errors.setdefault(field, []).append(f"warehouse {warehouse_id} does not exist")
        raise ValidationFailed(errors=errors)


def _check_product_type(company_id: int, product_type_id: int | None) -> None:
    if product_type_id is None:
        return
    exists = db.session.scalar(
        sa.select(ProductType.id).where(ProductType.company_id == company_id, ProductType.id == product_type_id)
    )
    if exists is None:
        raise ValidationFailed(errors={"product_type_id": [f"product type {product_type_id} does not exist"]})
