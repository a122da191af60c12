"""Purchase order use cases: draft, edit, place, cancel or close, and read them.

A placed order's remaining quantities are the `incoming` of the levels they are delivered to;
every change of them (placing, a receipt, closing, cancelling) locks the order first, then those
levels in ascending id order, and changes both in one transaction.
"""

import datetime as dt

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.common.pagination import paginate
from app.common.fields import MAX_QUANTITY
from app.common.tenancy import scoped
from app.common.time import utcnow
from app.common.transaction import use_case
from app.errors import BundleHasNoStock, InUse, InvalidTransition, NotFound, ValidationFailed
from app.events import service as events
from app.extensions import db
from app.inventory.movements import locked_levels
from app.inventory.models import InventoryLevel
from app.products.models import Product
from app.purchasing import domain
from app.purchasing.models import OPEN, PurchaseOrder, PurchaseOrderLine
from app.purchasing.schemas import PurchaseOrderSchema
from app.suppliers.models import ProductSupplier, Supplier
from app.suppliers.service import LEAD_TIME_DAYS, supplier_for_body
from app.warehouses.service import missing_warehouses


def create_purchase_order(company_id: int, user_id: int | None, data: dict) -> PurchaseOrder:
    """A draft order to one supplier for delivery to one warehouse."""
    with use_case():
        supplier = supplier_for_body(company_id, data["supplier_id"])
        # The share lock keeps a concurrent deletion of the warehouse waiting until this order exists.
        if missing_warehouses(company_id, [data["warehouse_id"]], placing_stock=True):
            raise ValidationFailed(errors={"warehouse_id": [f"warehouse {data['warehouse_id']} does not exist"]})
        lines = ordered_lines(company_id, supplier.id, data["lines"])
        order = PurchaseOrder(company_id=company_id, supplier_id=supplier.id, warehouse_id=data["warehouse_id"],
                              status="draft", reference=data.get("reference"), notes=data.get("notes"),
                              expected_at=data.get("expected_at"), user_id=user_id)
        db.session.add(order)
        db.session.flush()
        write_lines(order, lines)
    return get_purchase_order(company_id, order.id)


def update_purchase_order(company_id: int, order_id: int, changes: dict) -> PurchaseOrder:
    """Edit a draft: its lines (the whole list), reference, notes, expected date."""
    with use_case():
        order = get_purchase_order(company_id, order_id, for_update=True)
        if order.status != "draft":
            raise InvalidTransition(f"Purchase order {order_id} is {order.status}: only a draft can be edited",
                                    {"status": ["only a draft can be edited"]})
        if "lines" in changes:
            lines = ordered_lines(company_id, order.supplier_id, changes.pop("lines"))
            db.session.execute(sa.delete(PurchaseOrderLine).where(PurchaseOrderLine.purchase_order_id == order.id))
            write_lines(order, lines)
        for field, value in changes.items():
            setattr(order, field, value)
        order.updated_at = utcnow()
    return get_purchase_order(company_id, order_id)


def change_status(company_id: int, order_id: int, status: str) -> PurchaseOrder:
    """Place (draft → ordered), cancel (draft or ordered → cancelled) or close (ordered or partially
    received → closed) an order; any other change → 409 invalid_transition.

    The order's row is locked first: of two concurrent changes, or a change and a receipt, the
    second sees what the first did.
    """
    with use_case():
        order = get_purchase_order(company_id, order_id, for_update=True)
        if not domain.can_become(order.status, status):
            raise InvalidTransition(f"Purchase order {order_id} is {order.status}: it cannot become {status}",
                                    {"status": [f"a {order.status} purchase order cannot become {status}"]})
        now = utcnow()
        if status == "ordered":
            _check_still_orderable(order)
            levels = levels_for(company_id, order.warehouse_id, [line.product_id for line in order.lines])
            for line in order.lines:
                levels[line.product_id].expect(line.quantity)
            order.ordered_at = now
            if order.expected_at is None:
                lead_time = _longest_lead_time(order)
                order.expected_at = None if lead_time is None else now + dt.timedelta(days=lead_time)
        elif order.status in OPEN:  # closed or cancelled: what has not come will not come
            waiting = [line for line in order.lines if line.remaining]
            levels = levels_for(company_id, order.warehouse_id, [line.product_id for line in waiting])
            for line in waiting:
                levels[line.product_id].stop_expecting(line.remaining)
        order.status, order.updated_at = status, now
        order = announced(company_id, order_id, f"purchase_order.{status}")
    return order


