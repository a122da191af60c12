"""Receiving purchase orders: in parts, into the ledger, never past what was ordered, all or nothing."""

import pytest

from app.inventory import ledger
from tests.api.alerting import low_stock, move, sell
from tests.api.purchasing import drafted, incoming, placed, receive, set_status
from tests.dbstate import counting_statements, database_state
from tests.factories import link_supplier, make_product, make_supplier

pytestmark = pytest.mark.usefixtures("stored_alert_inputs_stay_current")


@pytest.fixture
def ordered(acme, main):
    """10 RETRO-CLOCK in Main (threshold 10 by default); 30 clocks and 40 BATTERY-AA ordered from Tick & Co."""
    tick = make_supplier(acme, "Tick & Co", lead_time_days=7)
    clock, battery = make_product(acme, "RETRO-CLOCK", {main: 10}), make_product(acme, "BATTERY-AA")
    link_supplier(acme, clock, tick, unit_cost="4.50")
    link_supplier(acme, battery, tick, unit_cost="0.25")
    order = placed(acme, tick, main, (clock, 30), (battery, 40), reference="PO-77")
    return dict(main=main, tick=tick, clock=clock, battery=battery, order=order)


def level(account, product_id, warehouse_id) -> dict:
    return account.get("/api/inventory", query_string={"product_id": product_id, "warehouse_id": warehouse_id}).json["items"][0]


def test_a_partial_receipt_records_receive_movements_carrying_the_order(acme, ordered):
    response = receive(acme, ordered["order"], 12, 0, reference="DN-1")
    assert response.status_code == 201, response.json
    body = response.json
    assert body["purchase_order"]["status"] == "partially_received"
    assert [line["received_quantity"] for line in body["purchase_order"]["lines"]] == [12, 0]
    receipt = body["receipt"]
    assert (receipt["purchase_order_id"], receipt["reference"], receipt["user_id"]) == (ordered["order"]["id"], "DN-1", acme.user_id)
    assert receipt["lines"] == [{"line_id": ordered["order"]["lines"][0]["id"], "product_id": ordered["clock"], "quantity": 12}]
    [row] = body["movements"]
    assert (row["type"], row["product_id"], row["quantity_change"], row["on_hand_after"], row["purchase_order_id"],
            row["reference"]) == ("receive", ordered["clock"], 12, 22, ordered["order"]["id"], "DN-1")
    clock = level(acme, ordered["clock"], ordered["main"])
    assert (clock["on_hand"], clock["incoming"]) == (22, 18)


def test_receipts_in_parts_complete_the_order(acme, ordered):
    assert receive(acme, ordered["order"], 10, 40).json["purchase_order"]["status"] == "partially_received"
    last = receive(acme, ordered["order"], 20)
    assert last.status_code == 201
    assert last.json["purchase_order"]["status"] == "received"
    assert (incoming(acme, ordered["clock"], ordered["main"]), incoming(acme, ordered["battery"], ordered["main"])) == (0, 0)
    receipts = acme.get(f"/api/purchase-orders/{ordered['order']['id']}/receipts").json
    assert [len(receipt["lines"]) for receipt in receipts["items"]] == [2, 1]
    rows = acme.get("/api/inventory/movements", query_string={"purchase_order_id": ordered["order"]["id"]}).json["items"]
    assert sorted((row["product_id"], row["quantity_change"]) for row in rows) == sorted(
        [(ordered["clock"], 10), (ordered["battery"], 40), (ordered["clock"], 20)])


def test_the_receipt_clears_the_alert_it_answers(acme, ordered):
    sell(acme, ordered["clock"], ordered["main"], 5)
    [alert] = low_stock(acme)["alerts"]
    assert (alert["current_stock"], alert["incoming"], alert["suggested_reorder_quantity"]) == (5, 30, 0)
    assert alert["next_expected_at"] == ordered["order"]["expected_at"]
    receive(acme, ordered["order"], 30, 40)
    assert low_stock(acme)["alerts"] == []


def test_receiving_more_than_was_ordered_is_refused_naming_the_line_and_changes_nothing(app, acme, ordered):
    receive(acme, ordered["order"], 25)
    before = database_state(app)
    response = receive(acme, ordered["order"], 6, 41)
    assert (response.status_code, response.json["error"]) == (409, "over_receipt")
    assert sorted(response.json["errors"]) == ["lines.0.quantity", "lines.1.quantity"]
    assert database_state(app) == before


def test_a_receipt_past_the_largest_on_hand_names_its_line_and_changes_nothing(app, acme, ordered):
    for _ in range(2):  # 2 × 999,999,995: 10 short of the largest on hand, 2,000,000,000
        move(acme, "receive", ordered["battery"], ordered["main"], 999_999_995)
    before = database_state(app)
    # The body names the battery's line first: the refusal names the body's line, not the order's.
    clock_line, battery_line = (line["id"] for line in ordered["order"]["lines"])
    response = acme.post(f"/api/purchase-orders/{ordered['order']['id']}/receipts", json={"lines": [
        {"line_id": battery_line, "quantity": 11}, {"line_id": clock_line, "quantity": 5}]})
    assert (response.status_code, response.json["error"]) == (422, "validation_error")
    assert response.json["errors"] == {"lines.0.quantity": ["on hand would exceed 2,000,000,000 units"]}
    assert database_state(app) == before


