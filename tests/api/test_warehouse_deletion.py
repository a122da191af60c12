"""Deleting a warehouse: allowed once it holds nothing, history kept; refused while it holds stock,
reservations or pending orders; and never half-done when stock is placed there at the same moment."""

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.warehouses.models import Warehouse
from tests.api.races import answer, run_together
from tests.dbstate import database_state
from tests.factories import link_supplier, make_product, make_supplier, make_warehouse


def move(account, kind, product_id, warehouse_id, quantity, **extra):
    return account.post("/api/inventory/movements", json={
        "type": kind, "product_id": product_id, "warehouse_id": warehouse_id, "quantity": quantity, **extra})


@pytest.fixture
def emptied(acme):
    """Depot, where RETRO-CLOCK was received, sold and counted down to 0 units."""
    depot = make_warehouse(acme, "Depot")
    clock = make_product(acme, "RETRO-CLOCK", {depot: 5})
    assert move(acme, "sale", clock, depot, 3).status_code == 201
    assert move(acme, "count", clock, depot, 0).status_code == 201
    return {"depot": depot, "clock": clock}


def test_a_warehouse_whose_levels_all_hold_nothing_is_deleted(acme, emptied):
    assert acme.delete(f"/api/warehouses/{emptied['depot']}").status_code == 204
    assert acme.get(f"/api/warehouses/{emptied['depot']}").status_code == 404
    assert acme.get("/api/warehouses").json["items"] == []
    assert acme.get("/api/inventory").json["items"] == []
    assert acme.get(f"/api/products/{emptied['clock']}").json["inventory"] == []


def test_its_ledger_rows_stay_and_still_name_it(acme, emptied):
    history = acme.get("/api/inventory/movements").json["items"]
    acme.delete(f"/api/warehouses/{emptied['depot']}")
    assert acme.get("/api/inventory/movements").json["items"] == history
    assert [row["type"] for row in history] == ["count", "sale", "receive"]
    assert {row["warehouse_id"] for row in history} == {emptied["depot"]}
    by_warehouse = acme.get("/api/inventory/movements", query_string={"warehouse_id": emptied["depot"]}).json["items"]
    assert by_warehouse == history


def test_a_deleted_warehouse_takes_no_stock_and_no_orders(app, acme, emptied):
    acme.delete(f"/api/warehouses/{emptied['depot']}")
    before = database_state(app)
    for response, field in (
        (move(acme, "receive", emptied["clock"], emptied["depot"], 1), "warehouse_id"),
        (acme.post("/api/products", json={"name": "Lamp", "sku": "LAMP", "price": "1.00",
                                          "inventory": [{"warehouse_id": emptied["depot"], "quantity": 1}]}), "inventory"),
        (acme.post("/api/orders", json={"warehouse_id": emptied["depot"],
                                        "items": [{"product_id": emptied["clock"], "quantity": 1}]}), "warehouse_id"),
    ):
        assert response.status_code == 422, response.json
        assert field in response.json["errors"]
    assert acme.patch(f"/api/warehouses/{emptied['depot']}", json={"name": "Back"}).status_code == 404
    assert acme.delete(f"/api/warehouses/{emptied['depot']}").status_code == 404
    assert database_state(app) == before


def test_its_name_is_free_again(acme, emptied):
    acme.delete(f"/api/warehouses/{emptied['depot']}")
    again = acme.post("/api/warehouses", json={"name": "DEPOT"})
    assert again.status_code == 201
    assert again.json["id"] != emptied["depot"]


def test_transfers_out_of_a_warehouse_can_empty_it_for_deletion(acme):
    depot, main = make_warehouse(acme, "Depot"), make_warehouse(acme, "Main")
    clock = make_product(acme, "RETRO-CLOCK", {depot: 4})
    assert move(acme, "transfer", clock, depot, 4, to_warehouse_id=main).status_code == 201
    assert acme.delete(f"/api/warehouses/{depot}").status_code == 204
    assert [(line["warehouse_id"], line["on_hand"]) for line in acme.get(f"/api/products/{clock}").json["inventory"]] == [(main, 4)]


def test_a_warehouse_holding_stock_is_not_deleted(app, acme, emptied):
    assert move(acme, "receive", emptied["clock"], emptied["depot"], 1).status_code == 201
    before = database_state(app)
    response = acme.delete(f"/api/warehouses/{emptied['depot']}")
    assert (response.status_code, response.json["error"]) == (409, "in_use")
    assert database_state(app) == before


def test_a_warehouse_with_a_pending_order_is_not_deleted(app, acme, emptied):
    move(acme, "receive", emptied["clock"], emptied["depot"], 2)
    taken = acme.post("/api/orders", json={"warehouse_id": emptied["depot"], "items": [{"product_id": emptied["clock"], "quantity": 2}]})
    assert taken.status_code == 201
    # Even with no units left unreserved, the warehouse holds the order's stock.
    before = database_state(app)
    assert acme.delete(f"/api/warehouses/{emptied['depot']}").status_code == 409
    assert database_state(app) == before
    acme.patch(f"/api/orders/{taken.json['id']}/status", json={"status": "shipped"})
    assert acme.delete(f"/api/warehouses/{emptied['depot']}").status_code == 204