def announced(company_id: int, order_id: int, event_type: str, **data) -> PurchaseOrder:
    """The order as it now is, recorded as an event of `event_type` (with `data` beside it as
    `purchase_order`) in the use case's transaction."""
    db.session.flush()
    order = get_purchase_order(company_id, order_id)
    dumped = PurchaseOrderSchema().dump(order)
    events.record(company_id, event_type, {**data, "purchase_order": dumped} if data else dumped)
    return order


def get_purchase_order(company_id: int, order_id: int, *, for_update: bool = False) -> PurchaseOrder:
    """The company's order with its lines; another company's → 404. `for_update` locks its row until
    the use case ends."""
    statement = _orders(company_id).where(PurchaseOrder.id == order_id)
    order = db.session.scalar(statement.with_for_update() if for_update else statement)
    if order is None:
        raise NotFound(f"Purchase order {order_id} does not exist")
    return order


def list_by_id(company_id: int, order_ids: list[int]) -> list[PurchaseOrder]:
    return list(db.session.scalars(_orders(company_id).where(PurchaseOrder.id.in_(order_ids)).order_by(PurchaseOrder.id)))


def list_purchase_orders(company_id: int, page: int, per_page: int, status=None, supplier_id=None, warehouse_id=None,
                         product_id=None, overdue=None) -> dict:
    statement = _orders(company_id).order_by(PurchaseOrder.id)
    for column, value in ((PurchaseOrder.status, status), (PurchaseOrder.supplier_id, supplier_id),
                          (PurchaseOrder.warehouse_id, warehouse_id)):
        if value is not None:
            statement = statement.where(column == value)
    if product_id is not None:
        statement = statement.where(PurchaseOrder.id.in_(
            sa.select(PurchaseOrderLine.purchase_order_id)
            .where(PurchaseOrderLine.company_id == company_id, PurchaseOrderLine.product_id == product_id)))
    if overdue is not None:
        # An order expected at no known date (NULL) is never late: `expected_at < now` alone would be
        # unknown for it, and its negation too.
        late = sa.and_(PurchaseOrder.status.in_(OPEN), PurchaseOrder.expected_at.is_not(None),
                       PurchaseOrder.expected_at < utcnow())
        statement = statement.where(late if overdue else sa.not_(late))
    return paginate(statement, page, per_page)


# Shared with receiving and replenishment


_NO_UNIT_COST = "no unit cost: give one, or set it on the product's link to this supplier"


