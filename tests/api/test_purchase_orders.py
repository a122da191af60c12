"""Purchase orders: drafted to one supplier for one warehouse, edited while drafts, then placed,
cancelled or closed; what is placed is incoming at the warehouse's levels."""

import datetime as dt

import pytest

from tests.api.purchasing import draft, drafted, incoming, placed, po_lines, receive, set_status
from tests.dbstate import counting_statements, database_state
from tests.factories import link_supplier, make_bundle, make_product, make_supplier, make_warehouse

pytestmark = pytest.mark.usefixtures("stored_alert_inputs_stay_current")

STATUSES = ["draft", "ordered", "partially_received", "received", "closed", "cancelled"]


@pytest.fixture
def buying(acme, main, backroom):
    """Tick & Co (lead time 7) supplies RETRO-CLOCK at 4.50 (its link's lead time 5) and BATTERY-AA at
    0.25; LAVA-LAMP has no link; GIFT-BOX is a bundle. Main holds 10 clocks; Backroom holds nothing."""
    tick = make_supplier(acme, "Tick & Co", lead_time_days=7)
    clock = make_product(acme, "RETRO-CLOCK", {main: 10})
    battery = make_product(acme, "BATTERY-AA")
    lamp = make_product(acme, "LAVA-LAMP")
    link_supplier(acme, clock, tick, unit_cost="4.50", lead_time_days=5)
    link_supplier(acme, battery, tick, unit_cost="0.25")
    return dict(main=main, backroom=backroom, tick=tick, clock=clock, battery=battery, lamp=lamp,
                box=make_bundle(acme, "GIFT-BOX", (clock, 1)))


# Drafting


def test_a_draft_answers_with_its_lines_costs_and_total(acme, buying):
    response = draft(acme, buying["tick"], buying["main"], (buying["clock"], 10), (buying["battery"], 40, "0.30"),
                     reference="PO-2026-001", notes="Deliver to gate 2", expected_at="2026-12-20T09:00:00Z")
    assert response.status_code == 201, response.json
    order = response.json
    assert {key: order[key] for key in ("status", "supplier_id", "warehouse_id", "reference", "notes", "expected_at",
                                        "ordered_at", "total")} == {
        "status": "draft", "supplier_id": buying["tick"], "warehouse_id": buying["main"], "reference": "PO-2026-001",
        "notes": "Deliver to gate 2", "expected_at": "2026-12-20T09:00:00Z", "ordered_at": None, "total": "57.00"}
    assert [{key: line[key] for key in ("product_id", "sku", "quantity", "received_quantity", "unit_cost", "line_total")}
            for line in order["lines"]] == [
        {"product_id": buying["clock"], "sku": "RETRO-CLOCK", "quantity": 10, "received_quantity": 0,
         "unit_cost": "4.50", "line_total": "45.00"},
        {"product_id": buying["battery"], "sku": "BATTERY-AA", "quantity": 40, "received_quantity": 0,
         "unit_cost": "0.30", "line_total": "12.00"}]
    assert acme.get(f"/api/purchase-orders/{order['id']}").json == order


def test_a_draft_counts_nowhere(acme, buying):
    drafted(acme, buying["tick"], buying["main"], (buying["clock"], 10))
    assert incoming(acme, buying["clock"], buying["main"]) == 0


def test_duplicate_product_lines_are_merged_by_summing_their_quantities(acme, buying):
    order = drafted(acme, buying["tick"], buying["main"], (buying["clock"], 3), (buying["battery"], 1), (buying["clock"], 4, "4.50"))
    assert [(line["product_id"], line["quantity"]) for line in order["lines"]] == [(buying["clock"], 7), (buying["battery"], 1)]


def test_duplicate_lines_with_different_unit_costs_are_refused_naming_the_line(app, acme, buying):
    before = database_state(app)
    response = draft(acme, buying["tick"], buying["main"], (buying["clock"], 3, "4.00"), (buying["clock"], 4, "4.50"))
    assert (response.status_code, response.json["error"]) == (422, "validation_error")
    assert list(response.json["errors"]) == ["lines.1.unit_cost"]
    assert database_state(app) == before


@pytest.mark.parametrize("given", ["9.00", "4.00"])
def test_a_line_without_a_unit_cost_costs_the_link_s_and_differs_from_another_given(app, acme, buying, given):
    before = database_state(app)
    response = draft(acme, buying["tick"], buying["main"], (buying["clock"], 1), (buying["clock"], 2, given))
    assert (response.status_code, list(response.json["errors"])) == (422, ["lines.1.unit_cost"])
    assert database_state(app) == before
    response = draft(acme, buying["tick"], buying["main"], (buying["lamp"], 2, given), (buying["lamp"], 1))
    assert (response.status_code, list(response.json["errors"])) == (422, ["lines.1.unit_cost"])  # the lamp has no link
    assert database_state(app) == before


