"""Staff record receipts, sales, transfers and counts; the ledger tells the whole story."""

import pytest

from tests.e2e.conftest import ledger, level, make_bundle, make_product, make_warehouse, move


@pytest.fixture
def shop(retro):
    """Retro's Main warehouse with 10 clocks, an empty Backroom, and 12 batteries in Main."""
    main, backroom = make_warehouse(retro, "Main"), make_warehouse(retro, "Backroom")
    clock = make_product(retro, "Retro Clock", {main: 10})
    battery = make_product(retro, "AA Battery", {main: 12}, price="0.99")
    return dict(main=main, backroom=backroom, clock=clock, battery=battery)


def recorded(response) -> dict:
    assert response.status_code == 201, response.text
    return response.json()


def test_receiving_stock_adds_to_on_hand_and_appends_a_ledger_row(retro, shop):
    body = recorded(move(retro, "receive", shop["clock"], shop["main"], 5, reference="DN-2231"))
    [row] = body["movements"]
    assert (row["type"], row["quantity_change"], row["on_hand_after"], row["reference"], row["user_id"]) == (
        "receive", 5, 15, "DN-2231", retro.user_id)
    assert [(lv["on_hand"], lv["available"]) for lv in body["levels"]] == [(15, 15)]


def test_a_sale_takes_stock_from_on_hand(retro, shop):
    recorded(move(retro, "sale", shop["clock"], shop["main"], 3, reference="INV-1042"))
    assert (level(retro, shop["clock"], shop["main"])["on_hand"]) == 7


def test_selling_more_than_is_available_is_refused_and_changes_nothing(retro, shop):
    response = move(retro, "sale", shop["clock"], shop["main"], 11)
    assert (response.status_code, response.json()["error"]) == (409, "insufficient_stock")
    assert "available" in response.json()["errors"]
    assert response.json()["short"] == [{"product_id": shop["clock"], "available": 10, "requested": 11}]
    assert level(retro, shop["clock"], shop["main"])["on_hand"] == 10
    assert len(ledger(retro, product_id=shop["clock"])) == 1


def test_a_transfer_moves_stock_between_warehouses_as_two_rows_sharing_a_transfer_id(retro, shop):
    body = recorded(move(retro, "transfer", shop["clock"], shop["main"], 4, to_warehouse_id=shop["backroom"]))
    out, into = body["movements"]
    assert [(r["warehouse_id"], r["quantity_change"], r["on_hand_after"]) for r in (out, into)] == [
        (shop["main"], -4, 6), (shop["backroom"], 4, 4)]
    assert out["transfer_id"] and out["transfer_id"] == into["transfer_id"]
    assert (level(retro, shop["clock"], shop["main"])["on_hand"], level(retro, shop["clock"], shop["backroom"])["on_hand"]) == (6, 4)


def test_a_count_sets_on_hand_and_the_ledger_stores_the_difference(retro, shop):
    [row] = recorded(move(retro, "count", shop["clock"], shop["main"], 7, expected_on_hand=10))["movements"]
    assert (row["type"], row["quantity_change"], row["on_hand_after"]) == ("count", -3, 7)


def test_a_count_over_a_stale_expected_quantity_is_refused(retro, shop):
    recorded(move(retro, "sale", shop["clock"], shop["main"], 1))
    response = move(retro, "count", shop["clock"], shop["main"], 7, expected_on_hand=10)
    assert (response.status_code, response.json()["error"]) == (409, "stale_quantity")
    assert level(retro, shop["clock"], shop["main"])["on_hand"] == 9


def test_a_removal_without_a_reason_is_refused_naming_the_field(retro, shop):
    response = move(retro, "remove", shop["clock"], shop["main"], 1)
    assert (response.status_code, response.json()["error"]) == (422, "validation_error")
    assert list(response.json()["errors"]) == ["reason"]


