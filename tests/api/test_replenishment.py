"""Replenishment: what to order from whom, by the reorder rule of API.md, and drafts made from it."""

import pytest

from tests.api.alerting import low_stock, sell, set_company
from tests.api.purchasing import placed
from tests.dbstate import database_state
from tests.factories import link_supplier, make_product, make_supplier, make_warehouse

pytestmark = pytest.mark.usefixtures("stored_alert_inputs_stay_current")


def plan(account, **params) -> dict:
    response = account.get(f"/api/companies/{account.company_id}/replenishment", query_string=params)
    assert response.status_code == 200, response.json
    return response.json


def lines_of(body) -> list[dict]:
    return [line for group in body["suppliers"] for line in group["lines"]]


def quantities(account, **params) -> dict[int, int]:
    return {line["product_id"]: line["quantity"] for line in lines_of(plan(account, **params))}


@pytest.fixture
def example(acme, main):
    """API.md's example: threshold 10, 4 available, 30 sold in 30 days, a 7-day lead time, 30 days of cover."""
    tick = make_supplier(acme, "Tick & Co", contact_email="orders@tick.example")
    clock = make_product(acme, "RETRO-CLOCK", {main: 34}, low_stock_threshold=10)
    link_supplier(acme, clock, tick, lead_time_days=7, unit_cost="4.50")
    sell(acme, clock, main, 30)
    return dict(main=main, tick=tick, clock=clock)


def test_the_worked_example_orders_36(acme, example):
    body = plan(acme)
    assert (body["days"], body["cover_days"]) == (30, 30)
    assert body["suppliers"] == [{
        "supplier": {"id": example["tick"], "name": "Tick & Co", "contact_email": "orders@tick.example"},
        "lines": [{"product_id": example["clock"], "sku": "RETRO-CLOCK", "product_name": "Retro-Clock",
                   "warehouse_id": example["main"], "warehouse_name": "Main", "current_stock": 4, "incoming": 0,
                   "threshold": 10, "avg_daily_sales": 1.0, "lead_time_days": 7, "quantity": 36, "unit_cost": "4.50",
                   "line_total": "162.00"}],
        "total": "162.00",
    }]


def test_archived_products_and_inactive_warehouses_are_not_suggested(acme, example):
    assert acme.delete(f"/api/products/{example['clock']}").status_code == 204
    assert quantities(acme) == {}
    assert acme.patch(f"/api/products/{example['clock']}", json={"is_active": True}).status_code == 200
    assert quantities(acme) == {example["clock"]: 36}
    assert acme.patch(f"/api/warehouses/{example['main']}", json={"is_active": False}).status_code == 200
    assert quantities(acme) == {}


@pytest.mark.parametrize("terms, quantity", [
    ({"min_order_qty": 50}, 50), ({"min_order_qty": 50, "order_multiple": 12}, 60), ({"order_multiple": 10}, 40),
])
def test_the_minimum_and_the_pack_size_of_the_link_apply(acme, example, terms, quantity):
    link_supplier(acme, example["clock"], example["tick"], **terms)
    assert quantities(acme) == {example["clock"]: quantity}
    [alert] = low_stock(acme)["alerts"]
    assert alert["suggested_reorder_quantity"] == quantity


def test_enough_on_order_takes_the_level_off_the_list(acme, example):
    placed(acme, example["tick"], example["main"], (example["clock"], 6))
    assert quantities(acme) == {example["clock"]: 30}  # position 4 + 6 = 10, still at the threshold
    placed(acme, example["tick"], example["main"], (example["clock"], 1))
    assert quantities(acme) == {}  # position 11: above it
    [alert] = low_stock(acme)["alerts"]
    assert (alert["incoming"], alert["suggested_reorder_quantity"]) == (7, 0)
    assert low_stock(acme, needs_reorder="true")["alerts"] == []
    assert len(low_stock(acme, needs_reorder="false")["alerts"]) == 1


def test_the_companys_cover_days_and_the_window_change_the_quantity(acme, example):
    set_company(acme, reorder_cover_days=10)
    assert quantities(acme) == {example["clock"]: 16}  # up to 10 + 10 − 4
    assert plan(acme)["cover_days"] == 10
    assert plan(acme, days=60)["days"] == 60
    assert quantities(acme, days=60) == {example["clock"]: 11}  # d = 0.5: up to max(10, ⌈3.5⌉) + ⌈5⌉ = 15, less 4


def test_an_order_up_to_level_set_on_the_level_replaces_the_computed_one(acme, example):
    [level] = acme.get("/api/inventory", query_string={"product_id": example["clock"]}).json["items"]
    response = acme.patch(f"/api/inventory/{level['id']}", json={"reorder_up_to": 100})
    assert (response.status_code, response.json["reorder_up_to"]) == (200, 100)
    assert quantities(acme) == {example["clock"]: 96}
    assert acme.patch(f"/api/inventory/{level['id']}", json={"reorder_up_to": None}).json["reorder_up_to"] is None
    assert quantities(acme) == {example["clock"]: 36}