def test_a_line_with_no_unit_cost_anywhere_is_refused_naming_it(app, acme, buying):
    before = database_state(app)
    response = draft(acme, buying["tick"], buying["main"], (buying["clock"], 1), (buying["lamp"], 2))
    assert (response.status_code, list(response.json["errors"])) == (422, ["lines.1.unit_cost"])
    assert database_state(app) == before
    assert draft(acme, buying["tick"], buying["main"], (buying["lamp"], 2, "3.00")).status_code == 201


@pytest.mark.parametrize("field, body", [
    ("supplier_id", lambda b, other: {"supplier_id": other["supplier"]}),
    ("warehouse_id", lambda b, other: {"warehouse_id": other["warehouse"]}),
    ("lines.0.product_id", lambda b, other: {"lines": po_lines((other["product"], 1, "1.00"))}),
    ("supplier_id", lambda b, other: {"supplier_id": 999_999}),
    ("lines.0.product_id", lambda b, other: {"lines": po_lines((999_999, 1, "1.00"))}),
])
def test_another_companys_or_an_unknown_id_in_the_body_is_refused_naming_it(app, acme, globex, buying, field, body):
    other_main = make_warehouse(globex, "Theirs")
    other = {"supplier": make_supplier(globex), "warehouse": other_main, "product": make_product(globex, "THEIR-CLOCK")}
    before = database_state(app)
    valid = {"supplier_id": buying["tick"], "warehouse_id": buying["main"], "lines": po_lines((buying["clock"], 1))}
    response = acme.post("/api/purchase-orders", json={**valid, **body(buying, other)})
    assert (response.status_code, response.json["error"]) == (422, "validation_error")
    assert list(response.json["errors"]) == [field]
    assert database_state(app) == before


@pytest.mark.parametrize("line", [("box", 1, "9.00"), ("box", 1)], ids=["with a unit cost", "without one"])
def test_a_bundle_cannot_be_ordered(app, acme, buying, line):
    before = database_state(app)
    response = draft(acme, buying["tick"], buying["main"], (buying[line[0]], *line[1:]))
    assert (response.status_code, response.json["error"]) == (409, "bundle_has_no_stock")
    assert response.json["errors"] == {"lines.0.product_id": ["a bundle holds no stock"]}
    assert database_state(app) == before


@pytest.mark.parametrize("product", ["clock", "lamp"], ids=["its link has a cost", "no cost anywhere"])
def test_an_archived_product_cannot_be_ordered(app, acme, buying, product):
    acme.delete(f"/api/products/{buying[product]}")
    before = database_state(app)
    response = draft(acme, buying["tick"], buying["main"], (buying["battery"], 1), (buying[product], 1))
    assert (response.status_code, response.json["error"]) == (409, "in_use")
    assert response.json["errors"] == {"lines.1.product_id": ["archived"]}
    assert database_state(app) == before


def test_a_bad_line_is_422_before_an_unorderable_product_is_409(app, acme, buying):
    before = database_state(app)
    response = draft(acme, buying["tick"], buying["main"], (buying["box"], 1), (buying["lamp"], 1))
    assert (response.status_code, response.json["error"]) == (422, "validation_error")
    assert list(response.json["errors"]) == ["lines.1.unit_cost"]
    assert database_state(app) == before


@pytest.mark.parametrize("lines, field", [
    ([], "lines"), ([{"product_id": 1, "quantity": 0}], "lines.0.quantity"), ([{"product_id": 1, "quantity": -3}], "lines.0.quantity"),
    ([{"product_id": 1, "quantity": True}], "lines.0.quantity"), ([{"product_id": 1, "quantity": "3"}], "lines.0.quantity"),
    ([{"product_id": 1, "quantity": 1_000_000_001}], "lines.0.quantity"), ([{"product_id": 1, "quantity": 2.5}], "lines.0.quantity"),
    ([{"product_id": 1, "quantity": 1, "unit_cost": "-1"}], "lines.0.unit_cost"),
    ([{"product_id": 1, "quantity": 1, "unit_cost": "1.001"}], "lines.0.unit_cost"), ([{"product_id": 1}], "lines.0.quantity"),
    ([{"product_id": 1, "quantity": 1, "colour": "red"}], "lines.0.colour"), ([{"product_id": 1, "quantity": 1}] * 501, "lines"),
    ([{"product_id": 1, "quantity": 1}, "line"], "lines.1"),
])
def test_bad_lines_are_refused_by_their_path_and_nothing_is_written(app, acme, buying, lines, field):
    before = database_state(app)
    response = acme.post("/api/purchase-orders", json={"supplier_id": buying["tick"], "warehouse_id": buying["main"], "lines": lines})
    assert (response.status_code, response.json["error"]) == (422, "validation_error")
    assert list(response.json["errors"]) == [field]  # as the domain names them: lines.<i>.<field>
    assert database_state(app) == before


