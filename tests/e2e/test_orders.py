"""Orders reserve stock when taken, turn into sales when shipped, and give it back when cancelled."""

import pytest

from tests.e2e.conftest import ledger, level, make_bundle, make_product, make_warehouse


@pytest.fixture
def shop(retro):
    """Retro's Main warehouse: 10 clocks at 19.99, 12 batteries at 0.99, and an alarm kit of 1 clock + 2 batteries."""
    main = make_warehouse(retro, "Main")
    clock = make_product(retro, "Retro Clock", {main: 10}, price="19.99")
    battery = make_product(retro, "AA Battery", {main: 12}, price="0.99")
    kit = make_bundle(retro, "Alarm kit", (clock, 1), (battery, 2), price="24.99")
    return dict(main=main, clock=clock, battery=battery, kit=kit)


def take_order(client, warehouse_id, *pairs, **extra):
    items = [{"product_id": product_id, "quantity": quantity} for product_id, quantity in pairs]
    return client.post("/api/orders", json={"warehouse_id": warehouse_id, "items": items, **extra})


def taken(client, warehouse_id, *pairs, **extra) -> dict:
    response = take_order(client, warehouse_id, *pairs, **extra)
    assert response.status_code == 201, response.text
    return response.json()


def stock(client, product_id, warehouse_id):
    found = level(client, product_id, warehouse_id)
    return found["on_hand"], found["reserved"], found["available"]


def set_status(client, order_id, status):
    return client.patch(f"/api/orders/{order_id}/status", json={"status": status})


def test_a_new_order_is_pending_with_price_snapshots_and_a_total(retro, shop):
    order = taken(retro, shop["main"], (shop["clock"], 2), (shop["battery"], 3), reference="PO-7781", customer_name="Ada Lovelace")
    assert (order["status"], order["warehouse_id"], order["reference"], order["customer_name"]) == (
        "pending", shop["main"], "PO-7781", "Ada Lovelace")
    assert order["items"] == [{"product_id": shop["clock"], "quantity": 2, "unit_price": "19.99"},
                              {"product_id": shop["battery"], "quantity": 3, "unit_price": "0.99"}]
    assert order["total"] == "42.95"


def test_taking_an_order_reserves_stock_without_touching_on_hand(retro, shop):
    taken(retro, shop["main"], (shop["clock"], 4))
    assert stock(retro, shop["clock"], shop["main"]) == (10, 4, 6)


def test_a_bundle_line_reserves_its_components(retro, shop):
    taken(retro, shop["main"], (shop["kit"], 3))
    assert (stock(retro, shop["clock"], shop["main"]), stock(retro, shop["battery"], shop["main"])) == ((10, 3, 7), (12, 6, 6))


def test_an_order_short_on_any_line_names_each_short_product_and_reserves_nothing(retro, shop):
    response = take_order(retro, shop["main"], (shop["clock"], 11), (shop["battery"], 13), (shop["kit"], 1))
    assert (response.status_code, response.json()["error"]) == (409, "insufficient_stock")
    assert sorted((s["product_id"], s["available"], s["requested"]) for s in response.json()["short"]) == sorted(
        [(shop["clock"], 10, 12), (shop["battery"], 12, 15)])
    assert (stock(retro, shop["clock"], shop["main"]), stock(retro, shop["battery"], shop["main"])) == ((10, 0, 10), (12, 0, 12))


def test_reserved_stock_cannot_be_sold_over_the_counter(retro, shop):
    taken(retro, shop["main"], (shop["clock"], 8))
    response = retro.post("/api/inventory/movements", json={
        "type": "sale", "product_id": shop["clock"], "warehouse_id": shop["main"], "quantity": 3})
    assert (response.status_code, response.json()["error"]) == (409, "insufficient_stock")


def test_shipping_an_order_turns_its_reservations_into_sales(retro, shop):
    order = taken(retro, shop["main"], (shop["clock"], 2), (shop["kit"], 1))
    response = set_status(retro, order["id"], "shipped")
    assert (response.status_code, response.json()["status"]) == (200, "shipped")
    assert (stock(retro, shop["clock"], shop["main"]), stock(retro, shop["battery"], shop["main"])) == ((7, 0, 7), (10, 0, 10))
    sales = ledger(retro, type="sale")
    assert sorted((r["product_id"], r["quantity_change"], r["order_id"]) for r in sales) == sorted(
        [(shop["clock"], -2, order["id"]), (shop["clock"], -1, order["id"]), (shop["battery"], -2, order["id"])])


def test_cancelling_an_order_releases_its_reservations_and_records_no_sale(retro, shop):
    order = taken(retro, shop["main"], (shop["clock"], 5))
    response = set_status(retro, order["id"], "cancelled")
    assert (response.status_code, response.json()["status"]) == (200, "cancelled")
    assert stock(retro, shop["clock"], shop["main"]) == (10, 0, 10)
    assert ledger(retro, type="sale") == []


def test_a_shipped_order_cannot_be_cancelled(retro, shop):
    order = taken(retro, shop["main"], (shop["clock"], 1))
    assert set_status(retro, order["id"], "shipped").status_code == 200
    response = set_status(retro, order["id"], "cancelled")
    assert (response.status_code, response.json()["error"]) == (409, "invalid_transition")
    assert stock(retro, shop["clock"], shop["main"]) == (9, 0, 9)


def test_a_cancelled_order_cannot_be_shipped(retro, shop):
    order = taken(retro, shop["main"], (shop["clock"], 1))
    assert set_status(retro, order["id"], "cancelled").status_code == 200
    response = set_status(retro, order["id"], "shipped")
    assert (response.status_code, response.json()["error"]) == (409, "invalid_transition")


def test_orders_are_listed_by_status(retro, shop):
    shipped = taken(retro, shop["main"], (shop["clock"], 1))
    pending = taken(retro, shop["main"], (shop["clock"], 1))
    set_status(retro, shipped["id"], "shipped")
    assert [o["id"] for o in retro.ok("/api/orders", params={"status": "pending"})["items"]] == [pending["id"]]
    assert [o["id"] for o in retro.ok("/api/orders", params={"status": "shipped"})["items"]] == [shipped["id"]]
