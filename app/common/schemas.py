"""Schemas shared by every resource: the error body."""

from marshmallow import Schema, fields


class ShortageSchema(Schema):
    product_id = fields.Integer()
    available = fields.Integer()
    requested = fields.Integer()


class ErrorSchema(Schema):
    code = fields.Integer(metadata={"description": "HTTP status code", "example": 409})
    status = fields.String(metadata={"description": "HTTP reason phrase", "example": "Conflict"})
    error = fields.String(metadata={"description": "Stable machine-readable slug", "example": "sku_taken"})
    message = fields.String(metadata={"description": "One human-readable sentence"})
    errors = fields.Dict(
        keys=fields.String(),
        metadata={"description": "Field name → list of messages (validation failures)"},
    )
    short = fields.List(
        fields.Nested(ShortageSchema),
        metadata={"description": "insufficient_stock from an order or a movement: each product short, what is available and what was asked"},
    )
