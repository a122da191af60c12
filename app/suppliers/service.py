"""Supplier use cases, and the links saying which supplier provides which product on what terms."""

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.common.filters import contains
from app.common.pagination import paginate
from app.common.tenancy import get_owned, scoped
from app.common.transaction import use_case
from app.errors import InUse, NotFound, ValidationFailed
from app.extensions import db
from app.products.models import Product
from app.purchasing.models import PurchaseOrder
from app.suppliers.models import ProductSupplier, Supplier


def list_suppliers(company_id: int, page: int, per_page: int, q: str | None = None) -> dict:
    statement = scoped(Supplier, company_id).order_by(Supplier.id)
    if q:
        statement = statement.where(contains(Supplier.name, q))
    return paginate(statement, page, per_page)


def get_supplier(company_id: int, supplier_id: int) -> Supplier:
    return get_owned(Supplier, company_id, supplier_id)


def create_supplier(company_id: int, **fields) -> Supplier:
    with use_case():
        supplier = Supplier(company_id=company_id, **fields)
        db.session.add(supplier)
    return supplier


def update_supplier(company_id: int, supplier_id: int, changes: dict) -> Supplier:
    with use_case():
        supplier = get_owned(Supplier, company_id, supplier_id, for_update=True)
        for field, value in changes.items():
            setattr(supplier, field, value)
    return supplier


def delete_supplier(company_id: int, supplier_id: int) -> None:
    """Delete a supplier and its product links (the links only describe terms; no stock depends on them).
    A supplier that purchase orders name stays: 409 in_use."""
    with use_case():
        supplier = get_owned(Supplier, company_id, supplier_id)
        if db.session.scalar(sa.select(PurchaseOrder.id).where(PurchaseOrder.supplier_id == supplier.id).limit(1)):
            raise InUse(f"Supplier {supplier_id} has purchase orders; it is kept for them")
        # Every change of a product's links locks the product first: its products, in id order.
        linked = db.session.scalars(sa.select(ProductSupplier.product_id).where(ProductSupplier.supplier_id == supplier.id))
        db.session.execute(sa.select(Product.id).where(Product.id.in_(linked.all())).order_by(Product.id).with_for_update())
        db.session.execute(sa.delete(ProductSupplier).where(ProductSupplier.supplier_id == supplier.id))
        # Those it was the reorder supplier of (read as committed: a link made meanwhile counts) get another.
        refresh_reorder_suppliers(db.session.scalars(
            sa.select(Product.id).where(Product.company_id == company_id, Product.reorder_supplier_id == supplier.id)
            .order_by(Product.id).with_for_update()).all())
        db.session.delete(supplier)


def list_links(company_id: int, product_id: int, page: int, per_page: int) -> dict:
    get_owned(Product, company_id, product_id)
    return paginate(
        scoped(ProductSupplier, company_id)
        .where(ProductSupplier.product_id == product_id)
        .order_by(ProductSupplier.supplier_id)
        .options(so.joinedload(ProductSupplier.supplier)),
        page, per_page,
    )


def set_link(company_id: int, product_id: int, supplier_id: int, terms: dict) -> ProductSupplier:
    """Create or update the link; making it primary clears the product's other primary, atomically."""
    with use_case():
        # Locking the product serializes concurrent changes of its primary supplier.
        product = get_owned(Product, company_id, product_id, for_update=True)
        link_row = link(product, get_owned(Supplier, company_id, supplier_id), terms)
    return link_row


def reorder_supplier_id(product_id):
    """The product's reorder supplier, worked out from its links: its primary supplier, else its linked
    supplier with the lowest id. Stored as Product.reorder_supplier_id (refresh_reorder_suppliers)."""
    link = so.aliased(ProductSupplier)
    of_product = sa.select(link.supplier_id).where(link.product_id == product_id)
    return sa.func.coalesce(
        of_product.where(link.primary_flag.is_(True)).scalar_subquery(),
        of_product.with_only_columns(sa.func.min(link.supplier_id)).scalar_subquery(),
    )


def refresh_reorder_suppliers(product_ids) -> None:
    """Store the reorder supplier of these products after their links changed. The caller holds their
    rows' locks, so concurrent changes of one product's links take turns and the last one stores."""
    if product_ids:
        db.session.execute(
            sa.update(Product).where(Product.id.in_(product_ids))
            .values(reorder_supplier_id=reorder_supplier_id(Product.id))
            .execution_options(synchronize_session=False))


def with_reorder_link(statement: sa.Select) -> sa.Select:
    """The statement, which joins Product, outer-joined to the product's reorder supplier (Supplier)
    and their link (ProductSupplier): both None for a product without a supplier."""
    return (
        statement
        .outerjoin(ProductSupplier, sa.and_(ProductSupplier.product_id == Product.id,
                                            ProductSupplier.supplier_id == Product.reorder_supplier_id))
        .outerjoin(Supplier, Supplier.id == ProductSupplier.supplier_id)
    )


# A lead time in days: the link's, else the supplier's (None when neither is set).
LEAD_TIME_DAYS = sa.func.coalesce(ProductSupplier.lead_time_days, Supplier.lead_time_days)


def supplier_for_body(company_id: int, supplier_id: int) -> Supplier:
    """A supplier named in a request body: unknown → 422 on the field (a path id would be 404)."""
    supplier = db.session.scalar(scoped(Supplier, company_id).where(Supplier.id == supplier_id))
    if supplier is None:
        raise ValidationFailed(errors={"supplier_id": [f"supplier {supplier_id} does not exist"]})
    return supplier


def link(product: Product, supplier: Supplier, terms: dict) -> ProductSupplier:
    """Upsert a link inside the caller's transaction (flushes, never commits)."""
    link_row = db.session.scalar(
        sa.select(ProductSupplier).where(ProductSupplier.product_id == product.id, ProductSupplier.supplier_id == supplier.id)
    )
    if link_row is None:
        link_row = ProductSupplier(company_id=product.company_id, product_id=product.id, supplier=supplier)
        db.session.add(link_row)
    terms = dict(terms)
    make_primary = terms.pop("is_primary", None)
    for field, value in terms.items():
        setattr(link_row, field, value)
    if make_primary:
        # Clear the old primary first: the unique (product, primary) index is checked row by row.
        db.session.execute(
            sa.update(ProductSupplier)
            .where(ProductSupplier.product_id == product.id, ProductSupplier.supplier_id != supplier.id)
            .values(primary_flag=None)
        )
    if make_primary is not None:
        link_row.is_primary = make_primary
    db.session.flush()
    refresh_reorder_suppliers([product.id])
    return link_row


def unlink(company_id: int, product_id: int, supplier_id: int) -> None:
    with use_case():
        get_owned(Product, company_id, product_id, for_update=True)  # as set_link: one change of its links at a time
        deleted = db.session.execute(
            sa.delete(ProductSupplier).where(
                ProductSupplier.company_id == company_id,
                ProductSupplier.product_id == product_id,
                ProductSupplier.supplier_id == supplier_id,
            )
        ).rowcount
        if not deleted:
            raise NotFound(f"Product {product_id} has no link to supplier {supplier_id}")
        refresh_reorder_suppliers([product_id])
