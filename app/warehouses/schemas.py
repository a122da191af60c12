"""Request and response bodies of /api/warehouses."""

from marshmallow import Schema, fields

from app.common.fields import StrictBoolean, Text, UTCDateTime
from app.common.pagination import PageArgs


class WarehouseSchema(Schema):
    id = fields.Integer(dump_only=True)
    company_id = fields.Integer(dump_only=True)
    name = fields.String()
    address = fields.String(allow_none=True)
    is_active = fields.Boolean()
    created_at = UTCDateTime(dump_only=True)
    updated_at = UTCDateTime(dump_only=True)


class WarehouseCreateSchema(Schema):
    name = Text(max_length=120, min_length=1, required=True, metadata={"description": "Unique in the company, case-insensitively"})
    address = Text(max_length=500, allow_none=True)


class WarehouseUpdateSchema(Schema):
    name = Text(max_length=120, min_length=1)
    address = Text(max_length=500, allow_none=True)
    is_active = StrictBoolean(metadata={"description": "Inactive warehouses are left out of low-stock alerts"})


class WarehouseListArgs(PageArgs):
    is_active = fields.Boolean(metadata={"description": "Only active (true) or inactive (false) warehouses"})