# Races (MySQL): a deletion against stock arriving in the same warehouse


ROUNDS = 12


def deleted(app, warehouse_id) -> bool:
    with app.app_context():
        found = db.session.scalar(sa.select(Warehouse.deleted_at).where(Warehouse.id == warehouse_id))
        db.session.remove()
    return found is not None


def race_deletion(app, acme, depot, path, body) -> bool:
    """DELETE the depot while POST `path` `body` places stock there, together; one of them must win.
    Returns whether the deletion did (then the stock was refused)."""
    deletion, placing = run_together(app, [
        lambda client: answer(client.delete(f"/api/warehouses/{depot}", headers=acme.headers)),
        lambda client: answer(client.post(path, headers=acme.headers, json=body)),
    ])
    outcome = (deletion["status"], placing["status"])
    assert outcome in {(204, 422), (409, 201)}, (deletion, placing)
    assert deleted(app, depot) == (outcome == (204, 422))
    return outcome == (204, 422)


def receipt(product_id, warehouse_id):
    return {"type": "receive", "product_id": product_id, "warehouse_id": warehouse_id, "quantity": 3}


@pytest.mark.mysql
def test_a_deletion_racing_a_receive_either_wins_or_sees_the_stock(app, acme):
    clock = make_product(acme, "RETRO-CLOCK")
    for round_number in range(ROUNDS):
        depot = make_warehouse(acme, f"Depot {round_number}")
        won = race_deletion(app, acme, depot, "/api/inventory/movements", receipt(clock, depot))
        stocked = [line for line in acme.get(f"/api/products/{clock}").json["inventory"] if line["warehouse_id"] == depot]
        assert stocked == ([] if won else [{"warehouse_id": depot, "on_hand": 3, "reserved": 0, "available": 3, "incoming": 0}])


@pytest.mark.mysql
def test_a_deletion_racing_a_new_product_stocked_there_either_wins_or_sees_the_stock(app, acme):
    for round_number in range(ROUNDS):
        depot = make_warehouse(acme, f"Depot {round_number}")
        sku = f"NEW-{round_number}"
        won = race_deletion(app, acme, depot, "/api/products", {
            "name": "New", "sku": sku, "price": "1.00", "inventory": [{"warehouse_id": depot, "quantity": 2}]})
        products = acme.get("/api/products", query_string={"sku": sku}).json["items"]
        assert len(products) == (not won)


@pytest.mark.mysql
def test_a_deletion_racing_a_receive_into_an_existing_empty_level(app, acme):
    clock = make_product(acme, "RETRO-CLOCK")
    for round_number in range(ROUNDS):
        depot = make_warehouse(acme, f"Depot {round_number}")
        assert move(acme, "receive", clock, depot, 1).status_code == 201
        assert move(acme, "sale", clock, depot, 1).status_code == 201
        won = race_deletion(app, acme, depot, "/api/inventory/movements", receipt(clock, depot))
        on_hand = [line["on_hand"] for line in acme.get(f"/api/products/{clock}").json["inventory"] if line["warehouse_id"] == depot]
        assert on_hand == ([] if won else [3])


@pytest.mark.mysql
def test_a_deletion_racing_drafts_from_the_replenishment_never_leaves_a_draft_for_a_deleted_warehouse(app, acme):
    """Each round an empty level of the depot is due for reorder; the depot's deletion races the call
    that drafts purchase orders for it. Either the deletion waits and sees the draft (409), or the
    drafting sees the deletion (422: the depot it names is gone; 409 in_use when it went meanwhile;
    or nothing left to order) — never both done."""
    alpha = make_supplier(acme, "Alpha")
    clock = make_product(acme, "RETRO-CLOCK", low_stock_threshold=5)
    link_supplier(acme, clock, alpha, unit_cost="4.50")
    for round_number in range(ROUNDS):
        depot = make_warehouse(acme, f"Depot {round_number}")
        assert move(acme, "receive", clock, depot, 1).status_code == 201
        assert move(acme, "sale", clock, depot, 1).status_code == 201
        deletion, drafting = run_together(app, [
            lambda client: answer(client.delete(f"/api/warehouses/{depot}", headers=acme.headers)),
            lambda client: answer(client.post(f"/api/companies/{acme.company_id}/replenishment/purchase-orders",
                                              headers=acme.headers, json={"warehouse_id": depot})),
        ])
        drafts = drafting["body"].get("purchase_orders", []) if drafting["status"] == 201 else []
        outcome = (deletion["status"], drafting["status"], len(drafts))
        assert outcome in {(204, 201, 0), (204, 409, 0), (204, 422, 0), (409, 201, 1)}, (deletion, drafting)
        assert deleted(app, depot) == (deletion["status"] == 204)
        if drafting["status"] == 409:
            assert drafting["error"] == "in_use"
        if drafting["status"] == 422:
            assert list(drafting["body"]["errors"]) == ["warehouse_id"]
        # Leave nothing open for the next round's warehouse.
        for order in drafts:
            assert acme.patch(f"/api/purchase-orders/{order['id']}/status", json={"status": "cancelled"}).status_code == 200