@pytest.mark.parametrize("value", [10, 5, 0, -1, True, "20", 1_000_000_001])
def test_an_order_up_to_level_at_or_below_the_threshold_or_not_a_count_is_refused(app, acme, example, value):
    [level] = acme.get("/api/inventory", query_string={"product_id": example["clock"]}).json["items"]
    before = database_state(app)
    response = acme.patch(f"/api/inventory/{level['id']}", json={"reorder_up_to": value})
    assert (response.status_code, list(response.json["errors"])) == (422, ["reorder_up_to"])
    assert database_state(app) == before


@pytest.mark.parametrize("threshold", [15, 30])
def test_a_level_threshold_reaching_its_order_up_to_level_is_refused(app, acme, example, threshold):
    """The level orders up to 15 (the product's threshold is 10): its own threshold may not reach that."""
    [level] = acme.get("/api/inventory", query_string={"product_id": example["clock"]}).json["items"]
    path = f"/api/inventory/{level['id']}"
    assert acme.patch(path, json={"reorder_up_to": 15}).status_code == 200
    before = database_state(app)
    response = acme.patch(path, json={"low_stock_threshold": threshold})
    assert (response.status_code, list(response.json["errors"])) == (422, ["low_stock_threshold"])
    assert database_state(app) == before
    response = acme.patch(path, json={"low_stock_threshold": threshold, "reorder_up_to": 40})
    assert (response.status_code, response.json["threshold"], response.json["reorder_up_to"]) == (200, threshold, 40)


def test_clearing_a_level_threshold_under_its_order_up_to_level_is_accepted(acme, example):
    [level] = acme.get("/api/inventory", query_string={"product_id": example["clock"]}).json["items"]
    path = f"/api/inventory/{level['id']}"
    assert acme.patch(path, json={"low_stock_threshold": 12, "reorder_up_to": 15}).status_code == 200
    response = acme.patch(path, json={"low_stock_threshold": None})
    assert (response.status_code, response.json["threshold"], response.json["reorder_up_to"]) == (200, 10, 15)


def test_levels_due_are_listed_whether_they_sold_recently_or_not(acme, main, backroom):
    quiet = make_product(acme, "QUIET-LAMP", {main: 3, backroom: 30})
    # No sales: d = 0, so up to T + 1 = 11.
    assert quantities(acme) == {quiet: 8}
    assert low_stock(acme)["alerts"] == []


def test_lines_are_grouped_by_reorder_supplier_with_the_unsupplied_last(acme, main, backroom):
    first, second = make_supplier(acme, "Alpha"), make_supplier(acme, "Beta")
    a = make_product(acme, "A-PART", {main: 1, backroom: 2})
    b = make_product(acme, "B-PART", {main: 1})
    c = make_product(acme, "C-PART", {main: 1})
    orphan = make_product(acme, "ORPHAN", {main: 1})
    link_supplier(acme, a, second, unit_cost="2.00")
    link_supplier(acme, b, first, unit_cost="1.00")
    link_supplier(acme, c, first)  # no unit cost
    link_supplier(acme, c, second, unit_cost="3.00")  # lower id wins: first, without cost
    body = plan(acme)
    assert [(group["supplier"] or {}).get("id") for group in body["suppliers"]] == [first, second, None]
    assert [[(line["product_id"], line["warehouse_id"]) for line in group["lines"]] for group in body["suppliers"]] == [
        [(b, main), (c, main)], [(a, main), (a, backroom)], [(orphan, main)]]
    by_first = body["suppliers"][0]
    assert [line["line_total"] for line in by_first["lines"]] == ["10.00", None]
    assert by_first["total"] == "10.00"
    unsupplied = body["suppliers"][2]["lines"][0]
    assert (unsupplied["lead_time_days"], unsupplied["unit_cost"], unsupplied["line_total"]) == (0, None, None)
    assert body["suppliers"][2]["total"] == "0.00"
    assert [line["product_id"] for line in lines_of(plan(acme, supplier_id=second))] == [a, a]
    assert [line["warehouse_id"] for line in lines_of(plan(acme, warehouse_id=backroom))] == [backroom]


def test_another_companys_replenishment_is_not_found(acme, globex):
    assert acme.get(f"/api/companies/{globex.company_id}/replenishment").status_code == 404
    assert acme.post(f"/api/companies/{globex.company_id}/replenishment/purchase-orders", json={}).status_code == 404


# Drafts from the suggestions


