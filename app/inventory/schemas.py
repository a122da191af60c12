"""Request and response bodies of /api/inventory and /api/inventory/movements."""

import datetime as dt

from marshmallow import Schema, ValidationError, fields, pre_load, validate, validates_schema

from app.common.csvio import CellInteger, ExportArgs
from app.common.fields import (MAX_QUANTITY, Cursor, Id, QueryId, QueryInteger, StoredInstant, StrictInteger, Text,
                               UTCDateTime, UTCInstant)
from app.common.pagination import PageArgs
from app.common.schemas import PathNamedErrors
from app.common.time import utcnow
from app.inventory.domain import MAX_ON_HAND

MOVEMENT_TYPES = ["receive", "sale", "return", "remove", "adjust", "count", "transfer"]


class LevelStockSchema(Schema):
    id = fields.Integer()
    product_id = fields.Integer()
    warehouse_id = fields.Integer()
    on_hand = fields.Integer()
    reserved = fields.Integer()
    available = fields.Integer(metadata={"description": "on_hand − reserved"})
    updated_at = UTCDateTime()


class LevelSchema(LevelStockSchema):
    sku = fields.String()
    low_stock_threshold = fields.Integer(allow_none=True, metadata={"description": "This level's override, if set"})
    threshold = fields.Integer(
        metadata={"description": "Effective: level override → product → product type → company default"}
    )
    incoming = fields.Integer(
        metadata={"description": "On order: Σ (quantity − received) over the lines of ordered and partially received purchase orders for this product and warehouse"}
    )
    reorder_up_to = fields.Integer(
        allow_none=True, metadata={"description": "The position a reorder brings the level back to, when set (else computed: see the replenishment rule)"}
    )


class LevelListArgs(PageArgs, ExportArgs):
    product_id = QueryId()
    warehouse_id = QueryId()
    below_threshold = fields.Boolean(metadata={"description": "true: only levels whose available ≤ threshold"})


class LevelUpdateSchema(Schema):
    low_stock_threshold = StrictInteger(
        allow_none=True, validate=validate.Range(min=0, max=MAX_QUANTITY),
        metadata={"description": "This warehouse's threshold override; null clears it"},
    )
    reorder_up_to = StrictInteger(
        allow_none=True, validate=validate.Range(min=1, max=MAX_QUANTITY),
        metadata={"description": "Order up to this position when reordering; must be above the effective threshold; null clears it"},
    )

    @validates_schema
    def something_to_change(self, data, **kwargs):
        if not data:
            raise ValidationError("Give low_stock_threshold, reorder_up_to or both.", "low_stock_threshold")


class LevelSalesArgs(Schema):
    days = QueryInteger(
        load_default=90, validate=validate.Range(min=1, max=365),
        metadata={"description": "How many UTC days, today included: 1–365, given once; default 90"},
    )


class DaySalesSchema(Schema):
    day = fields.Date(required=True, metadata={"description": "A UTC calendar day"})
    units = fields.Integer(required=True, metadata={"description": "Units the level sold that day; 0 when it sold none"})


class LevelSalesSchema(Schema):
    level_id = fields.Integer(required=True)
    days = fields.Integer(required=True, metadata={"description": "The window used: its number of days"})
    series = fields.List(
        fields.Nested(DaySalesSchema), required=True,
        metadata={"description": "One entry per UTC day of the window, oldest first, the last one today"},
    )


class MovementSchema(Schema):
    id = fields.Integer()
    type = fields.String()
    product_id = fields.Integer()
    warehouse_id = fields.Integer()
    quantity_change = fields.Integer()
    on_hand_after = fields.Integer()
    reason = fields.String(allow_none=True)
    reference = fields.String(allow_none=True)
    transfer_id = fields.String(allow_none=True)
    order_id = fields.Integer(allow_none=True)
    bundle_id = fields.Integer(allow_none=True)
    purchase_order_id = fields.Integer(allow_none=True, metadata={"description": "The purchase order a receipt row received against"})
    user_id = fields.Integer(allow_none=True)
    occurred_at = UTCDateTime()
    created_at = UTCDateTime()


class PastDateTime(StoredInstant):
    """A timestamp to store, no later than now."""

    def _deserialize(self, value, attr, data, **kwargs):
        moment = super()._deserialize(value, attr, data, **kwargs)
        if moment > utcnow() + dt.timedelta(seconds=5):  # a few seconds of clock skew are forgiven
            raise ValidationError("Must not be in the future.")
        return moment


