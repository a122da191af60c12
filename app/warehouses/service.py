"""Warehouse use cases."""

import sqlalchemy as sa

from app.alerts import read_model
from app.common.integrity import change_named, flush_or_name_taken
from app.common.pagination import paginate
from app.common.tenancy import get_owned, scoped
from app.common.time import utcnow
from app.common.transaction import use_case
from app.errors import InUse
from app.extensions import db
from app.inventory.models import InventoryLevel
from app.orders.models import Order
from app.purchasing.models import OPEN, PurchaseOrder
from app.warehouses.models import Warehouse


def list_warehouses(company_id: int, page: int, per_page: int, is_active: bool | None = None) -> dict:
    statement = scoped(Warehouse, company_id).order_by(Warehouse.id)
    if is_active is not None:
        statement = statement.where(Warehouse.is_active.is_(is_active))
    return paginate(statement, page, per_page)


def get_warehouse(company_id: int, warehouse_id: int) -> Warehouse:
    return get_owned(Warehouse, company_id, warehouse_id)


def references(company_id: int) -> tuple[dict[str, int], dict[str, int]]:
    """The company's warehouses by their id written as text, and by their name key: the two ways a
    sheet may name one."""
    rows = db.session.execute(sa.select(Warehouse.id, Warehouse.name_key).where(
        Warehouse.company_id == company_id, Warehouse.deleted_at.is_(None))).all()
    return {str(warehouse_id): warehouse_id for warehouse_id, _ in rows}, {key: warehouse_id for warehouse_id, key in rows}


def missing_warehouses(company_id: int, warehouse_ids, *, placing_stock: bool = False) -> list[int]:
    """Those of these ids that are not (undeleted) warehouses of the company.

    A caller about to place stock in them takes a share lock on those that exist, held until it
    commits, so that a concurrent deletion waits for it and then sees the stock (delete_warehouse).
    """
    found = scoped(Warehouse, company_id).where(Warehouse.id.in_(warehouse_ids)).with_only_columns(Warehouse.id)
    if placing_stock:
        found = found.with_for_update(read=True)
    return sorted(set(warehouse_ids) - set(db.session.scalars(found)))


def create_warehouse(company_id: int, name: str, address: str | None = None) -> Warehouse:
    with use_case():
        warehouse = Warehouse(company_id=company_id, address=address)
        warehouse.rename(name)
        db.session.add(warehouse)
        flush_or_name_taken("warehouse", name)
    return warehouse


def update_warehouse(company_id: int, warehouse_id: int, changes: dict) -> Warehouse:
    with use_case(), read_model.warehouse_activity_changed(company_id, warehouse_id, when="is_active" in changes):
        warehouse = get_owned(Warehouse, company_id, warehouse_id, for_update=True)
        change_named(warehouse, "warehouse", changes)
    return warehouse


def delete_warehouse(company_id: int, warehouse_id: int) -> None:
    """Delete a warehouse that holds nothing: every level at 0 on hand and 0 reserved, no pending order,
    no draft or open purchase order delivering to it.

    Its ledger rows, orders and sales stay and keep naming it, so the row is kept, marked deleted
    (absent from every read and write from then on), and its empty levels are removed. Its levels
    are locked first, in id order as every stock movement locks them, then the warehouse itself: a
    movement or new product that puts stock there either committed before (and is seen here) or
    waits for this and then finds no warehouse (its share lock, see missing_warehouses).
    """
    in_warehouse = (InventoryLevel.company_id == company_id, InventoryLevel.warehouse_id == warehouse_id)
    with use_case():
        db.session.execute(sa.select(InventoryLevel.id).where(*in_warehouse).order_by(InventoryLevel.id).with_for_update()).all()
        warehouse = get_owned(Warehouse, company_id, warehouse_id, for_update=True)
        # Read again now that no one can add stock here: a level may have been created while we waited.
        holding = db.session.scalar(sa.select(InventoryLevel.id).where(
            *in_warehouse, (InventoryLevel.on_hand > 0) | (InventoryLevel.reserved > 0)).limit(1))
        pending = db.session.scalar(sa.select(Order.id).where(
            Order.company_id == company_id, Order.warehouse_id == warehouse_id, Order.status == "pending").limit(1))
        awaited = db.session.scalar(sa.select(PurchaseOrder.id).where(
            PurchaseOrder.company_id == company_id, PurchaseOrder.warehouse_id == warehouse_id,
            PurchaseOrder.status.in_(("draft", *OPEN))).limit(1))
        if holding or pending or awaited:
            raise InUse(
                f"Warehouse {warehouse_id} holds stock, pending orders or purchase orders still to deliver: move or "
                f"sell the stock, finish the orders, or deactivate the warehouse with PATCH {{\"is_active\": false}}"
            )
        db.session.execute(sa.delete(InventoryLevel).where(*in_warehouse))
        warehouse.name_key, warehouse.is_active, warehouse.deleted_at = None, False, utcnow()
