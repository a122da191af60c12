"""Request and response bodies of /api/companies."""

from marshmallow import Schema, fields, validate

from app.common.fields import StrictInteger, Text, UTCDateTime


class SettingsSchema(Schema):
    default_low_stock_threshold = StrictInteger(
        validate=validate.Range(min=0, max=1_000_000),
        metadata={"description": "Threshold used when neither level, product nor product type sets one"},
    )
    recent_sales_days = StrictInteger(
        validate=validate.Range(min=1, max=365),
        metadata={"description": "Default window, in days, in which a product must have sold to raise an alert"},
    )
    reorder_cover_days = StrictInteger(
        validate=validate.Range(min=1, max=365),
        metadata={"description": "Days of sales a reorder covers beyond the lead time (the replenishment rule's C), default 30"},
    )


class CompanySchema(Schema):
    id = fields.Integer(dump_only=True)
    name = fields.String()
    settings = fields.Nested(SettingsSchema)
    created_at = UTCDateTime(dump_only=True)


class CompanyUpdateSchema(Schema):
    name = Text(max_length=120, min_length=1)
    settings = fields.Nested(SettingsSchema)
