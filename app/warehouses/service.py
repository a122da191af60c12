"""Warehouse use cases."""

from sqlalchemy.exc import IntegrityError

from app.common.integrity import change_named, commit_or_name_taken
from app.common.pagination import paginate
from app.common.tenancy import get_owned, scoped
from app.errors import InUse
from app.extensions import db
from app.inventory import service as inventory_service
from app.inventory.models import InventoryLevel
from app.warehouses.models import Warehouse


def list_warehouses(company_id: int, page: int, per_page: int, is_active: bool | None = None) -> dict:
    statement = scoped(Warehouse, company_id).order_by(Warehouse.id)
    if is_active is not None:
        statement = statement.where(Warehouse.is_active.is_(is_active))
    return paginate(statement, page, per_page)


def get_warehouse(company_id: int, warehouse_id: int) -> Warehouse:
    return get_owned(Warehouse, company_id, warehouse_id)


def create_warehouse(company_id: int, name: str, address: str | None = None) -> Warehouse:
    warehouse = Warehouse(company_id=company_id, address=address)
    warehouse.rename(name)
    db.session.add(warehouse)
    commit_or_name_taken("warehouse", name)
    return warehouse


def update_warehouse(company_id: int, warehouse_id: int, changes: dict) -> Warehouse:
    warehouse = get_owned(Warehouse, company_id, warehouse_id)
    in_warehouse = InventoryLevel.warehouse_id == warehouse_id
    with inventory_service.changing_alert_inputs(company_id, in_warehouse, when="is_active" in changes):
        change_named(warehouse, "warehouse", changes)
    db.session.commit()
    return warehouse


def delete_warehouse(company_id: int, warehouse_id: int) -> None:
    """Delete a warehouse that nothing refers to; one with stock or history must be deactivated."""
    warehouse = get_owned(Warehouse, company_id, warehouse_id)
    db.session.delete(warehouse)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise InUse(
            f"Warehouse {warehouse_id} holds stock or history; deactivate it with PATCH {{\"is_active\": false}}"
        )
