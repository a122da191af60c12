"""Inventory use cases. Every change of on_hand is written together with its ledger row."""

import sqlalchemy as sa

from app.extensions import db
from app.inventory.models import InventoryLevel, StockMovement
from app.warehouses.models import Warehouse


def missing_warehouses(company_id: int, warehouse_ids) -> list[int]:
    """Those of these ids that are not warehouses of the company."""
    owned = set(
        db.session.scalars(
            sa.select(Warehouse.id).where(Warehouse.company_id == company_id, Warehouse.id.in_(warehouse_ids))
        )
    )
    return sorted(set(warehouse_ids) - owned)


def place_initial_stock(company_id: int, product_id: int, stock: dict[int, int], user_id: int | None) -> None:
    """Create the product's levels in these (the company's) warehouses, each quantity recorded as a `receive`.

    Part of the caller's transaction: flushes, never commits.
    """
    for warehouse_id, quantity in sorted(stock.items()):
        db.session.add(
            InventoryLevel(company_id=company_id, product_id=product_id, warehouse_id=warehouse_id, on_hand=quantity)
        )
        if quantity:
            db.session.add(
                StockMovement(
                    company_id=company_id, product_id=product_id, warehouse_id=warehouse_id, type="receive",
                    quantity_change=quantity, on_hand_after=quantity, reason="initial stock", user_id=user_id,
                )
            )
    db.session.flush()
