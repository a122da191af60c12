"""Request and response bodies of /api/bundles."""

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from app.common.fields import Id, Money, StrictInteger, Text
from app.common.pagination import PageArgs
from app.products.schemas import ProductSchema, Sku


class ComponentSchema(Schema):
    product_id = Id(required=True)
    quantity = StrictInteger(required=True, validate=validate.Range(min=1, max=1_000_000), metadata={"description": "Units per bundle"})


class ComponentOutSchema(Schema):
    product_id = fields.Integer(attribute="component_id")
    sku = fields.String(attribute="component.sku")
    name = fields.String(attribute="component.name")
    quantity = fields.Integer()


class BundleSchema(ProductSchema):
    components = fields.List(fields.Nested(ComponentOutSchema))


class ComponentsSchema(Schema):
    components = fields.List(fields.Nested(ComponentSchema), required=True, validate=validate.Length(min=1, max=100))

    # A schema validator, not @validates("components"): marshmallow runs field validators on the
    # lines that did load even when others failed, and a line without its product_id would raise.
    @validates_schema
    def distinct_products(self, data, **kwargs):
        ids = [line["product_id"] for line in data["components"]]
        if len(ids) != len(set(ids)):
            raise ValidationError("each product may appear only once", "components")


class BundleCreateSchema(ComponentsSchema):
    name = Text(max_length=200, min_length=1, required=True)
    sku = Sku(required=True, metadata={"description": "Unique across the platform, case-insensitively"})
    price = Money(required=True)
    description = Text(max_length=5000, allow_none=True)


class BundleListArgs(PageArgs):
    is_active = fields.Boolean(load_default=True)
