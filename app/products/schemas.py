"""Request and response bodies of /api/product-types and /api/products."""

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from app.common.csvio import CellInteger, ExportArgs
from app.common.fields import MAX_QUANTITY, Id, Money, QueryId, StrictBoolean, StrictInteger, Text, UTCDateTime
from app.common.pagination import PageArgs
from app.products.domain import normalize_sku


class Sku(fields.String):
    """A SKU: trimmed, 1–64 letters, digits, '-', '_' or '.'."""

    def __init__(self, **kwargs):
        metadata = {"pattern": r"^[A-Za-z0-9._-]{1,64}$", "example": "WID-001", **kwargs.pop("metadata", {})}
        super().__init__(metadata=metadata, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        try:
            return normalize_sku(super()._deserialize(value, attr, data, **kwargs))
        except ValueError as error:
            raise self.make_error("invalid_sku", detail=str(error)) from None

    default_error_messages = {"invalid_sku": "Not a valid SKU: {detail}."}


def Threshold(**kwargs) -> StrictInteger:  # noqa: N802 (reads as a field type)
    return StrictInteger(validate=validate.Range(min=0, max=MAX_QUANTITY), **kwargs)


class ProductTypeSchema(Schema):
    id = fields.Integer(dump_only=True)
    name = fields.String()
    low_stock_threshold = fields.Integer()
    created_at = UTCDateTime(dump_only=True)
    updated_at = UTCDateTime(dump_only=True)


class ProductTypeCreateSchema(Schema):
    name = Text(max_length=120, min_length=1, required=True, metadata={"description": "Unique in the company, case-insensitively"})
    low_stock_threshold = Threshold(required=True, metadata={"description": "Alert when available stock is at or below this"})


class ProductTypeUpdateSchema(Schema):
    name = Text(max_length=120, min_length=1)
    low_stock_threshold = Threshold()


class StockLineSchema(Schema):
    warehouse_id = fields.Integer()
    on_hand = fields.Integer()
    reserved = fields.Integer()
    available = fields.Integer()
    incoming = fields.Integer(metadata={"description": "On order from suppliers (open purchase orders)"})


class AvailabilitySchema(Schema):
    warehouse_id = fields.Integer()
    available = fields.Integer()


class ProductSchema(Schema):
    id = fields.Integer()
    sku = fields.String()
    name = fields.String()
    description = fields.String(allow_none=True)
    price = Money()
    product_type_id = fields.Integer(allow_none=True)
    low_stock_threshold = fields.Integer(
        allow_none=True, metadata={"description": "Overrides the product type's threshold when set"}
    )
    is_bundle = fields.Boolean()
    is_active = fields.Boolean()
    created_at = UTCDateTime()
    updated_at = UTCDateTime()
    inventory = fields.List(
        fields.Nested(StockLineSchema), attribute="levels",
        metadata={"description": "Stock per warehouse; empty for bundles, which hold no stock"},
    )
    total_on_hand = fields.Integer()
    total_available = fields.Integer(metadata={"description": "For a bundle: Σ of its availability"})
    total_incoming = fields.Integer(metadata={"description": "Σ incoming over its warehouses"})
    availability = fields.List(
        fields.Nested(AvailabilitySchema),
        metadata={"description": "Bundles only: how many could be assembled from components, per warehouse"},
    )


class ProductCreatedSchema(ProductSchema):
    class Meta:
        exclude = ("availability",)  # bundles only, and this endpoint never creates one

    # The keys the original endpoint answered with, kept for its clients.
    product_id = fields.Function(lambda product: product.id, metadata={"type": "integer", "description": "Same as id"})
    message = fields.Constant("Product created")


class InitialStockSchema(Schema):
    warehouse_id = Id(required=True)
    quantity = StrictInteger(required=True, validate=validate.Range(min=0, max=MAX_QUANTITY))


class ProductCreateSchema(Schema):
    name = Text(max_length=200, min_length=1, required=True)
    sku = Sku(required=True, metadata={"description": "Unique across the platform, case-insensitively"})
    price = Money(required=True)
    description = Text(max_length=5000, allow_none=True)
    product_type_id = Id(allow_none=True)
    low_stock_threshold = Threshold(allow_none=True)
    supplier_id = Id(allow_none=True, metadata={"description": "Links the product to this supplier, as its primary (null: none)"})
    warehouse_id = Id(metadata={"description": "Original clients' shape: with initial_quantity"})
    initial_quantity = StrictInteger(validate=validate.Range(min=0, max=MAX_QUANTITY))
    inventory = fields.List(
        fields.Nested(InitialStockSchema), validate=validate.Length(max=500),
        metadata={"description": "Initial stock in several warehouses"},
    )

    @validates_schema
    def one_line_per_warehouse(self, data, **kwargs):
        if "initial_quantity" in data and "warehouse_id" not in data:
            raise ValidationError("needs warehouse_id", "initial_quantity")
        warehouses = [line["warehouse_id"] for line in data.get("inventory", [])]
        if "warehouse_id" in data:
            warehouses.append(data["warehouse_id"])
        if len(warehouses) != len(set(warehouses)):
            raise ValidationError("each warehouse may appear only once", "inventory")


class ProductUpdateSchema(Schema):
    name = Text(max_length=200, min_length=1)
    sku = Sku()
    price = Money()
    description = Text(max_length=5000, allow_none=True)
    product_type_id = Id(allow_none=True)
    low_stock_threshold = Threshold(allow_none=True)
    is_active = StrictBoolean(metadata={"description": "false archives the product, true restores it"})


class ProductListArgs(PageArgs, ExportArgs):
    q = fields.String(validate=validate.Length(min=1, max=100), metadata={"description": "Name or SKU contains it, whatever the case and accents (`cafe` finds `Café`), one character against one (`ss` does not find `ß`)"})
    sku = fields.String(validate=validate.Length(min=1, max=64), metadata={"description": "Exact SKU, case-insensitive"})
    product_type_id = QueryId()
    supplier_id = QueryId(metadata={"description": "Products this supplier supplies"})
    warehouse_id = QueryId(metadata={"description": "Products stocked in this warehouse"})
    is_bundle = fields.Boolean()
    is_active = fields.Boolean(load_default=True, metadata={"description": "Archived products with false"})


class ProductImportRowSchema(Schema):
    """One line of a products sheet; every cell is text, and an empty one is left out (it keeps the
    product's current value)."""

    sku = Sku(required=True)
    name = Text(max_length=200, min_length=1)
    price = Money()
    description = Text(max_length=5000)
    product_type = Text(max_length=120, min_length=1)
    low_stock_threshold = CellInteger(validate=validate.Range(min=0, max=MAX_QUANTITY))
    supplier = Text(max_length=200, min_length=1)
    supplier_sku = Text(max_length=64)
    unit_cost = Money()
    lead_time_days = CellInteger(validate=validate.Range(min=0, max=365))
    min_order_qty = CellInteger(validate=validate.Range(min=1, max=MAX_QUANTITY))
    order_multiple = CellInteger(validate=validate.Range(min=1, max=MAX_QUANTITY))


class ImportResultSchema(Schema):
    created = fields.Integer(metadata={"description": "Products the file adds"})
    updated = fields.Integer(metadata={"description": "Existing products the file changes (fields, type or supplier terms)"})
    unchanged = fields.Integer(metadata={"description": "Existing products the file leaves as they are"})
    dry_run = fields.Boolean(metadata={"description": "true: nothing was written"})
