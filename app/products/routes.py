"""HTTP endpoints: /api/product-types and /api/products."""

from flask.views import MethodView

from app.auth.models import Role
from app.auth.security import current_company_id, current_user
from app.blueprint import Blueprint
from app.common.pagination import PageArgs, page_of
from app.common.schemas import ErrorSchema
from app.common.transaction import retry_on_deadlock
from app.products import service
from app.products.schemas import (
    ProductCreatedSchema,
    ProductCreateSchema,
    ProductListArgs,
    ProductSchema,
    ProductTypeCreateSchema,
    ProductTypeSchema,
    ProductTypeUpdateSchema,
    ProductUpdateSchema,
)

types_blp = Blueprint("product-types", __name__, url_prefix="/api/product-types", description="Kinds of product, with their low-stock threshold")
blp = Blueprint("products", __name__, url_prefix="/api/products", description="The catalogue, with stock per warehouse")


@types_blp.route("")
class ProductTypes(MethodView):
    @types_blp.auth_required()
    @types_blp.arguments(PageArgs, location="query")
    @types_blp.response(200, page_of(ProductTypeSchema))
    def get(self, args):
        """List product types"""
        return service.list_product_types(current_company_id(), **args)

    @types_blp.auth_required(Role.manager)
    @retry_on_deadlock
    @types_blp.arguments(ProductTypeCreateSchema)
    @types_blp.response(201, ProductTypeSchema)
    @types_blp.alt_response(409, schema=ErrorSchema, description="name_taken")
    def post(self, data):
        """Create a product type"""
        return service.create_product_type(current_company_id(), **data)


@types_blp.route("/<int:type_id>")
class ProductTypeItem(MethodView):
    @types_blp.auth_required()
    @types_blp.response(200, ProductTypeSchema)
    @types_blp.alt_response(404, schema=ErrorSchema, description="No such product type in your company")
    def get(self, type_id):
        """One product type"""
        return service.get_product_type(current_company_id(), type_id)

    @types_blp.auth_required(Role.manager)
    @retry_on_deadlock
    @types_blp.arguments(ProductTypeUpdateSchema)
    @types_blp.response(200, ProductTypeSchema)
    @types_blp.alt_response(404, schema=ErrorSchema, description="No such product type in your company")
    @types_blp.alt_response(409, schema=ErrorSchema, description="name_taken")
    def patch(self, data, type_id):
        """Rename a product type or change its threshold"""
        return service.update_product_type(current_company_id(), type_id, data)

    @types_blp.auth_required(Role.manager)
    @retry_on_deadlock
    @types_blp.response(204)
    @types_blp.alt_response(404, schema=ErrorSchema, description="No such product type in your company")
    @types_blp.alt_response(409, schema=ErrorSchema, description="in_use: products still have this type")
    def delete(self, type_id):
        """Delete a product type no product uses"""
        service.delete_product_type(current_company_id(), type_id)


@blp.route("")
class Products(MethodView):
    @blp.auth_required()
    @blp.arguments(ProductListArgs, location="query")
    @blp.response(200, page_of(ProductSchema))
    def get(self, args):
        """List products, by id; archived ones only with is_active=false"""
        return service.list_products(current_company_id(), **args)

    @blp.auth_required(Role.manager)
    @retry_on_deadlock
    @blp.idempotent()
    @blp.arguments(ProductCreateSchema)
    @blp.response(201, ProductCreatedSchema)
    @blp.alt_response(409, schema=ErrorSchema, description="sku_taken")
    def post(self, data):
        """Create a product with its initial stock and supplier link, in one transaction

        Accepts the original clients' `warehouse_id` + `initial_quantity` and the `inventory` list
        for several warehouses. Each initial quantity is recorded in the ledger as a `receive`.
        Unknown warehouse, product type or supplier → 422 naming the field, and nothing is written.
        The answer carries `product_id` and `message` as the original endpoint did.
        """
        return service.create_product(current_company_id(), current_user().id, data)


@blp.route("/<int:product_id>")
class ProductItem(MethodView):
    @blp.auth_required()
    @blp.response(200, ProductSchema)
    @blp.alt_response(404, schema=ErrorSchema, description="No such product in your company")
    def get(self, product_id):
        """One product with on_hand, reserved and available per warehouse"""
        return service.get_product(current_company_id(), product_id)

    @blp.auth_required(Role.manager)
    @retry_on_deadlock
    @blp.arguments(ProductUpdateSchema)
    @blp.response(200, ProductSchema)
    @blp.alt_response(404, schema=ErrorSchema, description="No such product in your company")
    @blp.alt_response(409, schema=ErrorSchema, description="sku_taken")
    def patch(self, data, product_id):
        """Change a product; a new SKU is checked for uniqueness like on create"""
        return service.update_product(current_company_id(), product_id, data)

    @blp.auth_required(Role.manager)
    @retry_on_deadlock
    @blp.response(204)
    @blp.alt_response(404, schema=ErrorSchema, description="No such product in your company")
    def delete(self, product_id):
        """Archive a product (is_active=false): history is kept, alerts and new movements stop"""
        service.archive_product(current_company_id(), product_id)
