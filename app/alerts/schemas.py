"""Query arguments and body of the low-stock alerts endpoint."""

from marshmallow import Schema, fields, validate

from app.common.csvio import ExportArgs
from app.common.fields import QueryId, QueryInteger, UTCDateTime
from app.common.pagination import PageArgs


class AlertArgs(PageArgs, ExportArgs):
    days = QueryInteger(
        validate=validate.Range(min=1, max=365),
        metadata={"description": "Recent-sales window in days, 1–365; default the company's `recent_sales_days`"},
    )
    warehouse_id = QueryId()
    product_type_id = QueryId()
    supplier_id = QueryId(metadata={"description": "Only products whose reorder supplier (see `supplier`) is this one"})
    needs_reorder = fields.Boolean(
        metadata={"description": "true: only alerts whose suggested_reorder_quantity > 0 (not enough on order); false: the others"}
    )


class AlertSupplierSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    contact_email = fields.String(allow_none=True)
    lead_time_days = fields.Integer(
        allow_none=True, metadata={"description": "The link's lead time, else the supplier's; null when neither is set"}
    )
    min_order_qty = fields.Integer()
    order_multiple = fields.Integer(metadata={"description": "The link's pack size"})


class AlertSchema(Schema):
    level_id = fields.Integer(metadata={"description": "The inventory level alerting (`GET /api/inventory/{id}`)"})
    product_id = fields.Integer()
    product_name = fields.String()
    sku = fields.String()
    warehouse_id = fields.Integer()
    warehouse_name = fields.String()
    current_stock = fields.Integer(metadata={"description": "Available: on_hand − reserved"})
    threshold = fields.Integer(metadata={"description": "Effective: level override → product → type → company"})
    days_until_stockout = fields.Integer(
        metadata={"description": "floor(current_stock × days / units_sold); 0 when out of stock"}
    )
    supplier = fields.Nested(AlertSupplierSchema, allow_none=True)
    on_hand = fields.Integer()
    reserved = fields.Integer()
    units_sold = fields.Integer(metadata={"description": "Units sold at this warehouse in the window"})
    avg_daily_sales = fields.Float(metadata={"description": "units_sold / days, rounded half up to two decimals"})
    suggested_reorder_quantity = fields.Integer(metadata={"description": "The replenishment rule's quantity: 0 when enough is on order"})
    incoming = fields.Integer(metadata={"description": "On order from suppliers (open purchase orders)"})
    next_expected_at = UTCDateTime(
        allow_none=True, metadata={"description": "Earliest expected delivery of the open purchase orders behind `incoming`"}
    )


class AlertPageSchema(Schema):
    alerts = fields.List(fields.Nested(AlertSchema), required=True)
    total_alerts = fields.Integer(required=True, metadata={"description": "Alerts matching, over all pages"})
    total_stockouts = fields.Integer(
        required=True, metadata={"description": "How many of those alerts are out of stock (current_stock ≤ 0)"}
    )
    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)
    days = fields.Integer(required=True, metadata={"description": "The window used"})
    window_start = fields.Date(required=True, metadata={"description": "First UTC day of the window (it ends today)"})