def test_merged_quantities_past_the_limit_are_refused(acme, buying):
    response = draft(acme, buying["tick"], buying["main"], (buying["clock"], 600_000_000), (buying["clock"], 600_000_000))
    assert (response.status_code, list(response.json["errors"])) == (422, ["lines.0.quantity"])


def test_a_past_expected_date_is_accepted(acme, buying):
    order = drafted(acme, buying["tick"], buying["main"], (buying["clock"], 1), expected_at="2020-01-01T00:00:00Z")
    assert order["expected_at"] == "2020-01-01T00:00:00Z"


# Editing a draft


def test_a_draft_is_edited_and_its_lines_replaced(acme, buying):
    order = drafted(acme, buying["tick"], buying["main"], (buying["clock"], 3))
    response = acme.patch(f"/api/purchase-orders/{order['id']}", json={
        "lines": po_lines((buying["battery"], 10), (buying["battery"], 5)), "reference": "R-9", "notes": None})
    assert response.status_code == 200, response.json
    assert [(line["product_id"], line["quantity"]) for line in response.json["lines"]] == [(buying["battery"], 15)]
    assert (response.json["reference"], response.json["total"]) == ("R-9", "3.75")


@pytest.mark.parametrize("status", ["ordered", "cancelled"])
def test_only_a_draft_can_be_edited(app, acme, buying, status):
    order = drafted(acme, buying["tick"], buying["main"], (buying["clock"], 3))
    set_status(acme, order["id"], status)
    before = database_state(app)
    response = acme.patch(f"/api/purchase-orders/{order['id']}", json={"reference": "late"})
    assert (response.status_code, response.json["error"]) == (409, "invalid_transition")
    assert database_state(app) == before


def test_an_edit_naming_nothing_is_refused(acme, buying):
    order = drafted(acme, buying["tick"], buying["main"], (buying["clock"], 3))
    assert acme.patch(f"/api/purchase-orders/{order['id']}", json={}).status_code == 422


# Placing, cancelling, closing


def test_placing_sets_ordered_at_and_expects_it_after_the_longest_lead_time(acme, buying):
    order = drafted(acme, buying["tick"], buying["main"], (buying["clock"], 10), (buying["battery"], 40))
    response = set_status(acme, order["id"], "ordered")
    assert response.status_code == 200, response.json
    ordered_at = dt.datetime.fromisoformat(response.json["ordered_at"])
    assert abs(ordered_at - dt.datetime.now(dt.timezone.utc)) < dt.timedelta(minutes=1)
    # The clock's link says 5 days; the battery's link says nothing, so the supplier's 7 apply.
    assert dt.datetime.fromisoformat(response.json["expected_at"]) == ordered_at + dt.timedelta(days=7)


def test_placing_keeps_an_expected_date_already_set(acme, buying):
    order = placed(acme, buying["tick"], buying["main"], (buying["clock"], 1), expected_at="2027-01-05T00:00:00Z")
    assert order["expected_at"] == "2027-01-05T00:00:00Z"


def test_placing_without_any_known_lead_time_leaves_the_expected_date_unset(acme, buying):
    supplier = make_supplier(acme, "No Promises Ltd")
    assert placed(acme, supplier, buying["main"], (buying["clock"], 1, "1.00"))["expected_at"] is None


def test_placing_makes_the_quantities_incoming_even_where_there_was_no_level(acme, buying):
    placed(acme, buying["tick"], buying["backroom"], (buying["clock"], 10), (buying["battery"], 40))
    placed(acme, buying["tick"], buying["backroom"], (buying["clock"], 5))
    assert incoming(acme, buying["clock"], buying["backroom"]) == 15
    assert incoming(acme, buying["battery"], buying["backroom"]) == 40
    level = acme.get("/api/inventory", query_string={"product_id": buying["battery"]}).json["items"][0]
    assert (level["on_hand"], level["incoming"]) == (0, 40)
    product = acme.get(f"/api/products/{buying['clock']}").json
    assert product["total_incoming"] == 15


