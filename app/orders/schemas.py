"""Request and response bodies of /api/orders."""

from marshmallow import Schema, fields, validate

from app.common.fields import MAX_QUANTITY, Id, Money, QueryId, StrictInteger, Text, UTCDateTime, UTCInstant
from app.common.pagination import PageArgs
from app.orders.models import STATUSES


class OrderItemSchema(Schema):
    product_id = Id(required=True)
    quantity = StrictInteger(required=True, validate=validate.Range(min=1, max=MAX_QUANTITY))


class OrderLineSchema(Schema):
    product_id = fields.Integer()
    quantity = fields.Integer()
    unit_price = Money(metadata={"description": "The product's price when the order was taken"})


class OrderSchema(Schema):
    id = fields.Integer()
    status = fields.String(metadata={"enum": list(STATUSES)})
    warehouse_id = fields.Integer()
    reference = fields.String(allow_none=True)
    customer_name = fields.String(allow_none=True)
    items = fields.List(fields.Nested(OrderLineSchema))
    total = Money()
    created_at = UTCDateTime()
    updated_at = UTCDateTime()


class OrderCreateSchema(Schema):
    warehouse_id = Id(required=True)
    items = fields.List(fields.Nested(OrderItemSchema), required=True, validate=validate.Length(min=1, max=500))
    reference = Text(max_length=120, allow_none=True)
    customer_name = Text(max_length=200, allow_none=True)


class StatusChangeSchema(Schema):
    status = fields.String(required=True, validate=validate.OneOf(STATUSES), metadata={"description": (
        "`shipped` or `cancelled`, from `pending`. Any other change of status (`pending` included, from any "
        "status) is 409 `invalid_transition`; a value that is not a status is 422.")})


class OrderListArgs(PageArgs):
    status = fields.String(validate=validate.OneOf(STATUSES))
    warehouse_id = QueryId()
    since = UTCInstant(metadata={"description": "created_at ≥ since"})
    until = UTCInstant(metadata={"description": "created_at ≤ until"})
