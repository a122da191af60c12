"""Request and response bodies of /api/suppliers and /api/products/{id}/suppliers."""

from marshmallow import Schema, fields, validate

from app.common.fields import MAX_QUANTITY, Email, Money, StrictBoolean, StrictInteger, Text, UTCDateTime
from app.common.pagination import PageArgs


def LeadTime(**kwargs) -> StrictInteger:  # noqa: N802 (reads as a field type)
    return StrictInteger(validate=validate.Range(min=0, max=365), allow_none=True, **kwargs)


class SupplierSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    contact_email = fields.String(allow_none=True)
    contact_phone = fields.String(allow_none=True)
    lead_time_days = fields.Integer(allow_none=True)
    created_at = UTCDateTime()
    updated_at = UTCDateTime()


class SupplierCreateSchema(Schema):
    name = Text(max_length=200, min_length=1, required=True)
    contact_email = Email(allow_none=True)
    contact_phone = Text(max_length=40, allow_none=True)
    lead_time_days = LeadTime(metadata={"description": "Default days from order to delivery"})


class SupplierUpdateSchema(SupplierCreateSchema):
    name = Text(max_length=200, min_length=1)


class SupplierListArgs(PageArgs):
    q = fields.String(validate=validate.Length(min=1, max=100), metadata={"description": "Name contains it, whatever the case and accents (`societe` finds `Société`), one character against one (`ss` does not find `ß`)"})


class ProductSupplierSchema(Schema):
    product_id = fields.Integer()
    supplier_id = fields.Integer()
    supplier_name = fields.String(attribute="supplier.name")
    supplier_sku = fields.String(allow_none=True)
    unit_cost = Money(allow_none=True)
    lead_time_days = fields.Integer(allow_none=True, metadata={"description": "null: the supplier's default applies"})
    min_order_qty = fields.Integer()
    order_multiple = fields.Integer(metadata={"description": "Orders come in packs of this many"})
    is_primary = fields.Boolean()


class ProductSupplierUpdateSchema(Schema):
    supplier_sku = Text(max_length=64, allow_none=True)
    unit_cost = Money(allow_none=True)
    lead_time_days = LeadTime(metadata={"description": "Overrides the supplier's lead time for this product"})
    min_order_qty = StrictInteger(validate=validate.Range(min=1, max=MAX_QUANTITY))
    order_multiple = StrictInteger(
        validate=validate.Range(min=1, max=MAX_QUANTITY),
        metadata={"description": "Pack size: a suggested reorder quantity is rounded up to a multiple of it (default 1)"},
    )
    is_primary = StrictBoolean(metadata={"description": "true clears the flag on the product's other suppliers"})
