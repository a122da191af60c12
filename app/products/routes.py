"""HTTP endpoints: /api/product-types and /api/products."""

from flask.views import MethodView

from app.auth.models import Role
from app.auth.security import current_company_id, current_user_id
from app.blueprint import Blueprint
from app.common import csvio
from app.common.pagination import PageArgs, page_of
from app.common.schemas import ErrorSchema
from app.common.transaction import retry_on_deadlock
from app.products import importing, service
from app.products.schemas import (
    ImportResultSchema,
    ProductImportRowSchema,
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
    @blp.exports_csv("products", service.EXPORT_COLUMNS, service.export_products)
    def get(self, args):
        """List products, by id; archived ones only with is_active=false

        As CSV (`?format=csv` or `Accept: text/csv`): every matching product, with the columns of
        `POST /api/products/import` first (`supplier` being the reorder supplier, with its link's
        terms), so the sheet imports back; then `product_type_id`, `is_bundle`, `is_active`, the
        totals, `created_at` and `updated_at`.
        """
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
        return service.create_product(current_company_id(), current_user_id(), data)


@blp.route("/import")
class ProductImport(MethodView):
    @blp.auth_required(Role.manager)
    @retry_on_deadlock
    @blp.arguments(csvio.ImportArgs, location="query")
    @blp.response(200, ImportResultSchema)
    @blp.alt_response(409, schema=ErrorSchema, description="sku_taken: a SKU of the file was created by another request meanwhile; send the file again")
    @blp.alt_response(400, schema=ErrorSchema, description=csvio.UNREADABLE)
    @blp.alt_response(413, schema=ErrorSchema, description="payload_too_large: a body over 10 MiB (a multipart upload's wrapping counts) or 50,000 rows")
    @blp.doc(requestBody=csvio.IMPORT_BODY)
    def post(self, args):
        """Create or update products from a CSV sheet, all or nothing

        Columns: `sku,name,price` and any of `description,product_type,low_stock_threshold,supplier,
        supplier_sku,unit_cost,lead_time_days,min_order_qty,order_multiple`, in any order (the
        columns of the products export that the import cannot set — `id`, `is_active`, the totals… —
        are read past, so an exported sheet imports back). A row whose SKU (compared
        case-insensitively) is the company's updates that product; any other row creates one, and
        needs `name` and `price`. An empty cell keeps the current value. `product_type` and
        `supplier` name them (case-insensitively); a missing one is created, a product type with the
        company's default threshold. A supplier's terms need `supplier`; a new link becomes the
        product's primary when it has none. A cell starting like a formula (`=`, `+`, `-`, `@`) is
        refused unless it is a number, in any column (those read past too); `'=…` means the text `=…` and `''=…` the text `'=…`, as the
        exports write them.

        Any problem — a bad cell, a SKU twice in the file or used by another company, a missing
        column, an unknown one — answers 422 with `errors` keyed `"<line>.<column>"` (the header is
        line 1; `"<line>"` for a whole line), and nothing is written. `dry_run=true` answers the
        same counts (or the same problems) and never writes; any other query argument (a misspelt
        `dryrun`) is 422 naming it, before the file is read. While an import that names types or
        thresholds runs, the company's stock levels are locked (their alert thresholds are
        recomputed at the end): movements wait for it.
        """
        sheet = csvio.read_sheet(importing.REQUIRED, importing.OPTIONAL, importing.EXPORT_ONLY)
        return importing.import_products(current_company_id(), sheet, ProductImportRowSchema(), dry_run=args["dry_run"])


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
