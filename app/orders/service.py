"""Order use cases: reserve on create (all lines or none), ship into sales, cancel to release."""

from decimal import Decimal

import sqlalchemy as sa
import sqlalchemy.orm as so

from app import metrics
from app.alerts import read_model
from app.bundles import domain as bundle_domain
from app.bundles.service import check_sellable, load_graph
from app.common.pagination import paginate
from app.common.tenancy import get_owned, scoped
from app.common.time import utcnow
from app.common.transaction import use_case
from app.errors import InvalidTransition, ValidationFailed
from app.events import service as events
from app.extensions import db
from app.inventory import domain as stock
from app.inventory import ledger
from app.orders.models import Order, OrderLine, OrderReservation
from app.orders.schemas import OrderSchema
from app.products.service import movable_products
from app.warehouses.service import missing_warehouses


def create_order(company_id: int, user_id: int | None, warehouse_id: int, items: list[dict],
                 reference: str | None = None, customer_name: str | None = None) -> Order:
    """Take an order: reserve every stocked unit it needs in its warehouse, or nothing at all."""
    quantities: dict[int, int] = {}
    for item in items:  # duplicate product lines are merged
        quantities[item["product_id"]] = quantities.get(item["product_id"], 0) + item["quantity"]
    with use_case():
        if missing_warehouses(company_id, [warehouse_id]):
            raise ValidationFailed(errors={"warehouse_id": [f"warehouse {warehouse_id} does not exist"]})
        products = movable_products(company_id, quantities, field="items")
        bundle_ids = [product_id for product_id, product in products.items() if product.is_bundle]
        graph = load_graph(company_id) if bundle_ids else {}
        check_sellable(company_id, graph, bundle_ids, field="items")
        holds = bundle_domain.holdings(graph, quantities)
        needed = bundle_domain.stocked_units(holds)

        levels = ledger.lock_levels(company_id, [(p, warehouse_id) for p in needed])
        stock.require_available((p, levels.get((p, warehouse_id)), n) for p, n in sorted(needed.items()))
        for stocked, units in needed.items():
            levels[(stocked, warehouse_id)].reserve(units)

        order = Order(
            company_id=company_id, warehouse_id=warehouse_id, user_id=user_id, reference=reference,
            customer_name=customer_name, status="pending",
            total=sum((products[p].price * q for p, q in quantities.items()), Decimal("0.00")),
        )
        db.session.add(order)
        db.session.flush()
        # One INSERT each for the lines and the reservations, however many (get_order reads them back).
        db.session.execute(sa.insert(OrderLine), [
            {"order_id": order.id, "company_id": company_id, "product_id": p, "quantity": q,
             "unit_price": products[p].price}
            for p, q in quantities.items()
        ])
        db.session.execute(sa.insert(OrderReservation), [
            {"order_id": order.id, "company_id": company_id, "product_id": stocked, "warehouse_id": warehouse_id,
             "quantity": units, "bundle_id": bundle_id}
            for (stocked, bundle_id), units in sorted(holds.items(), key=lambda item: (item[0][0], item[0][1] or 0))
        ])
        metrics.count_on_commit(metrics.ORDERS, "created")
        order = _announced(company_id, order.id, "order.created")
    return order


def change_status(company_id: int, user_id: int | None, order_id: int, status: str) -> Order:
    """pending → shipped (reservations become sales) or pending → cancelled (reservations released);
    no order becomes pending again."""
    with use_case():
        if status == "pending":
            order = get_owned(Order, company_id, order_id)
            raise InvalidTransition(f"Order {order_id} is {order.status}: no order becomes pending again",
                                    {"status": ["an order only leaves pending"]})
        # One conditional UPDATE decides between concurrent changes: only one sees the order pending.
        moved = db.session.execute(
            sa.update(Order)
            .where(Order.id == order_id, Order.company_id == company_id, Order.status == "pending")
            .values(status=status, updated_at=utcnow())
            .execution_options(synchronize_session=False)
        ).rowcount
        if not moved:
            order = get_owned(Order, company_id, order_id)
            raise InvalidTransition(
                f"Order {order_id} is {order.status}: it cannot become {status}",
                {"status": [f"only a pending order can become {status}"]},
            )
        reservations = db.session.scalars(sa.select(OrderReservation).where(OrderReservation.order_id == order_id)).all()
        levels = ledger.lock_levels(company_id, [(r.product_id, r.warehouse_id) for r in reservations])
        now = utcnow()
        for reservation in reservations:
            level = levels[(reservation.product_id, reservation.warehouse_id)]
            level.release(reservation.quantity)
            if status == "shipped":
                # The units it held leave the shelf. Shipping an order taken before one of its
                # products was archived is allowed: archiving stops new orders, not these.
                level.take(reservation.quantity)
                ledger.append(level, "sale", -reservation.quantity, order_id=order_id, bundle_id=reservation.bundle_id,
                              user_id=user_id, occurred_at=now)
                read_model.sale_counted(level, now.date(), reservation.quantity)
        metrics.count_on_commit(metrics.ORDERS, status)
        order = _announced(company_id, order_id, f"order.{status}")
    return order


def _announced(company_id: int, order_id: int, event_type: str) -> Order:
    """The order as it now is, recorded as an event of `event_type` in the use case's transaction."""
    db.session.flush()
    order = get_order(company_id, order_id)
    events.record(company_id, event_type, OrderSchema().dump(order))
    return order


def get_order(company_id: int, order_id: int) -> Order:
    order = db.session.scalar(_orders(company_id).where(Order.id == order_id))
    if order is None:
        get_owned(Order, company_id, order_id)  # raises the usual NotFound
    return order


def list_orders(company_id: int, page: int, per_page: int, status=None, warehouse_id=None, since=None, until=None) -> dict:
    statement = _orders(company_id).order_by(Order.id)
    if status is not None:
        statement = statement.where(Order.status == status)
    if warehouse_id is not None:
        statement = statement.where(Order.warehouse_id == warehouse_id)
    if since is not None:
        statement = statement.where(Order.created_at >= since)
    if until is not None:
        statement = statement.where(Order.created_at <= until)
    return paginate(statement, page, per_page)


def _orders(company_id: int) -> sa.Select:
    return scoped(Order, company_id).options(so.selectinload(Order.items)).execution_options(populate_existing=True)
