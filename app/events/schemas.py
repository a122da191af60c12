"""Bodies of /api/events, and what a stock event says of its level."""

from marshmallow import Schema, fields, validate

from app.alerts.schemas import AlertSupplierSchema
from app.common.fields import Cursor, UTCDateTime
from app.events.domain import EVENT_TYPES


class LevelSnapshotSchema(Schema):
    """`data` of stock.low, stock.out and stock.replenished: the level as of the change."""

    level_id = fields.Integer()
    product_id = fields.Integer()
    sku = fields.String()
    product_name = fields.String()
    warehouse_id = fields.Integer()
    warehouse_name = fields.String()
    on_hand = fields.Integer()
    reserved = fields.Integer()
    current_stock = fields.Integer(metadata={"description": "Available: on_hand − reserved"})
    threshold = fields.Integer(allow_none=True, metadata={"description": "null while the level does not alert"})
    incoming = fields.Integer()
    days_until_stockout = fields.Integer(
        allow_none=True, metadata={"description": "0 when out of stock; null when it sold nothing in the company's window"})
    suggested_reorder_quantity = fields.Integer()
    supplier = fields.Nested(AlertSupplierSchema, allow_none=True)


class EventSchema(Schema):
    id = fields.String(attribute="public_id", metadata={"description": "evt_…: receivers deduplicate by it"})
    type = fields.String(metadata={"enum": list(EVENT_TYPES)})
    created_at = UTCDateTime()
    company_id = fields.Integer()
    data = fields.Dict(metadata={"description": "See the catalogue: a level, an order, a purchase order, …"})


class EventListArgs(Schema):
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=500))
    cursor = Cursor("e", metadata={"type": "string", "description": "next_cursor of the previous page"})
    type = fields.String(validate=validate.OneOf(EVENT_TYPES))


class EventPageSchema(Schema):
    items = fields.List(fields.Nested(EventSchema))
    next_cursor = Cursor("e", metadata={"type": "string", "nullable": True, "description": "null on the last page"})