@pytest.mark.parametrize("status", ["draft", "cancelled", "closed", "received"])
def test_only_an_ordered_or_partly_received_order_takes_receipts(app, acme, ordered, status):
    order = ordered["order"]
    if status == "draft":
        order = drafted(acme, ordered["tick"], ordered["main"], (ordered["clock"], 3))
    elif status == "received":
        receive(acme, order, 30, 40)
    else:
        set_status(acme, order["id"], status)
    before = database_state(app)
    response = receive(acme, order, 1)
    assert (response.status_code, response.json["error"]) == (409, "invalid_transition")
    assert database_state(app) == before


@pytest.mark.parametrize("lines, field", [
    ([], "lines"),
    ([{"line_id": 999_999, "quantity": 1}], "lines.0.line_id"),
    ([{"line_id": "{line}", "quantity": 0}], "lines.0.quantity"),
    ([{"line_id": "{line}", "quantity": -1}], "lines.0.quantity"),
    ([{"line_id": "{line}", "quantity": True}], "lines.0.quantity"),
    ([{"line_id": "{line}", "quantity": 1}, {"line_id": "{line}", "quantity": 1}], "lines.1.line_id"),
    ([{"line_id": "{other}", "quantity": 1}], "lines.0.line_id"),
    ([{"quantity": 1}], "lines.0.line_id"),
])
def test_a_bad_receipt_is_refused_naming_the_field_and_changes_nothing(app, acme, ordered, lines, field):
    other = placed(acme, ordered["tick"], ordered["main"], (ordered["clock"], 5))
    ids = {"{line}": ordered["order"]["lines"][0]["id"], "{other}": other["lines"][0]["id"]}
    lines = [{key: ids.get(value, value) for key, value in line.items()} for line in lines]
    before = database_state(app)
    response = acme.post(f"/api/purchase-orders/{ordered['order']['id']}/receipts", json={"lines": lines})
    assert (response.status_code, response.json["error"]) == (422, "validation_error")
    assert list(response.json["errors"]) == [field]
    assert database_state(app) == before


def test_a_receipt_dated_in_the_future_is_refused(acme, ordered):
    response = receive(acme, ordered["order"], 1, occurred_at="2999-01-01T00:00:00Z")
    assert (response.status_code, list(response.json["errors"])) == (422, ["occurred_at"])


def test_a_product_archived_after_the_order_was_placed_is_still_received(acme, ordered):
    acme.delete(f"/api/products/{ordered['clock']}")
    assert receive(acme, ordered["order"], 30).status_code == 201
    assert level(acme, ordered["clock"], ordered["main"])["on_hand"] == 40


def test_staff_receive_but_viewers_do_not(acme, ordered):
    assert receive(acme.add_user("viewer"), ordered["order"], 1).status_code == 403
    assert receive(acme.add_user("staff"), ordered["order"], 1).status_code == 201


def test_a_keyed_receipt_is_applied_once(acme, ordered):
    headers = {**acme.headers, "Idempotency-Key": "delivery-1"}
    line = ordered["order"]["lines"][0]["id"]
    path = f"/api/purchase-orders/{ordered['order']['id']}/receipts"
    first = acme.client.post(path, json={"lines": [{"line_id": line, "quantity": 7}]}, headers=headers)
    again = acme.client.post(path, json={"lines": [{"line_id": line, "quantity": 7}]}, headers=headers)
    assert (first.status_code, again.status_code, again.headers.get("Idempotent-Replayed")) == (201, 201, "true")
    assert again.json == first.json
    assert level(acme, ordered["clock"], ordered["main"])["on_hand"] == 17


def test_a_crash_after_the_first_lines_movement_leaves_nothing_behind(app, acme, ordered, monkeypatch):
    real_append, calls = ledger.append, []

    def append_then_crash(*args, **kwargs):
        calls.append(args)
        if len(calls) == 2:
            raise RuntimeError("injected: crash after the first receipt line's movement")
        return real_append(*args, **kwargs)

    before = database_state(app)
    monkeypatch.setattr(ledger, "append", append_then_crash)
    response = receive(acme, ordered["order"], 5, 5)
    assert (response.status_code, response.json["error"]) == (500, "internal_error")
    assert database_state(app) == before


# A receipt of many lines: one transaction, statements growing by a constant per line


def statements_to_receive(app, acme, tick, warehouse_id, lines: int) -> int:
    products = [make_product(acme, f"PART-{lines}-{n}") for n in range(lines)]
    for product in products:
        link_supplier(acme, product, tick, unit_cost="1.00")
    order = placed(acme, tick, warehouse_id, *((product, 5) for product in products))
    with counting_statements(app) as statements:
        response = receive(acme, order, *([5] * lines))
    assert response.status_code == 201, response.json
    return len(statements)


def test_a_receipt_of_fifty_lines_takes_a_constant_number_of_statements_per_line(app, acme, main):
    tick = make_supplier(acme)
    ten, fifty = (statements_to_receive(app, acme, tick, main, lines) for lines in (10, 50))
    per_line = (fifty - ten) / 40
    assert per_line == int(per_line) and per_line <= 6, (ten, fifty)
    assert ten - 10 * per_line <= 25, (ten, fifty)