def test_one_call_drafts_one_purchase_order_per_supplier_and_warehouse(acme, main, backroom):
    first, second = make_supplier(acme, "Alpha"), make_supplier(acme, "Beta")
    a, b, c = (make_product(acme, sku, {main: 1, backroom: 1}) for sku in ("A-PART", "B-PART", "C-PART"))
    orphan = make_product(acme, "ORPHAN", {main: 1})
    link_supplier(acme, a, first, unit_cost="2.00")
    link_supplier(acme, b, first, unit_cost="1.00")
    link_supplier(acme, c, second)  # no unit cost
    response = acme.post(f"/api/companies/{acme.company_id}/replenishment/purchase-orders", json={})
    assert response.status_code == 201, response.json
    orders = response.json["purchase_orders"]
    assert [(o["supplier_id"], o["warehouse_id"], o["status"]) for o in orders] == [
        (first, main, "draft"), (first, backroom, "draft")]
    assert [[(line["product_id"], line["quantity"], line["unit_cost"]) for line in o["lines"]] for o in orders] == [
        [(a, 10, "2.00"), (b, 10, "1.00")], [(a, 10, "2.00"), (b, 10, "1.00")]]
    assert sorted(response.json["skipped"], key=lambda s: (s["product_id"], s["warehouse_id"])) == sorted([
        {"product_id": c, "warehouse_id": main, "reason": "no_unit_cost"},
        {"product_id": c, "warehouse_id": backroom, "reason": "no_unit_cost"},
        {"product_id": orphan, "warehouse_id": main, "reason": "no_supplier"}], key=lambda s: (s["product_id"], s["warehouse_id"]))
    # Drafts count nowhere: the suggestions stand until they are placed.
    assert quantities(acme)[a] == 10


def test_a_quantity_over_what_one_line_may_hold_is_skipped_not_drafted(acme, main):
    """A billion sold in the window with 30 days of cover: up to 5 + 1,000,000,000, past MAX_QUANTITY."""
    alpha = make_supplier(acme, "Alpha")
    flood = make_product(acme, "FLOOD", {main: 1_000_000_000}, low_stock_threshold=5)
    link_supplier(acme, flood, alpha, unit_cost="0.01")
    sell(acme, flood, main, 1_000_000_000)
    assert quantities(acme) == {flood: 1_000_000_005}

    response = acme.post(f"/api/companies/{acme.company_id}/replenishment/purchase-orders", json={})
    assert response.status_code == 201, response.json
    assert response.json == {"purchase_orders": [], "skipped": [
        {"product_id": flood, "warehouse_id": main, "reason": "quantity_too_large"}]}


def test_drafts_can_be_asked_for_one_supplier_or_warehouse(acme, main, backroom):
    first = make_supplier(acme, "Alpha")
    a = make_product(acme, "A-PART", {main: 1, backroom: 1})
    link_supplier(acme, a, first, unit_cost="2.00")
    path = f"/api/companies/{acme.company_id}/replenishment/purchase-orders"
    only_backroom = acme.post(path, json={"warehouse_id": backroom}).json["purchase_orders"]
    assert [o["warehouse_id"] for o in only_backroom] == [backroom]



@pytest.mark.parametrize("field, body", [
    ("supplier_id", lambda other: {"supplier_id": 999_999}),
    ("warehouse_id", lambda other: {"warehouse_id": 999_999}),
    ("supplier_id", lambda other: {"supplier_id": other["supplier"]}),
    ("warehouse_id", lambda other: {"warehouse_id": other["warehouse"]}),
])
def test_drafts_for_an_unknown_or_another_company_s_supplier_or_warehouse_are_refused(app, acme, globex, main, field, body):
    first = make_supplier(acme, "Alpha")
    link_supplier(acme, make_product(acme, "A-PART", {main: 1}), first, unit_cost="2.00")
    other = {"supplier": make_supplier(globex, "Globex Parts"), "warehouse": make_warehouse(globex, "Globex Depot")}
    before = database_state(app)
    response = acme.post(f"/api/companies/{acme.company_id}/replenishment/purchase-orders", json=body(other))
    assert (response.status_code, response.json["error"], list(response.json["errors"])) == (422, "validation_error", [field])
    assert database_state(app) == before


def test_drafting_needs_a_manager_and_a_known_body(acme):
    path = f"/api/companies/{acme.company_id}/replenishment/purchase-orders"
    assert acme.add_user("staff").post(path, json={}).status_code == 403
    assert acme.post(path, json={"supplier": 1}).status_code == 422
    assert acme.post(path, json={"supplier_id": True}).status_code == 422


def test_a_keyed_drafting_call_is_applied_once(acme, example):
    path = f"/api/companies/{acme.company_id}/replenishment/purchase-orders"
    headers = {**acme.headers, "Idempotency-Key": "drafts-monday"}
    first = acme.client.post(path, json={}, headers=headers)
    again = acme.client.post(path, json={}, headers=headers)
    assert (first.status_code, again.status_code, again.headers.get("Idempotent-Replayed")) == (201, 201, "true")
    assert again.json == first.json
    assert acme.get("/api/purchase-orders").json["total"] == 1