def test_cancelling_an_ordered_purchase_order_takes_its_quantities_off_incoming(acme, buying):
    order = placed(acme, buying["tick"], buying["main"], (buying["clock"], 10))
    response = set_status(acme, order["id"], "cancelled")
    assert (response.status_code, response.json["status"]) == (200, "cancelled")
    assert incoming(acme, buying["clock"], buying["main"]) == 0


def test_closing_a_partly_received_purchase_order_stops_waiting_for_the_rest(acme, buying):
    order = placed(acme, buying["tick"], buying["main"], (buying["clock"], 10), (buying["battery"], 40))
    assert receive(acme, order, 4, 40).status_code == 201
    response = set_status(acme, order["id"], "closed")
    assert (response.status_code, response.json["status"]) == (200, "closed")
    assert incoming(acme, buying["clock"], buying["main"]) == 0
    level = acme.get("/api/inventory", query_string={"product_id": buying["clock"], "warehouse_id": buying["main"]}).json["items"][0]
    assert level["on_hand"] == 14


def test_placing_a_draft_whose_product_was_archived_since_is_refused(app, acme, buying):
    order = drafted(acme, buying["tick"], buying["main"], (buying["battery"], 1), (buying["clock"], 1))
    acme.delete(f"/api/products/{buying['clock']}")
    before = database_state(app)
    response = set_status(acme, order["id"], "ordered")
    assert (response.status_code, response.json["error"]) == (409, "in_use")
    assert list(response.json["errors"]) == ["lines.1.product_id"]
    assert database_state(app) == before


ALLOWED = {("draft", "ordered"), ("draft", "cancelled"), ("ordered", "cancelled"), ("ordered", "closed"),
           ("partially_received", "closed")}


def in_status(account, buying, status) -> dict:
    """A purchase order of 10 clocks brought to `status`."""
    order = drafted(account, buying["tick"], buying["main"], (buying["clock"], 10))
    steps = {"draft": [], "ordered": ["ordered"], "partially_received": ["ordered", 4], "received": ["ordered", 10],
             "closed": ["ordered", "closed"], "cancelled": ["cancelled"]}[status]
    for step in steps:
        response = set_status(account, order["id"], step) if isinstance(step, str) else receive(account, order, step)
        assert response.status_code in (200, 201), response.json
    return order


@pytest.mark.parametrize("status, target", [(s, t) for s in STATUSES for t in STATUSES if (s, t) not in ALLOWED])
def test_every_transition_not_listed_is_refused_and_changes_nothing(app, acme, buying, status, target):
    order = in_status(acme, buying, status)
    before = database_state(app)
    response = set_status(acme, order["id"], target)
    assert (response.status_code, response.json["error"]) == (409, "invalid_transition")
    assert database_state(app) == before


@pytest.mark.parametrize("status", ["shipped", "DRAFT", "", None, 1, ["ordered"]])
def test_a_status_that_is_none_of_them_is_refused_as_invalid(acme, buying, status):
    order = drafted(acme, buying["tick"], buying["main"], (buying["clock"], 1))
    response = acme.patch(f"/api/purchase-orders/{order['id']}/status", json={"status": status})
    assert (response.status_code, list(response.json["errors"])) == (422, ["status"])


# Reading


def test_purchase_orders_are_listed_by_id_with_filters(acme, buying):
    first = placed(acme, buying["tick"], buying["main"], (buying["clock"], 1), expected_at="2020-01-01T00:00:00Z")
    second = drafted(acme, buying["tick"], buying["backroom"], (buying["battery"], 1))
    other_supplier = make_supplier(acme, "Lumen")
    third = placed(acme, other_supplier, buying["main"], (buying["battery"], 2, "0.20"), expected_at="2099-01-01T00:00:00Z")

    def ids(**params):
        body = acme.get("/api/purchase-orders", query_string=params).json
        assert body["total"] == len(body["items"])
        return [order["id"] for order in body["items"]]

    assert ids() == [first["id"], second["id"], third["id"]]
    assert ids(status="ordered") == [first["id"], third["id"]]
    assert ids(supplier_id=other_supplier) == [third["id"]]
    assert ids(warehouse_id=buying["backroom"]) == [second["id"]]
    assert ids(product_id=buying["battery"]) == [second["id"], third["id"]]
    assert ids(overdue="true") == [first["id"]]
    assert ids(overdue="false") == [second["id"], third["id"]]


