"""Schemas shared by every resource: the error body, and errors named by path."""

from marshmallow import Schema, ValidationError, fields


class PathNamedErrors(Schema):
    """A schema whose refusals name each field by its path — `{"movements.3.quantity": [...]}`, as the
    domain's own errors name them — rather than marshmallow's nesting ({"movements": {"3": …}})."""

    def handle_error(self, error: ValidationError, data, *, many: bool, **kwargs):
        raise ValidationError(_dotted(error.messages)) from error


def _dotted(errors: dict, prefix: str = "") -> dict:
    flat = {}
    for key, value in errors.items():
        if isinstance(value, dict):
            flat.update(_dotted(value, f"{prefix}{key}."))
        elif key == "_schema" and prefix:  # the nested object itself: not an object at all
            flat[prefix[:-1]] = value
        else:
            flat[f"{prefix}{key}"] = value
    return flat


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
