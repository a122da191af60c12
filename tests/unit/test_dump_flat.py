"""dump_flat writes what the schema's own dump writes, whatever the values."""

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

from app.common.schemas import dump_flat
from app.inventory.schemas import LevelStockSchema, MovementSchema


def test_dump_flat_answers_what_the_schemas_dump_answers():
    movements = [
        SimpleNamespace(id=1, type="sale", product_id=2, warehouse_id=3, quantity_change=-1, on_hand_after=5, reason=None,
                        reference="till 4", transfer_id=None, order_id=None, bundle_id=9, purchase_order_id=None, user_id=7,
                        occurred_at=dt.datetime(2026, 1, 2, 3, 4, 5, 123456), created_at=dt.datetime(2026, 1, 2, tzinfo=dt.timezone.utc)),
        # Values of other types than the field's go through the field: an integer held as a Decimal.
        SimpleNamespace(id=Decimal(2), type="count", product_id=2, warehouse_id=3, quantity_change=0, on_hand_after=True,
                        reason="stock-take", reference=None, transfer_id="a-b", order_id=None, bundle_id=None,
                        purchase_order_id=4, user_id=None, occurred_at=dt.datetime(2026, 1, 2), created_at=dt.datetime(2026, 1, 2)),
    ]
    levels = [SimpleNamespace(id=1, product_id=2, warehouse_id=3, on_hand=5, reserved=1, available=4, updated_at=dt.datetime(2026, 1, 2))]
    assert dump_flat(MovementSchema(), movements) == MovementSchema().dump(movements, many=True)
    assert dump_flat(LevelStockSchema(), levels) == LevelStockSchema().dump(levels, many=True)