def test_an_order_expected_at_no_known_date_is_not_overdue(acme, buying):
    no_lead_time = make_supplier(acme, "Lumen")
    order = placed(acme, no_lead_time, buying["main"], (buying["lamp"], 3, "2.00"))
    assert order["expected_at"] is None

    def ids(overdue):
        return [o["id"] for o in acme.get("/api/purchase-orders", query_string={"overdue": overdue}).json["items"]]

    assert (ids("true"), ids("false")) == ([], [order["id"]])


def test_another_companys_purchase_order_is_not_found_everywhere(acme, globex, buying):
    order = drafted(acme, buying["tick"], buying["main"], (buying["clock"], 1))
    path = f"/api/purchase-orders/{order['id']}"
    for response in (globex.get(path), globex.patch(path, json={"reference": "x"}),
                     globex.patch(path + "/status", json={"status": "ordered"}), globex.get(path + "/receipts"),
                     globex.post(path + "/receipts", json={"lines": [{"line_id": order["lines"][0]["id"], "quantity": 1}]})):
        assert (response.status_code, response.json["error"]) == (404, "not_found")
    assert acme.get(path).json["status"] == "draft"
    assert globex.get("/api/purchase-orders").json["items"] == []


@pytest.mark.parametrize("role, can_write", [("viewer", False), ("staff", False), ("manager", True)])
def test_managers_draft_and_place_while_everyone_reads(acme, buying, role, can_write):
    member = acme.add_user(role)
    order = drafted(acme, buying["tick"], buying["main"], (buying["clock"], 1))
    assert member.get(f"/api/purchase-orders/{order['id']}").status_code == 200
    assert (draft(member, buying["tick"], buying["main"], (buying["clock"], 1)).status_code == 201) is can_write
    assert (set_status(member, order["id"], "ordered").status_code == 200) is can_write


def test_a_keyed_draft_and_a_keyed_placing_are_applied_once(acme, buying):
    body = {"supplier_id": buying["tick"], "warehouse_id": buying["main"], "lines": po_lines((buying["clock"], 2))}
    headers = {**acme.headers, "Idempotency-Key": "po-1"}
    first = acme.client.post("/api/purchase-orders", json=body, headers=headers)
    again = acme.client.post("/api/purchase-orders", json=body, headers=headers)
    assert (first.status_code, again.status_code, again.headers.get("Idempotent-Replayed")) == (201, 201, "true")
    assert acme.get("/api/purchase-orders").json["total"] == 1
    place = {**acme.headers, "Idempotency-Key": "place-1"}
    path = f"/api/purchase-orders/{first.json['id']}/status"
    assert acme.client.patch(path, json={"status": "ordered"}, headers=place).status_code == 200
    assert acme.client.patch(path, json={"status": "ordered"}, headers=place).headers.get("Idempotent-Replayed") == "true"
    assert incoming(acme, buying["clock"], buying["main"]) == 2


# What purchase orders keep from being deleted


def test_a_supplier_named_by_purchase_orders_is_not_deleted(app, acme, buying):
    drafted(acme, buying["tick"], buying["main"], (buying["clock"], 1))
    before = database_state(app)
    response = acme.delete(f"/api/suppliers/{buying['tick']}")
    assert (response.status_code, response.json["error"]) == (409, "in_use")
    assert database_state(app) == before


@pytest.mark.parametrize("status", ["draft", "ordered"])
def test_a_warehouse_awaiting_a_purchase_order_is_not_deleted(app, acme, buying, status):
    order = drafted(acme, buying["tick"], buying["backroom"], (buying["clock"], 1))
    if status == "ordered":
        set_status(acme, order["id"], "ordered")
    before = database_state(app)
    assert acme.delete(f"/api/warehouses/{buying['backroom']}").status_code == 409
    assert database_state(app) == before
    set_status(acme, order["id"], "cancelled")
    assert acme.delete(f"/api/warehouses/{buying['backroom']}").status_code == 204


def statements_to_place(app, acme, buying, lines: int) -> int:
    products = [make_product(acme, f"PART-{lines}-{n}") for n in range(lines)]
    order = drafted(acme, buying["tick"], buying["main"], *((product, 5, "1.00") for product in products))
    with counting_statements(app) as statements:
        assert set_status(acme, order["id"], "ordered").status_code == 200
    return len(statements)


def test_placing_fifty_lines_takes_as_many_statements_as_placing_ten(app, acme, buying):
    """The lines, their products and their levels are each read (and the levels written) in one go."""
    ten, fifty = (statements_to_place(app, acme, buying, lines) for lines in (10, 50))
    assert fifty == ten
