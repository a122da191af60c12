"""Bodies of /api/webhooks."""

from marshmallow import Schema, ValidationError, fields, validate

from app.common.fields import Cursor, QueryInteger, StrictBoolean, Text, UTCDateTime
from app.common.pagination import PageArgs
from app.events.domain import EVENT_TYPES, PING
from app.webhooks.models import DELIVERY_STATUSES

ALL = "*"
SUBSCRIBABLE = tuple(t for t in EVENT_TYPES if t != PING)  # a ping goes to whoever is tested


class WebhookSchema(Schema):
    id = fields.Integer()
    url = fields.String()
    events = fields.List(fields.String(), metadata={"description": 'Event types it receives, or ["*"] for all'})
    description = fields.String(allow_none=True)
    is_active = fields.Boolean()
    disabled_reason = fields.String(allow_none=True, metadata={"description": "Why StockFlow disabled it, if it did"})
    created_at = UTCDateTime()
    updated_at = UTCDateTime()


class WebhookCreatedSchema(WebhookSchema):
    secret = fields.String(metadata={"description": "whsec_…: shown only now and by rotate-secret; signs every delivery"})


class SecretSchema(Schema):
    secret = fields.String(metadata={"description": "The new whsec_… secret; the old one signs nothing from now on"})


class _EventTypes(fields.List):
    def __init__(self, **kwargs):
        super().__init__(fields.String(validate=validate.OneOf((ALL, *SUBSCRIBABLE))),
                         validate=validate.Length(min=1, max=len(SUBSCRIBABLE)), **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        types = list(dict.fromkeys(super()._deserialize(value, attr, data, **kwargs)))  # duplicates once, in order
        if ALL in types and len(types) > 1:
            raise ValidationError('"*" stands alone: it already means every type.')
        return types  # its length is checked after this, duplicates gone


class WebhookCreateSchema(Schema):
    url = Text(required=True, min_length=1, max_length=2048)
    events = _EventTypes(required=True, metadata={"description": f'Any of {", ".join(SUBSCRIBABLE)}; or ["*"]'})
    description = Text(max_length=500, allow_none=True)
    is_active = StrictBoolean(load_default=True)


class WebhookUpdateSchema(Schema):
    url = Text(min_length=1, max_length=2048)
    events = _EventTypes()
    description = Text(max_length=500, allow_none=True)
    is_active = StrictBoolean(metadata={"description": "true re-enables a disabled subscription (clears disabled_reason)"})


class WebhookListArgs(PageArgs):
    pass


class DeliverySchema(Schema):
    id = fields.Integer()
    event_id = fields.String(attribute="event.public_id", metadata={"description": "evt_… of the event delivered"})
    event_type = fields.String(attribute="event.type")
    status = fields.String(metadata={"enum": list(DELIVERY_STATUSES)})
    attempts = fields.Integer()
    last_status_code = fields.Integer(allow_none=True)
    last_error = fields.String(allow_none=True)
    last_attempt_at = UTCDateTime(allow_none=True)
    next_attempt_at = UTCDateTime(allow_none=True, metadata={"description": "null once succeeded or failed"})
    duration_ms = fields.Integer(allow_none=True)


class DeliveryListArgs(Schema):
    limit = QueryInteger(load_default=50, validate=validate.Range(min=1, max=500))
    cursor = Cursor("d", metadata={"type": "string", "description": "next_cursor of the previous page"})


class DeliveryPageSchema(Schema):
    items = fields.List(fields.Nested(DeliverySchema))
    next_cursor = Cursor("d", metadata={"type": "string", "nullable": True, "description": "null on the last page"})
