"""Request and response bodies of /api/purchase-orders and /api/companies/{id}/replenishment."""

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from app.common.csvio import ExportArgs
from app.common.fields import MAX_QUANTITY, Id, Money, QueryId, QueryInteger, StoredInstant, StrictInteger, Text, UTCDateTime
from app.common.pagination import PageArgs
from app.common.schemas import PathNamedErrors
from app.inventory.schemas import MovementSchema, PastDateTime
from app.purchasing.models import STATUSES

MAX_LINES = 500


class PurchaseOrderLineSchema(Schema):
    id = fields.Integer()
    product_id = fields.Integer()
    sku = fields.String()
    quantity = fields.Integer()
    received_quantity = fields.Integer()
    unit_cost = Money()
    line_total = Money(metadata={"description": "quantity × unit_cost"})


class PurchaseOrderSchema(Schema):
    id = fields.Integer()
    status = fields.String(metadata={"enum": list(STATUSES)})
    supplier_id = fields.Integer()
    warehouse_id = fields.Integer()
    reference = fields.String(allow_none=True)
    notes = fields.String(allow_none=True)
    expected_at = UTCDateTime(allow_none=True)
    ordered_at = UTCDateTime(allow_none=True)
    lines = fields.List(fields.Nested(PurchaseOrderLineSchema))
    total = Money(metadata={"description": "Σ line_total"})
    created_at = UTCDateTime()
    updated_at = UTCDateTime()


class OrderedLineSchema(Schema):
    product_id = Id(required=True)
    quantity = StrictInteger(required=True, validate=validate.Range(min=1, max=MAX_QUANTITY))
    unit_cost = Money(metadata={"description": "Default: the unit cost on the product's link to the supplier"})


class OrderedLinesField(fields.List):
    """1–500 lines; duplicate product lines are merged by summing their quantities."""

    def __init__(self, **kwargs):
        metadata = {"description": "1–500 lines; duplicate product lines are merged by summing their quantities",
                    **kwargs.pop("metadata", {})}
        super().__init__(fields.Nested(OrderedLineSchema), validate=validate.Length(min=1, max=MAX_LINES),
                         metadata=metadata, **kwargs)


class PurchaseOrderCreateSchema(PathNamedErrors):
    supplier_id = Id(required=True)
    warehouse_id = Id(required=True, metadata={"description": "Where the goods are delivered"})
    lines = OrderedLinesField(required=True)
    reference = Text(max_length=120, allow_none=True)
    notes = Text(max_length=2000, allow_none=True)
    expected_at = StoredInstant(allow_none=True, metadata={"description": "When delivery is expected (a past date is accepted); stored in whole seconds"})


class PurchaseOrderUpdateSchema(PathNamedErrors):
    lines = OrderedLinesField(metadata={"description": "Replaces the whole list (1–500 lines); duplicate product lines are merged"})
    reference = Text(max_length=120, allow_none=True)
    notes = Text(max_length=2000, allow_none=True)
    expected_at = StoredInstant(allow_none=True, metadata={"description": "Stored in whole seconds"})

    @validates_schema
    def something_to_change(self, data, **kwargs):
        if not data:
            raise ValidationError("Give lines, reference, notes or expected_at.", "body")


class PurchaseOrderStatusSchema(Schema):
    status = fields.String(required=True, validate=validate.OneOf(STATUSES))


class PurchaseOrderListArgs(PageArgs):
    status = fields.String(validate=validate.OneOf(STATUSES))
    supplier_id = QueryId()
    warehouse_id = QueryId()
    product_id = QueryId(metadata={"description": "Orders with a line of this product"})
    overdue = fields.Boolean(metadata={"description": "true: ordered or partially received with expected_at in the "
                                                      "past; false: every other order (no expected_at included)"})


class ReceivedLineSchema(Schema):
    line_id = Id(required=True, metadata={"description": "A line of this purchase order"})
    quantity = StrictInteger(required=True, validate=validate.Range(min=1, max=MAX_QUANTITY))


class ReceiptCreateSchema(PathNamedErrors):
    lines = fields.List(fields.Nested(ReceivedLineSchema), required=True, validate=validate.Length(min=1, max=MAX_LINES))
    occurred_at = PastDateTime(allow_none=True, metadata={"description": "When it arrived (≤ now, default now); stored in whole seconds"})
    reference = Text(max_length=120, allow_none=True, metadata={"description": "The delivery note"})


class ReceiptLineSchema(Schema):
    line_id = fields.Integer()
    product_id = fields.Integer()
    quantity = fields.Integer()


class ReceiptSchema(Schema):
    id = fields.Integer()
    purchase_order_id = fields.Integer()
    lines = fields.List(fields.Nested(ReceiptLineSchema))
    occurred_at = UTCDateTime()
    reference = fields.String(allow_none=True)
    user_id = fields.Integer(allow_none=True)
    created_at = UTCDateTime()


class ReceiptResultSchema(Schema):
    receipt = fields.Nested(ReceiptSchema)
    purchase_order = fields.Nested(PurchaseOrderSchema)
    movements = fields.List(fields.Nested(MovementSchema), metadata={"description": "One receive row per received line"})


# Replenishment


class ReplenishmentArgs(ExportArgs):
    days = QueryInteger(validate=validate.Range(min=1, max=365),
                          metadata={"description": "The sales window, 1–365 (default: the company's recent_sales_days)"})
    warehouse_id = QueryId()
    supplier_id = QueryId(metadata={"description": "Only what to order from this (reorder) supplier"})


class SupplierRefSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    contact_email = fields.String(allow_none=True)


class ReplenishmentLineSchema(Schema):
    product_id = fields.Integer()
    sku = fields.String()
    product_name = fields.String()
    warehouse_id = fields.Integer()
    warehouse_name = fields.String()
    current_stock = fields.Integer(metadata={"description": "available: on_hand − reserved"})
    incoming = fields.Integer()
    threshold = fields.Integer()
    avg_daily_sales = fields.Float()
    lead_time_days = fields.Integer()
    quantity = fields.Integer(metadata={"description": "The reorder rule's quantity"})
    unit_cost = Money(allow_none=True, metadata={"description": "The supplier link's; null when unknown"})
    line_total = Money(allow_none=True)


class ReplenishmentGroupSchema(Schema):
    supplier = fields.Nested(SupplierRefSchema, allow_none=True)
    lines = fields.List(fields.Nested(ReplenishmentLineSchema))
    total = Money(metadata={"description": "Σ of the known line totals"})


class ReplenishmentSchema(Schema):
    suppliers = fields.List(fields.Nested(ReplenishmentGroupSchema))
    days = fields.Integer()
    cover_days = fields.Integer()


class DraftsRequestSchema(Schema):
    supplier_id = Id(metadata={"description": "Only this supplier's suggestions"})
    warehouse_id = Id(metadata={"description": "Only this warehouse's suggestions"})


class SkippedSchema(Schema):
    product_id = fields.Integer()
    warehouse_id = fields.Integer()
    reason = fields.String(metadata={"enum": ["no_supplier", "no_unit_cost", "quantity_too_large"]})


class DraftsSchema(Schema):
    purchase_orders = fields.List(fields.Nested(PurchaseOrderSchema))
    skipped = fields.List(fields.Nested(SkippedSchema))