class MovementCreateSchema(Schema):
    type = fields.String(required=True, validate=validate.OneOf(MOVEMENT_TYPES))
    product_id = Id(required=True)
    warehouse_id = Id(required=True)
    quantity = StrictInteger(
        required=True, validate=validate.Range(min=-MAX_QUANTITY, max=MAX_QUANTITY),
        metadata={"description": "≥ 1; adjust: signed, ≠ 0; count: the counted on_hand, ≥ 0"},
    )
    to_warehouse_id = Id(allow_none=True, metadata={"description": "transfer only: the receiving warehouse"})
    reason = Text(max_length=255, allow_none=True, metadata={"description": "Required for remove and adjust"})
    reference = Text(max_length=120, allow_none=True, metadata={"description": "Your document number: delivery note, invoice…"})
    occurred_at = PastDateTime(allow_none=True, metadata={"description": "When it happened (≤ now, default now); dates sales for analytics; stored in whole seconds"})
    expected_on_hand = StrictInteger(
        allow_none=True, validate=validate.Range(min=0, max=MAX_ON_HAND),
        metadata={"description": "count only: refuse with 409 stale_quantity if on_hand differs"},
    )

    REQUIRED = ("type", "product_id", "warehouse_id", "quantity")

    @pre_load
    def drop_nulls(self, data, **kwargs):
        """An optional field sent as null is as if it were left out."""
        if isinstance(data, dict):
            return {key: value for key, value in data.items() if value is not None or key in self.REQUIRED}
        return data

    @validates_schema
    def rules_of_the_type(self, data, **kwargs):
        kind, quantity = data["type"], data["quantity"]
        minimum = {"adjust": None, "count": 0}.get(kind, 1)
        if kind == "adjust" and quantity == 0:
            raise ValidationError("must not be 0 for adjust", "quantity")
        if minimum is not None and quantity < minimum:
            raise ValidationError(f"must be at least {minimum} for {kind}", "quantity")
        if kind in ("remove", "adjust") and not data.get("reason"):
            raise ValidationError(f"required for {kind}", "reason")
        if kind == "transfer":
            if "to_warehouse_id" not in data:
                raise ValidationError("required for transfer", "to_warehouse_id")
            if data["to_warehouse_id"] == data["warehouse_id"]:
                raise ValidationError("must differ from warehouse_id", "to_warehouse_id")
        elif "to_warehouse_id" in data:
            raise ValidationError("only for transfer", "to_warehouse_id")
        if "expected_on_hand" in data and kind != "count":
            raise ValidationError("only for count", "expected_on_hand")


MAX_BATCH = 500


class MovementBatchSchema(PathNamedErrors):
    movements = fields.List(
        fields.Nested(MovementCreateSchema), required=True, validate=validate.Length(min=1, max=MAX_BATCH),
        metadata={"description": f"1 to {MAX_BATCH} bodies of POST /api/inventory/movements, applied in this order"},
    )


class MovementResultSchema(Schema):
    movements = fields.List(fields.Nested(MovementSchema))
    levels = fields.List(fields.Nested(LevelSchema), metadata={"description": "The levels after the movement, as GET /api/inventory/{id} shows them"})


class RehearsedMovementSchema(MovementSchema):
    id = fields.Integer(allow_none=True, metadata={"description": "null: a dry run writes nothing"})


class RehearsedLevelSchema(LevelSchema):
    id = fields.Integer(allow_none=True, metadata={"description": "null for a level the sheet would create"})


class RehearsedResultSchema(Schema):
    movements = fields.List(fields.Nested(RehearsedMovementSchema), metadata={"description": "What would be recorded"})
    levels = fields.List(fields.Nested(RehearsedLevelSchema), metadata={"description": "The levels as they would be"})


class MovementListArgs(ExportArgs):
    limit = QueryInteger(load_default=50, validate=validate.Range(min=1, max=500))
    cursor = Cursor("m", metadata={"type": "string", "description": "next_cursor of the previous page"})
    product_id = QueryId()
    warehouse_id = QueryId()
    type = fields.String(validate=validate.OneOf(MOVEMENT_TYPES))
    purchase_order_id = QueryId(metadata={"description": "Rows received against this purchase order"})
    since = UTCInstant(metadata={"description": "occurred_at ≥ since"})
    until = UTCInstant(metadata={"description": "occurred_at ≤ until"})


class MovementPageSchema(Schema):
    items = fields.List(fields.Nested(MovementSchema))
    next_cursor = Cursor("m", metadata={"type": "string", "nullable": True, "description": "null on the last page"})


class CountImportRowSchema(Schema):
    """One line of a stock-take sheet; every cell is text."""

    sku = fields.String(required=True, validate=validate.Length(min=1, max=64))
    warehouse = fields.String(required=True, validate=validate.Length(min=1, max=120))
    counted = CellInteger(required=True, validate=validate.Range(min=0, max=MAX_QUANTITY))
    expected = CellInteger(validate=validate.Range(min=0, max=MAX_ON_HAND))
