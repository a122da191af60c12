"""Bodies of /api/events, and what a stock event says of its level."""

from marshmallow import Schema, fields, validate

from app.alerts.schemas import AlertSchema
from app.common.fields import Cursor, QueryInteger, UTCDateTime
from app.events.domain import EVENT_TYPES


class LevelSnapshotSchema(AlertSchema):
    """`data` of stock.low, stock.out and stock.replenished: the level as of the change, with the
    alerts' fields and meanings."""

    level_id = fields.Integer()
    threshold = fields.Integer(allow_none=True, metadata={"description": "null while the level does not alert"})
    days_until_stockout = fields.Integer(
        allow_none=True, metadata={"description": "0 when out of stock; null when it sold nothing in the company's window"})

    class Meta:
        fields = ("level_id", "product_id", "sku", "product_name", "warehouse_id", "warehouse_name", "on_hand",
                  "reserved", "current_stock", "threshold", "incoming", "days_until_stockout",
                  "suggested_reorder_quantity", "supplier")


class EventSchema(Schema):
    id = fields.String(attribute="public_id", metadata={"description": "evt_…: receivers deduplicate by it"})
    type = fields.String(metadata={"enum": list(EVENT_TYPES)})
    created_at = UTCDateTime()
    company_id = fields.Integer()
    data = fields.Dict(metadata={"description": "See the catalogue: a level, an order, a purchase order, …"})


class EventListArgs(Schema):
    limit = QueryInteger(load_default=50, validate=validate.Range(min=1, max=500))
    cursor = Cursor("e", metadata={"type": "string", "description": "next_cursor of the previous page"})
    type = fields.String(validate=validate.OneOf(EVENT_TYPES))


class EventPageSchema(Schema):
    items = fields.List(fields.Nested(EventSchema))
    next_cursor = Cursor("e", metadata={"type": "string", "nullable": True, "description": "null on the last page"})
