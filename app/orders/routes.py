"""HTTP endpoints: /api/orders."""

from flask.views import MethodView

from app.auth.models import Role
from app.auth.security import current_company_id, current_user_id
from app.blueprint import Blueprint
from app.common.pagination import page_of
from app.common.schemas import ErrorSchema
from app.common.transaction import retry_on_deadlock
from app.orders import service
from app.orders.schemas import OrderCreateSchema, OrderListArgs, OrderSchema, StatusChangeSchema

blp = Blueprint("orders", __name__, url_prefix="/api/orders", description="Orders reserve stock, then ship or cancel")


@blp.route("")
class Orders(MethodView):
    @blp.auth_required()
    @blp.arguments(OrderListArgs, location="query")
    @blp.response(200, page_of(OrderSchema))
    def get(self, args):
        """List orders, by id"""
        return service.list_orders(current_company_id(), **args)

    @blp.auth_required(Role.staff)
    @retry_on_deadlock
    @blp.idempotent()
    @blp.arguments(OrderCreateSchema)
    @blp.response(201, OrderSchema)
    @blp.alt_response(409, schema=ErrorSchema, description="insufficient_stock (`short` lists each product), in_use (an archived product, or a bundle with an archived part)")
    def post(self, data):
        """Take an order: reserve its stock in the warehouse, every line or none

        Duplicate product lines are merged. A bundle line reserves its components (through nested
        bundles). If any product is short, nothing is reserved and the 409 names each short product
        in `errors.available` and in `short: [{product_id, available, requested}]`.
        """
        return service.create_order(current_company_id(), current_user_id(), **data)


@blp.route("/<int:order_id>")
class OrderItem(MethodView):
    @blp.auth_required()
    @blp.response(200, OrderSchema)
    @blp.alt_response(404, schema=ErrorSchema, description="No such order in your company")
    def get(self, order_id):
        """One order"""
        return service.get_order(current_company_id(), order_id)


@blp.route("/<int:order_id>/status")
class OrderStatus(MethodView):
    @blp.auth_required(Role.staff)
    @retry_on_deadlock
    @blp.idempotent()
    @blp.arguments(StatusChangeSchema)
    @blp.response(200, OrderSchema)
    @blp.alt_response(404, schema=ErrorSchema, description="No such order in your company")
    @blp.alt_response(409, schema=ErrorSchema, description="invalid_transition: only pending orders change status")
    def patch(self, data, order_id):
        """Ship (reservations become sale movements) or cancel (reservations are released) a pending order

        Of two concurrent changes of one order exactly one wins; the other gets 409 invalid_transition.
        An order taken before one of its products (or a bundle's part) was archived still ships and
        cancels: archiving stops new sales and orders, not the stock already promised.
        """
        return service.change_status(current_company_id(), current_user_id(), order_id, data["status"])