def test_selling_a_bundle_sells_its_components_with_rows_naming_the_bundle(retro, shop):
    kit = make_bundle(retro, "Alarm kit", (shop["clock"], 1), (shop["battery"], 2))
    body = recorded(move(retro, "sale", kit, shop["main"], 3))
    assert sorted((r["product_id"], r["quantity_change"], r["bundle_id"]) for r in body["movements"]) == sorted(
        [(shop["clock"], -3, kit), (shop["battery"], -6, kit)])
    assert (level(retro, shop["clock"], shop["main"])["on_hand"], level(retro, shop["battery"], shop["main"])["on_hand"]) == (7, 6)


def test_receiving_stock_onto_a_bundle_is_refused(retro, shop):
    kit = make_bundle(retro, "Alarm kit", (shop["clock"], 1))
    response = move(retro, "receive", kit, shop["main"], 1)
    assert (response.status_code, response.json()["error"]) == (409, "bundle_has_no_stock")


def test_an_archived_product_takes_no_movements(retro, shop):
    assert retro.delete(f"/api/products/{shop['clock']}").status_code == 204
    response = move(retro, "receive", shop["clock"], shop["main"], 1)
    assert (response.status_code, response.json()["error"]) == (409, "in_use")


def test_the_ledger_pages_newest_first_through_a_cursor_without_gaps_or_repeats(retro, shop):
    for quantity in (1, 2, 3, 4, 5):
        recorded(move(retro, "receive", shop["clock"], shop["main"], quantity))
    first = retro.ok("/api/inventory/movements", params={"product_id": shop["clock"], "limit": 4})
    second = retro.ok("/api/inventory/movements", params={"product_id": shop["clock"], "limit": 4, "cursor": first["next_cursor"]})
    assert [r["quantity_change"] for r in first["items"]] == [5, 4, 3, 2]
    assert [r["quantity_change"] for r in second["items"]] == [1, 10]
    assert second["next_cursor"] is None


def test_the_ledger_filters_by_movement_type(retro, shop):
    recorded(move(retro, "sale", shop["clock"], shop["main"], 2))
    recorded(move(retro, "receive", shop["clock"], shop["main"], 6))
    sales = ledger(retro, product_id=shop["clock"], type="sale")
    assert [(r["type"], r["quantity_change"]) for r in sales] == [("sale", -2)]


def test_a_cursor_not_issued_by_the_ledger_is_refused(retro):
    response = retro.get("/api/inventory/movements", params={"cursor": "not-a-cursor"})
    assert (response.status_code, response.json()["error"]) == (422, "validation_error")
    assert list(response.json()["errors"]) == ["cursor"]


def test_after_a_mixed_day_every_level_equals_the_sum_of_its_ledger_rows(retro, shop):
    clock, battery, main, backroom = shop["clock"], shop["battery"], shop["main"], shop["backroom"]
    kit = make_bundle(retro, "Alarm kit", (clock, 1), (battery, 2))
    for kind, product, quantity, extra in [
        ("receive", clock, 20, {}), ("sale", clock, 4, {}), ("transfer", clock, 6, {"to_warehouse_id": backroom}),
        ("return", clock, 1, {}), ("remove", battery, 2, {"reason": "crushed"}), ("adjust", battery, -1, {"reason": "miscount"}),
        ("sale", kit, 2, {}), ("count", clock, 15, {}), ("sale", clock, 3, {"warehouse_id": backroom}),
    ]:
        recorded(move(retro, kind, product, extra.pop("warehouse_id", main), quantity, **extra))
    levels = retro.ok("/api/inventory")["items"]
    assert {(lv["product_id"], lv["warehouse_id"]): lv["on_hand"] for lv in levels} == {
        (clock, main): 15, (clock, backroom): 3, (battery, main): 5}
    for lv in levels:
        rows = ledger(retro, product_id=lv["product_id"], warehouse_id=lv["warehouse_id"])
        assert sum(r["quantity_change"] for r in rows) == lv["on_hand"], lv
