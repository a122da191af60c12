"""Schemas shared by every resource: the error body."""

from marshmallow import Schema, fields


class ErrorSchema(Schema):
    code = fields.Integer(metadata={"description": "HTTP status code", "example": 409})
    status = fields.String(metadata={"description": "HTTP reason phrase", "example": "Conflict"})
    error = fields.String(metadata={"description": "Stable machine-readable slug", "example": "sku_taken"})
    message = fields.String(metadata={"description": "One human-readable sentence"})
    errors = fields.Dict(
        keys=fields.String(),
        metadata={"description": "Field name → list of messages (validation failures)"},
    )
