"""Bundle use cases: create with components, replace them without cycles, compute availability."""

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.bundles import domain
from app.bundles.models import BundleComponent
from app.common.integrity import flush_or_sku_taken
from app.common.pagination import paginate
from app.common.tenancy import scoped
from app.common.transaction import use_case
from app.companies.models import Company
from app.errors import BundleCycle, BundleTooDeep, InUse, NotFound, ValidationFailed
from app.extensions import db
from app.inventory.models import InventoryLevel
from app.products.models import Product


def _bundles(company_id: int) -> sa.Select:
    return (
        scoped(Product, company_id)
        .where(Product.is_bundle.is_(True))
        .options(
            so.selectinload(Product.components).joinedload(BundleComponent.component),
            so.selectinload(Product.levels),
        )
    )


def list_bundles(company_id: int, page: int, per_page: int, is_active: bool | None = True) -> dict:
    statement = _bundles(company_id).order_by(Product.id)
    if is_active is not None:
        statement = statement.where(Product.is_active.is_(is_active))
    result = paginate(statement, page, per_page)
    attach_availability(company_id, result["items"])
    return result


def get_bundle(company_id: int, bundle_id: int) -> Product:
    bundle = db.session.scalar(_bundles(company_id).where(Product.id == bundle_id))
    if bundle is None:
        raise NotFound(f"Bundle {bundle_id} does not exist")
    attach_availability(company_id, [bundle])
    return bundle


def create_bundle(company_id: int, name: str, sku: str, price, components: list[dict], description: str | None = None) -> Product:
    """Create the bundle product and its components in one transaction."""
    with use_case():
        _lock_catalog(company_id)
        _check_components(company_id, components)
        _check_depth(load_graph(company_id), 0, components)
        bundle = Product(company_id=company_id, name=name, price=price, description=description, is_bundle=True)
        bundle.change_sku(sku)
        db.session.add(bundle)
        flush_or_sku_taken(bundle.sku)
        _write_components(bundle, components)
    return get_bundle(company_id, bundle.id)


def replace_components(company_id: int, bundle_id: int, components: list[dict]) -> Product:
    with use_case():
        _lock_catalog(company_id)
        bundle = db.session.scalar(scoped(Product, company_id).where(Product.id == bundle_id, Product.is_bundle.is_(True)))
        if bundle is None:
            raise NotFound(f"Bundle {bundle_id} does not exist")
        _check_components(company_id, components)
        graph = load_graph(company_id)
        if domain.creates_cycle(graph, bundle_id, [line["product_id"] for line in components]):
            raise BundleCycle(errors={"components": [f"bundle {bundle_id} would contain itself"]})
        _check_depth(graph, bundle_id, components)
        db.session.execute(sa.delete(BundleComponent).where(BundleComponent.bundle_id == bundle_id))
        _write_components(bundle, components)
    db.session.expire(bundle)
    return get_bundle(company_id, bundle_id)


def load_graph(company_id: int) -> domain.Graph:
    """The company's whole bundle graph, in one query."""
    graph: domain.Graph = {}
    rows = db.session.execute(
        sa.select(BundleComponent.bundle_id, BundleComponent.component_id, BundleComponent.quantity)
        .where(BundleComponent.company_id == company_id)
    )
    for bundle_id, component_id, quantity in rows:
        graph.setdefault(bundle_id, []).append((component_id, quantity))
    return graph


def attach_availability(company_id: int, products: list[Product]) -> None:
    """Set `availability` on each bundle among `products`, in three queries whatever their nesting.

    A bundle with an archived part (component or nested bundle) cannot be sold: it makes 0.
    """
    bundles = [product for product in products if product.is_bundle]
    if not bundles:
        return
    graph = load_graph(company_id)
    bundle_ids = [bundle.id for bundle in bundles]
    archived = frozenset(archived_among(company_id, domain.parts(graph, bundle_ids)))
    stock: dict[int, dict[int, int]] = {}
    stocked = domain.stocked_components(graph, bundle_ids) - archived
    if stocked:
        rows = db.session.execute(
            sa.select(InventoryLevel.product_id, InventoryLevel.warehouse_id, InventoryLevel.on_hand - InventoryLevel.reserved)
            .where(InventoryLevel.company_id == company_id, InventoryLevel.product_id.in_(stocked))
        )
        for product_id, warehouse_id, available in rows:
            stock.setdefault(product_id, {})[warehouse_id] = available
    warehouse_ids = sorted({warehouse_id for by_warehouse in stock.values() for warehouse_id in by_warehouse})
    for bundle in bundles:
        per_warehouse = domain.availability(graph, bundle.id, stock, warehouse_ids, archived)
        bundle.availability = [{"warehouse_id": w, "available": n} for w, n in per_warehouse.items()]


def archived_among(company_id: int, product_ids) -> list[int]:
    """Those of these products that are archived, in id order."""
    if not product_ids:
        return []
    return list(db.session.scalars(
        sa.select(Product.id)
        .where(Product.company_id == company_id, Product.id.in_(product_ids), Product.is_active.is_(False))
        .order_by(Product.id)
    ))


def check_sellable(company_id: int, graph: domain.Graph, bundle_ids, *, field: str) -> None:
    """Refuse to sell or order bundles made with an archived product: 409 in_use naming it under `field`."""
    archived = archived_among(company_id, domain.parts(graph, bundle_ids))
    if archived:
        raise InUse(
            f"Product {archived[0]} is archived: bundles containing it cannot be sold or ordered",
            {field: [f"contains archived product {product_id}" for product_id in archived]},
        )


def _lock_catalog(company_id: int) -> None:
    # Bundle graph changes are serialized per company, so two concurrent edits cannot together
    # close a cycle that each alone would not.
    db.session.execute(sa.select(Company.id).where(Company.id == company_id).with_for_update())


def _check_components(company_id: int, components: list[dict]) -> None:
    ids = [line["product_id"] for line in components]
    found = dict(
        db.session.execute(
            sa.select(Product.id, Product.is_active).where(Product.company_id == company_id, Product.id.in_(ids))
        ).all()
    )
    errors = [f"product {i} does not exist" for i in ids if i not in found]
    errors += [f"product {i} is archived" for i in ids if found.get(i) is False]
    if errors:
        raise ValidationFailed(errors={"components": errors})


def _check_depth(graph: domain.Graph, bundle_id: int, components: list[dict]) -> None:
    if domain.too_deep(graph, bundle_id, [line["product_id"] for line in components]):
        raise BundleTooDeep(errors={"components": [f"bundles nest at most {domain.MAX_DEPTH} levels deep"]})


def _write_components(bundle: Product, components: list[dict]) -> None:
    db.session.add_all(
        BundleComponent(bundle_id=bundle.id, component_id=line["product_id"], company_id=bundle.company_id, quantity=line["quantity"])
        for line in components
    )
    db.session.flush()
