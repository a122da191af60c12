"""An edit (PATCH) that waits for another writer of the same row (MySQL): it applies in full after
that writer, as if the two had run one after the other, and answers the row as stored.

The ORM writes only the attributes that differ from what it read. Read before the other writer
committed, a value equal to the old one would be taken as unchanged and dropped: the row would end
half one writer's, half the other's (an import's price under an edit's name). So every edit reads
its row under its lock. Here the other writer is a transaction held open on a connection of its own.
"""

import threading
import time

import pytest
import sqlalchemy as sa

from app.extensions import db
from tests.factories import create_product, make_product_type, make_supplier, make_warehouse

pytestmark = pytest.mark.mysql


def _level(account):
    warehouse = make_warehouse(account, "Main")
    product = create_product(account, "EDIT-LEVEL", {warehouse: 5})
    return account.get("/api/inventory", query_string={"product_id": product["id"]}).json["items"][0]["id"]


# resource: (path of the row, its table, make it, the other writer's change, the edit: its old value
# for that column, and another field).
EDITS = {
    "product": ("/api/products/{}", "products", lambda a: create_product(a, "EDIT-1", price="5.00")["id"],
                {"price": 1.11}, {"price": "5.00", "name": "Edited"}),
    "product type": ("/api/product-types/{}", "product_types", lambda a: make_product_type(a, "Clocks", threshold=5),
                     {"low_stock_threshold": 9}, {"low_stock_threshold": 5, "name": "Edited"}),
    "warehouse": ("/api/warehouses/{}", "warehouses", lambda a: make_warehouse(a, "Main"),
                  {"address": "1 Other Road"}, {"address": None, "name": "Edited"}),
    "supplier": ("/api/suppliers/{}", "suppliers", lambda a: make_supplier(a, "Parts", lead_time_days=3),
                 {"lead_time_days": 8}, {"lead_time_days": 3, "name": "Edited"}),
    "level": ("/api/inventory/{}", "inventory_levels", _level,
              {"reorder_up_to": 50}, {"reorder_up_to": None, "low_stock_threshold": 2}),
}


def edit_waiting_for(app, acme, path, statement, params, body):
    """PATCH `path` with `body` while another transaction holds the row changed by `statement`,
    committed half a second later: the PATCH's answer and the row as stored afterwards."""
    answers = []
    with app.app_context(), db.engine.connect() as other_writer:
        other_writer.execute(sa.text(statement), params)
        editing = threading.Thread(target=lambda: answers.append(app.test_client().patch(path, json=body, headers=acme.headers)))
        editing.start()
        time.sleep(0.5)  # the edit is under way, waiting for the row
        other_writer.commit()
    editing.join(timeout=60)
    [response] = answers
    assert response.status_code == 200, response.json
    return response.json, acme.get(path).json


@pytest.mark.parametrize("resource", EDITS)
def test_an_edit_waiting_for_another_writer_applies_in_full_after_it(app, acme, resource):
    path, table, make, other, edit = EDITS[resource]
    path = path.format(make(acme))
    row_id = int(path.rsplit("/", 1)[1])
    answered, stored = edit_waiting_for(
        app, acme, path, f"UPDATE {table} SET {', '.join(f'{c} = :{c}' for c in other)} WHERE id = :id", {**other, "id": row_id}, edit)
    for field, value in edit.items():
        assert stored[field] == value, (field, stored)
    assert answered == stored


def test_a_company_settings_edit_waiting_for_another_writer_applies_in_full_after_it(app, acme):
    path = f"/api/companies/{acme.company_id}"
    name = acme.get(path).json["name"]
    answered, stored = edit_waiting_for(
        app, acme, path, "UPDATE companies SET name = 'Renamed Meanwhile' WHERE id = :id", {"id": acme.company_id},
        {"name": name, "settings": {"default_low_stock_threshold": 7}})
    assert stored["name"] == name
    assert answered == stored
