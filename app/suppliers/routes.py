"""HTTP endpoints: /api/suppliers and /api/products/{id}/suppliers."""

from flask.views import MethodView

from app.auth.models import Role
from app.auth.security import current_company_id
from app.blueprint import Blueprint
from app.common.pagination import PageArgs, page_of
from app.common.schemas import ErrorSchema
from app.common.transaction import retry_on_deadlock
from app.suppliers import service
from app.suppliers.schemas import (
    ProductSupplierSchema,
    ProductSupplierUpdateSchema,
    SupplierCreateSchema,
    SupplierListArgs,
    SupplierSchema,
    SupplierUpdateSchema,
)

blp = Blueprint("suppliers", __name__, url_prefix="/api/suppliers", description="Who you reorder from")
links_blp = Blueprint(
    "product-suppliers", __name__, url_prefix="/api/products",
    description="Which suppliers provide a product, on what terms; at most one is primary",
)
NOT_FOUND = {"schema": ErrorSchema, "description": "No such supplier in your company"}


@blp.route("")
class Suppliers(MethodView):
    @blp.auth_required()
    @blp.arguments(SupplierListArgs, location="query")
    @blp.response(200, page_of(SupplierSchema))
    def get(self, args):
        """List suppliers, by id; q searches the name"""
        return service.list_suppliers(current_company_id(), **args)

    @blp.auth_required(Role.manager)
    @retry_on_deadlock
    @blp.arguments(SupplierCreateSchema)
    @blp.response(201, SupplierSchema)
    def post(self, data):
        """Create a supplier"""
        return service.create_supplier(current_company_id(), **data)


@blp.route("/<int:supplier_id>")
class SupplierItem(MethodView):
    @blp.auth_required()
    @blp.response(200, SupplierSchema)
    @blp.alt_response(404, **NOT_FOUND)
    def get(self, supplier_id):
        """One supplier"""
        return service.get_supplier(current_company_id(), supplier_id)

    @blp.auth_required(Role.manager)
    @retry_on_deadlock
    @blp.arguments(SupplierUpdateSchema)
    @blp.response(200, SupplierSchema)
    @blp.alt_response(404, **NOT_FOUND)
    def patch(self, data, supplier_id):
        """Change a supplier"""
        return service.update_supplier(current_company_id(), supplier_id, data)

    @blp.auth_required(Role.manager)
    @retry_on_deadlock
    @blp.response(204)
    @blp.alt_response(404, **NOT_FOUND)
    @blp.alt_response(409, schema=ErrorSchema, description="in_use: purchase orders name the supplier")
    def delete(self, supplier_id):
        """Delete a supplier together with its product links (one that purchase orders name stays: 409 in_use)"""
        service.delete_supplier(current_company_id(), supplier_id)


@links_blp.route("/<int:product_id>/suppliers")
class ProductSuppliers(MethodView):
    @links_blp.auth_required()
    @links_blp.arguments(PageArgs, location="query")
    @links_blp.response(200, page_of(ProductSupplierSchema))
    @links_blp.alt_response(404, schema=ErrorSchema, description="No such product in your company")
    def get(self, args, product_id):
        """The product's suppliers, by supplier id: a list page like every other list"""
        return service.list_links(current_company_id(), product_id, **args)


@links_blp.route("/<int:product_id>/suppliers/<int:supplier_id>")
class ProductSupplierItem(MethodView):
    @links_blp.auth_required(Role.manager)
    @retry_on_deadlock
    @links_blp.arguments(ProductSupplierUpdateSchema)
    @links_blp.response(200, ProductSupplierSchema)
    @links_blp.alt_response(404, schema=ErrorSchema, description="No such product or supplier in your company")
    def put(self, data, product_id, supplier_id):
        """Link a supplier to the product, or change the link's terms

        Fields left out keep their value (a new link: min_order_qty 1, not primary).
        `is_primary: true` clears the flag on the product's other links in the same transaction.
        """
        return service.set_link(current_company_id(), product_id, supplier_id, data)

    @links_blp.auth_required(Role.manager)
    @retry_on_deadlock
    @links_blp.response(204)
    @links_blp.alt_response(404, schema=ErrorSchema, description="No such product, supplier or link")
    def delete(self, product_id, supplier_id):
        """Unlink a supplier from the product"""
        service.unlink(current_company_id(), product_id, supplier_id)
