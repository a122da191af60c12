"""Schemas shared by every resource: the error body, and errors named by path."""

from marshmallow import Schema, ValidationError, fields


class PathNamedErrors(Schema):
    """A schema whose refusals name each field by its path — `{"movements.3.quantity": [...]}`, as the
    domain's own errors name them — rather than marshmallow's nesting ({"movements": {"3": …}})."""

    def handle_error(self, error: ValidationError, data, *, many: bool, **kwargs):
        raise ValidationError(dotted(error.messages)) from error


def dotted(errors: dict, prefix: str = "") -> dict:
    """marshmallow's nested messages as one level: each field named by its path (`movements.3.quantity`)."""
    flat = {}
    for key, value in errors.items():
        if isinstance(value, dict):
            flat.update(dotted(value, f"{prefix}{key}."))
        elif key == "_schema" and prefix:  # the nested object itself: not an object at all
            flat[prefix[:-1]] = value
        else:
            flat[f"{prefix}{key}"] = value
    return flat


# Fields whose dumped value is the attribute itself when it is of these types: dump_flat reads
# the attribute and skips the field's serializer.
_AS_IS = ((fields.Integer, int), (fields.String, str), (fields.Boolean, bool))


def dump_flat(schema: Schema, items) -> list[dict]:
    """`schema.dump(items, many=True)` for a schema without nested fields, in a fraction of the time
    (what a batch of 500 movements or a stock-take of 40,000 rows answers): an integer, string or
    boolean field whose attribute already has that type is taken as it is; any other value goes
    through its field's serializer."""
    plan = [(name, field.attribute or name, next((kind for cls, kind in _AS_IS if type(field) is cls), None), field)
            for name, field in schema.dump_fields.items()]
    dumped = []
    for item in items:
        row = {}
        for name, attribute, kind, field in plan:
            value = getattr(item, attribute)
            row[name] = value if value is None or (kind is not None and type(value) is kind) else field._serialize(value, attribute, item)
        dumped.append(row)
    return dumped


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
        metadata={"description": "Field name → list of messages (validation failures). A nested field's messages "
                                 "are listed under its top-level field, each after its path within it "
                                 "(`{\"items\": [\"0.quantity: Must be …\"]}`); batches, purchase-order lines and "
                                 "CSV imports name the full path instead (`movements.3.quantity`, `lines.0.quantity`, `<line>.<column>`)"},
    )
    short = fields.List(
        fields.Nested(ShortageSchema),
        metadata={"description": "insufficient_stock from an order or a movement: each product short, what is available and what was asked"},
    )