def ordered_lines(company_id: int, supplier_id: int, lines: list[dict]) -> list[tuple[int, int, object]]:
    """The lines of a body as (product id, quantity, unit cost), one per product in first-seen order.

    Duplicate product lines are merged by summing their quantities; a unit cost defaults to the
    product's link to the supplier. Unknown products, conflicting or missing unit costs and merged
    quantities over the limit → 422 naming the line; then a bundle → 409 bundle_has_no_stock and an
    archived product → 409 in_use. The unit cost of a product that cannot be ordered is not asked
    for: its line is answered with that 409, not with a 422 asking for what would not help.
    """
    ids = {line["product_id"] for line in lines}
    products = {p.id: p for p in db.session.scalars(
        sa.select(Product).where(Product.company_id == company_id, Product.id.in_(ids)))}
    link_costs = dict(db.session.execute(
        sa.select(ProductSupplier.product_id, ProductSupplier.unit_cost)
        .where(ProductSupplier.company_id == company_id, ProductSupplier.supplier_id == supplier_id,
               ProductSupplier.product_id.in_(ids))).all())
    errors: dict[str, list[str]] = {}
    merged: dict[int, dict] = {}
    for index, line in enumerate(lines):
        product_id = line["product_id"]
        if product_id not in products:
            errors[f"lines.{index}.product_id"] = [f"product {product_id} does not exist"]
            continue
        if not _orderable(products[product_id]):  # refused below, whatever its quantity and cost
            merged.setdefault(product_id, {"index": index, "quantity": 0, "unit_cost": None})
            continue
        # A line without a unit cost costs what the link says: merged with a line that names
        # another cost, one of the two would be silently wrong.
        cost = line.get("unit_cost")
        cost = link_costs.get(product_id) if cost is None else cost
        first = merged.setdefault(product_id, {"index": index, "quantity": 0, "unit_cost": cost})
        if cost is None and first["unit_cost"] is not None:
            errors[f"lines.{index}.unit_cost"] = [_NO_UNIT_COST]
            continue
        if cost != first["unit_cost"]:
            errors[f"lines.{index}.unit_cost"] = [f"differs from line {first['index']}'s unit cost for the same product "
                                                  "(a line without one costs what the product's link says)"]
            continue
        first["quantity"] += line["quantity"]
    for product_id, line in merged.items():
        if line["quantity"] > MAX_QUANTITY:
            errors[f"lines.{line['index']}.quantity"] = [f"the lines of product {product_id} add up to more than {MAX_QUANTITY:,}"]
        if line["unit_cost"] is None and _orderable(products[product_id]):
            errors[f"lines.{line['index']}.unit_cost"] = [_NO_UNIT_COST]
    if errors:
        raise ValidationFailed(errors=errors)
    for product_id, line in merged.items():
        field = f"lines.{line['index']}.product_id"
        if products[product_id].is_bundle:
            raise BundleHasNoStock(f"Product {product_id} is a bundle: order its components instead",
                                   {field: ["a bundle holds no stock"]})
        if not products[product_id].is_active:
            raise InUse(f"Product {product_id} is archived: it cannot be ordered", {field: ["archived"]})
    return [(product_id, line["quantity"], line["unit_cost"]) for product_id, line in merged.items()]


def _orderable(product: Product) -> bool:
    return product.is_active and not product.is_bundle


def levels_for(company_id: int, warehouse_id: int, product_ids: list[int]) -> dict[int, InventoryLevel]:
    """Lock the levels of these products in the warehouse, in id order, creating missing ones; by product id."""
    keys = [(product_id, warehouse_id) for product_id in sorted(set(product_ids))]
    levels, deleted = locked_levels(company_id, keys, create=True)
    if deleted:
        raise InUse(f"Warehouse {warehouse_id} was deleted", {"warehouse_id": ["deleted"]})
    return {product_id: level for (product_id, _), level in levels.items()}


def write_lines(order: PurchaseOrder, lines: list[tuple[int, int, object]]) -> None:
    """Add these (product id, quantity, unit cost) lines to the order."""
    db.session.add_all(
        PurchaseOrderLine(purchase_order_id=order.id, company_id=order.company_id, product_id=product_id,
                          quantity=quantity, unit_cost=unit_cost, received_quantity=0)
        for product_id, quantity, unit_cost in lines
    )
    db.session.flush()
    db.session.expire(order, ["lines"])


def _check_still_orderable(order: PurchaseOrder) -> None:
    """A draft's products may have been archived since it was written: those are not placed."""
    archived = [index for index, line in enumerate(order.lines) if not line.product.is_active]
    if archived:
        line = order.lines[archived[0]]
        raise InUse(f"Product {line.product_id} is archived: edit the draft before placing it",
                    {f"lines.{index}.product_id": ["archived"] for index in archived})


def _longest_lead_time(order: PurchaseOrder) -> int | None:
    """The longest lead time among the order's lines: each line's link to the supplier, else the supplier's."""
    line, link = PurchaseOrderLine, ProductSupplier
    return db.session.scalar(
        sa.select(sa.func.max(LEAD_TIME_DAYS))
        .select_from(line)
        .join(Supplier, Supplier.id == order.supplier_id)
        .outerjoin(link, sa.and_(link.product_id == line.product_id, link.supplier_id == Supplier.id))
        .where(line.purchase_order_id == order.id))


def _orders(company_id: int) -> sa.Select:
    return scoped(PurchaseOrder, company_id).options(
        so.selectinload(PurchaseOrder.lines).joinedload(PurchaseOrderLine.product)
    ).execution_options(populate_existing=True)
