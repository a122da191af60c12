"""HTTP endpoints: /api/warehouses."""

from flask.views import MethodView

from app.auth.models import Role
from app.auth.security import current_company_id
from app.blueprint import Blueprint
from app.common.pagination import page_of
from app.common.schemas import ErrorSchema
from app.common.transaction import retry_on_deadlock
from app.warehouses import service
from app.warehouses.schemas import (
    WarehouseCreateSchema,
    WarehouseListArgs,
    WarehouseSchema,
    WarehouseUpdateSchema,
)

blp = Blueprint("warehouses", __name__, url_prefix="/api/warehouses", description="Where stock is kept")


@blp.route("")
class Warehouses(MethodView):
    @blp.auth_required()
    @blp.arguments(WarehouseListArgs, location="query")
    @blp.response(200, page_of(WarehouseSchema))
    def get(self, args):
        """List the company's warehouses, by id"""
        return service.list_warehouses(current_company_id(), **args)

    @blp.auth_required(Role.manager)
    @retry_on_deadlock
    @blp.arguments(WarehouseCreateSchema)
    @blp.response(201, WarehouseSchema)
    @blp.alt_response(409, schema=ErrorSchema, description="name_taken")
    def post(self, data):
        """Create a warehouse"""
        return service.create_warehouse(current_company_id(), **data)


@blp.route("/<int:warehouse_id>")
class WarehouseItem(MethodView):
    @blp.auth_required()
    @blp.response(200, WarehouseSchema)
    @blp.alt_response(404, schema=ErrorSchema, description="No such warehouse in your company")
    def get(self, warehouse_id):
        """One warehouse"""
        return service.get_warehouse(current_company_id(), warehouse_id)

    @blp.auth_required(Role.manager)
    @retry_on_deadlock
    @blp.arguments(WarehouseUpdateSchema)
    @blp.response(200, WarehouseSchema)
    @blp.alt_response(404, schema=ErrorSchema, description="No such warehouse in your company")
    @blp.alt_response(409, schema=ErrorSchema, description="name_taken")
    def patch(self, data, warehouse_id):
        """Rename, re-address, deactivate or reactivate a warehouse"""
        return service.update_warehouse(current_company_id(), warehouse_id, data)

    @blp.auth_required(Role.manager)
    @retry_on_deadlock
    @blp.response(204)
    @blp.alt_response(404, schema=ErrorSchema, description="No such warehouse in your company")
    @blp.alt_response(409, schema=ErrorSchema, description="in_use: it holds stock, reservations or pending orders; deactivate it instead")
    def delete(self, warehouse_id):
        """Delete a warehouse that holds nothing

        Allowed once every level there holds 0 on hand and 0 reserved and no order there is pending.
        Its ledger rows, orders and sales keep its id: the warehouse is kept as a deleted row, absent
        from every read and write from then on (404; 422 when a body names it), its empty levels
        removed and its name free again.
        """
        service.delete_warehouse(current_company_id(), warehouse_id)
