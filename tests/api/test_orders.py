"""Orders: taking one reserves its stock (bundles through their components), every line or none."""

import datetime as dt

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.inventory.models import StockMovement
from app.orders.models import Order, OrderLine, OrderReservation
from tests.dbstate import counting_statements
from tests.factories import lines, make_product, make_warehouse

pytestmark = pytest.mark.usefixtures("stored_alert_inputs_stay_current")

MISSING = 999_999


def order(account, warehouse_id, *pairs, **extra):
    return account.post("/api/orders", json={"warehouse_id": warehouse_id, "items": lines(*pairs), **extra})


def placed(account, warehouse_id, *pairs, **extra):
    response = order(account, warehouse_id, *pairs, **extra)
    assert response.status_code == 201, response.json
    return response.json


def level(account, product_id, warehouse_id):
    """(on_hand, reserved) of the level, or None when the product has no level there."""
    response = account.get(f"/api/inventory?product_id={product_id}&warehouse_id={warehouse_id}")
    assert response.status_code == 200, response.json
    return next(((row["on_hand"], row["reserved"]) for row in response.json["items"]), None)


def assert_refused(response, status, error, fields=None):
    assert (response.status_code, response.json["error"]) == (status, error), response.json
    if fields is not None:
        assert sorted(response.json["errors"]) == sorted(fields), response.json


def rows(app, model, *where):
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def order_rows(app):
    return tuple(rows(app, model) for model in (Order, OrderLine, OrderReservation))


def test_an_order_is_pending_and_answers_with_its_lines_prices_and_total(acme, kit_shop):
    body = placed(acme, kit_shop["main"], (kit_shop["clock"], 2), (kit_shop["battery"], 3), reference="PO-7781", customer_name="Ada Lovelace")
    assert (body["status"], body["warehouse_id"], body["reference"], body["customer_name"]) == (
        "pending", kit_shop["main"], "PO-7781", "Ada Lovelace")
    assert body["items"] == [{"product_id": kit_shop["clock"], "quantity": 2, "unit_price": "19.99"},
                             {"product_id": kit_shop["battery"], "quantity": 3, "unit_price": "0.99"}]
    assert body["total"] == "42.95"
    assert isinstance(body["id"], int)
    assert body["created_at"].endswith("Z") and body["updated_at"].endswith("Z")


def test_reference_and_customer_name_are_optional(acme, kit_shop):
    body = placed(acme, kit_shop["main"], (kit_shop["clock"], 1))
    assert (body["reference"], body["customer_name"]) == (None, None)


def test_taking_an_order_reserves_stock_without_touching_on_hand_or_the_ledger(app, acme, kit_shop):
    ledger_before = rows(app, StockMovement)
    placed(acme, kit_shop["main"], (kit_shop["clock"], 4), (kit_shop["battery"], 5))
    assert level(acme, kit_shop["clock"], kit_shop["main"]) == (10, 4)
    assert level(acme, kit_shop["battery"], kit_shop["main"]) == (12, 5)
    assert rows(app, StockMovement) == ledger_before


def test_duplicate_product_lines_are_merged_into_one_item(app, acme, kit_shop):
    body = placed(acme, kit_shop["main"], (kit_shop["clock"], 2), (kit_shop["battery"], 1), (kit_shop["clock"], 3))
    assert sorted((item["product_id"], item["quantity"]) for item in body["items"]) == sorted(
        [(kit_shop["clock"], 5), (kit_shop["battery"], 1)])
    assert body["total"] == "100.94"
    assert rows(app, OrderLine, OrderLine.order_id == body["id"]) == 2
    assert level(acme, kit_shop["clock"], kit_shop["main"]) == (10, 5)


@pytest.mark.parametrize("price, quantity, total", [("0.10", 3, "0.30"), ("19.99", 7, "139.93"), ("0.01", 1, "0.01"),
                                                    ("1234567.89", 9, "11111111.01")])
def test_the_total_is_quantity_times_unit_price_as_an_exact_two_place_string(acme, price, quantity, total):
    main = make_warehouse(acme)
    widget = make_product(acme, "PRICED-WIDGET", {main: 10}, price=price)
    body = placed(acme, main, (widget, quantity))
    assert (body["items"][0]["unit_price"], body["total"]) == (price, total)


def test_the_unit_price_is_a_snapshot_a_later_price_change_leaves_the_order_alone(acme, kit_shop):
    body = placed(acme, kit_shop["main"], (kit_shop["clock"], 2))
    assert acme.patch(f"/api/products/{kit_shop['clock']}", json={"price": "25.00"}).status_code == 200
    again = acme.get(f"/api/orders/{body['id']}").json
    assert (again["items"][0]["unit_price"], again["total"]) == ("19.99", "39.98")
    assert placed(acme, kit_shop["main"], (kit_shop["clock"], 2))["total"] == "50.00"


def test_a_bundle_line_reserves_its_components_and_is_priced_as_the_bundle(app, acme, kit_shop):
    body = placed(acme, kit_shop["main"], (kit_shop["kit"], 3))
    assert body["items"] == [{"product_id": kit_shop["kit"], "quantity": 3, "unit_price": "24.99"}]
    assert body["total"] == "74.97"
    assert level(acme, kit_shop["clock"], kit_shop["main"]) == (10, 3)
    assert level(acme, kit_shop["battery"], kit_shop["main"]) == (12, 6)
    assert level(acme, kit_shop["kit"], kit_shop["main"]) is None
    with app.app_context():
        held = db.session.execute(sa.select(OrderReservation.product_id, OrderReservation.quantity, OrderReservation.bundle_id)
                                  .where(OrderReservation.order_id == body["id"])).all()
    assert sorted(held) == sorted([(kit_shop["clock"], 3, kit_shop["kit"]), (kit_shop["battery"], 6, kit_shop["kit"])])


def test_a_nested_bundle_reserves_its_components_recursively(acme, kit_shop):
    placed(acme, kit_shop["main"], (kit_shop["gift"], 2))  # 2 × (2 kits + 1 battery) = 4 clocks, 4 × 2 + 2 = 10 batteries
    assert level(acme, kit_shop["clock"], kit_shop["main"]) == (10, 4)
    assert level(acme, kit_shop["battery"], kit_shop["main"]) == (12, 10)


def test_a_bundle_and_its_own_component_on_one_order_add_up(acme, kit_shop):
    placed(acme, kit_shop["main"], (kit_shop["clock"], 2), (kit_shop["kit"], 3))
    assert level(acme, kit_shop["clock"], kit_shop["main"]) == (10, 5)
    assert level(acme, kit_shop["battery"], kit_shop["main"]) == (12, 6)


def short_of(response):
    return sorted((s["product_id"], s["available"], s["requested"]) for s in response.json["short"])


def test_a_short_line_refuses_the_whole_order_and_names_the_product(app, acme, kit_shop):
    response = order(acme, kit_shop["main"], (kit_shop["battery"], 2), (kit_shop["clock"], 11))
    assert_refused(response, 409, "insufficient_stock")
    assert short_of(response) == [(kit_shop["clock"], 10, 11)]
    assert len(response.json["errors"]["available"]) == 1 and str(kit_shop["clock"]) in response.json["errors"]["available"][0]
    assert level(acme, kit_shop["battery"], kit_shop["main"]) == (12, 0)
    assert level(acme, kit_shop["clock"], kit_shop["main"]) == (10, 0)
    assert order_rows(app) == (0, 0, 0)


def test_every_short_product_is_named(acme, kit_shop):
    response = order(acme, kit_shop["main"], (kit_shop["clock"], 11), (kit_shop["battery"], 13))
    assert_refused(response, 409, "insufficient_stock")
    assert short_of(response) == sorted([(kit_shop["clock"], 10, 11), (kit_shop["battery"], 12, 13)])
    assert len(response.json["errors"]["available"]) == 2


def test_duplicate_lines_are_merged_before_stock_is_checked(app, acme, kit_shop):
    response = order(acme, kit_shop["main"], (kit_shop["clock"], 6), (kit_shop["clock"], 5))
    assert_refused(response, 409, "insufficient_stock")
    assert short_of(response) == [(kit_shop["clock"], 10, 11)]
    assert order_rows(app) == (0, 0, 0)


def test_a_product_without_a_level_in_that_warehouse_counts_as_zero_available(app, acme, kit_shop):
    response = order(acme, kit_shop["main"], (kit_shop["clock"], 1), (kit_shop["shade"], 1))
    assert_refused(response, 409, "insufficient_stock")
    assert short_of(response) == [(kit_shop["shade"], 0, 1)]
    assert level(acme, kit_shop["clock"], kit_shop["main"]) == (10, 0)
    assert level(acme, kit_shop["shade"], kit_shop["backroom"]) == (4, 0)
    assert order_rows(app) == (0, 0, 0)


def test_a_bundle_line_short_of_one_component_reserves_none_of_the_others(app, acme, kit_shop):
    response = order(acme, kit_shop["main"], (kit_shop["kit"], 7))  # 7 clocks are there, 14 batteries are not
    assert_refused(response, 409, "insufficient_stock")
    assert short_of(response) == [(kit_shop["battery"], 12, 14)]
    assert level(acme, kit_shop["clock"], kit_shop["main"]) == (10, 0)
    assert order_rows(app) == (0, 0, 0)


def test_a_bundle_and_its_component_are_short_together_even_when_each_alone_fits(acme, kit_shop):
    response = order(acme, kit_shop["main"], (kit_shop["clock"], 6), (kit_shop["kit"], 5))
    assert_refused(response, 409, "insufficient_stock")
    assert short_of(response) == [(kit_shop["clock"], 10, 11)]
    assert level(acme, kit_shop["battery"], kit_shop["main"]) == (12, 0)


def test_stock_reserved_by_a_pending_order_is_not_available_to_the_next(acme, kit_shop):
    placed(acme, kit_shop["main"], (kit_shop["clock"], 8))
    response = order(acme, kit_shop["main"], (kit_shop["clock"], 3))
    assert_refused(response, 409, "insufficient_stock")
    assert short_of(response) == [(kit_shop["clock"], 2, 3)]
    assert level(acme, kit_shop["clock"], kit_shop["main"]) == (10, 8)


@pytest.mark.parametrize("whose, field", [("globex warehouse", "warehouse_id"), ("missing warehouse", "warehouse_id"),
                                          ("globex product", "items"), ("missing product", "items")])
def test_a_warehouse_or_product_not_of_the_company_is_refused_naming_the_field(app, acme, globex, kit_shop, whose, field):
    their_warehouse = make_warehouse(globex, "Globex Depot")
    their_clock = make_product(globex, "GLOBEX-CLOCK", {their_warehouse: 50})
    warehouse_id = {"globex warehouse": their_warehouse, "missing warehouse": MISSING}.get(whose, kit_shop["main"])
    product_id = {"globex product": their_clock, "missing product": MISSING}.get(whose, kit_shop["clock"])
    response = order(acme, warehouse_id, (kit_shop["battery"], 1), (product_id, 1))
    assert_refused(response, 422, "validation_error", [field])
    assert level(acme, kit_shop["battery"], kit_shop["main"]) == (12, 0)
    assert level(globex, their_clock, their_warehouse) == (50, 0)
    assert order_rows(app) == (0, 0, 0)


@pytest.mark.parametrize("archived", ["clock", "kit"])
def test_an_archived_product_cannot_be_ordered(app, acme, kit_shop, archived):
    assert acme.delete(f"/api/products/{kit_shop[archived]}").status_code == 204
    response = order(acme, kit_shop["main"], (kit_shop["battery"], 1), (kit_shop[archived], 1))
    assert_refused(response, 409, "in_use")
    assert level(acme, kit_shop["battery"], kit_shop["main"]) == (12, 0)
    assert order_rows(app) == (0, 0, 0)


INVALID_BODIES = {
    "no warehouse": lambda s: {"items": lines((s["clock"], 1))},
    "no items": lambda s: {"warehouse_id": s["main"]},
    "empty items": lambda s: {"warehouse_id": s["main"], "items": []},
    "items not a list": lambda s: {"warehouse_id": s["main"], "items": {"product_id": s["clock"], "quantity": 1}},
    "zero quantity": lambda s: {"warehouse_id": s["main"], "items": lines((s["battery"], 1), (s["clock"], 0))},
    "negative quantity": lambda s: {"warehouse_id": s["main"], "items": lines((s["clock"], -2))},
    "boolean quantity": lambda s: {"warehouse_id": s["main"], "items": lines((s["clock"], True))},
    "string quantity": lambda s: {"warehouse_id": s["main"], "items": lines((s["clock"], "2"))},
    "quantity over the maximum": lambda s: {"warehouse_id": s["main"], "items": lines((s["clock"], 1_000_000_001))},
    "fractional quantity": lambda s: {"warehouse_id": s["main"], "items": lines((s["clock"], 1.5))},
    "missing quantity": lambda s: {"warehouse_id": s["main"], "items": [{"product_id": s["clock"]}]},
    "null product": lambda s: {"warehouse_id": s["main"], "items": lines((None, 1))},
    "string warehouse": lambda s: {"warehouse_id": str(s["main"]), "items": lines((s["clock"], 1))},
    "boolean warehouse": lambda s: {"warehouse_id": True, "items": lines((s["clock"], 1))},
    "unknown field": lambda s: {"warehouse_id": s["main"], "items": lines((s["clock"], 1)), "priority": "high"},
    "unknown item field": lambda s: {"warehouse_id": s["main"],
                                     "items": [{"product_id": s["clock"], "quantity": 1, "unit_price": "0.01"}]},
    "client status": lambda s: {"warehouse_id": s["main"], "items": lines((s["clock"], 1)), "status": "shipped"},
    "long reference": lambda s: {"warehouse_id": s["main"], "items": lines((s["clock"], 1)), "reference": "R" * 121},
}


@pytest.mark.parametrize("case", INVALID_BODIES)
def test_an_invalid_order_body_is_refused_and_changes_nothing(app, acme, kit_shop, case):
    response = acme.post("/api/orders", json=INVALID_BODIES[case](kit_shop))
    assert_refused(response, 422, "validation_error")
    assert response.json["errors"]
    assert level(acme, kit_shop["clock"], kit_shop["main"]) == (10, 0)
    assert level(acme, kit_shop["battery"], kit_shop["main"]) == (12, 0)
    assert order_rows(app) == (0, 0, 0)


def test_the_list_holds_the_company_orders_in_id_order_page_by_page(acme, globex, kit_shop):
    ids = [placed(acme, kit_shop["main"], (kit_shop["battery"], 1), reference=f"PO-{n}")["id"] for n in range(5)]
    depot = make_warehouse(globex, "Globex Depot")
    placed(globex, depot, (make_product(globex, "GLOBEX-CLOCK", {depot: 5}), 1))
    everything = acme.get("/api/orders").json
    assert ([o["id"] for o in everything["items"]], everything["total"], everything["page"], everything["per_page"]) == (
        ids, 5, 1, 50)
    second = acme.get("/api/orders?page=2&per_page=2").json
    assert ([o["id"] for o in second["items"]], second["total"]) == (ids[2:4], 5)
    assert second["items"][0]["items"] == [{"product_id": kit_shop["battery"], "quantity": 1, "unit_price": "0.99"}]


@pytest.fixture
def history(app, acme, kit_shop):
    """Three orders: shipped in Main on 1 March, cancelled in Backroom on 2 March, pending in Main on 3 March."""
    shipped = placed(acme, kit_shop["main"], (kit_shop["clock"], 1))["id"]
    cancelled = placed(acme, kit_shop["backroom"], (kit_shop["shade"], 1))["id"]
    pending = placed(acme, kit_shop["main"], (kit_shop["battery"], 1))["id"]
    assert acme.patch(f"/api/orders/{shipped}/status", json={"status": "shipped"}).status_code == 200
    assert acme.patch(f"/api/orders/{cancelled}/status", json={"status": "cancelled"}).status_code == 200
    with app.app_context():
        for day, order_id in enumerate((shipped, cancelled, pending), start=1):
            db.session.execute(sa.update(Order).where(Order.id == order_id).values(created_at=dt.datetime(2026, 3, day, 12)))
        db.session.commit()
    return dict(shipped=shipped, cancelled=cancelled, pending=pending)


@pytest.mark.parametrize("query, expected", [
    ("status=pending", ["pending"]),
    ("status=shipped", ["shipped"]),
    ("status=cancelled", ["cancelled"]),
    ("warehouse_id={main}", ["shipped", "pending"]),
    ("warehouse_id={backroom}&status=pending", []),
    ("since=2026-03-02T00:00:00Z", ["cancelled", "pending"]),
    ("until=2026-03-02T12:00:00Z", ["shipped", "cancelled"]),
    ("since=2026-03-01T12:00:01Z&until=2026-03-03T11:59:59Z", ["cancelled"]),
    ("since=2026-03-02T13:00:00%2B01:00", ["cancelled", "pending"]),
])
def test_the_list_filters_by_status_warehouse_and_creation_time(acme, kit_shop, history, query, expected):
    response = acme.get("/api/orders?" + query.format(**kit_shop))
    assert response.status_code == 200, response.json
    assert [o["id"] for o in response.json["items"]] == [history[name] for name in expected]
    assert response.json["total"] == len(expected)


@pytest.mark.parametrize("query", ["status=delivered", "per_page=201", "page=0", "since=yesterday", "warehouse_id=main"])
def test_bad_list_arguments_are_refused(acme, query):
    assert_refused(acme.get("/api/orders?" + query), 422, "validation_error")


def test_one_order_is_read_by_id_as_it_was_answered_on_creation(acme, kit_shop):
    body = placed(acme, kit_shop["main"], (kit_shop["kit"], 1), (kit_shop["clock"], 2), customer_name="Grace Hopper")
    response = acme.get(f"/api/orders/{body['id']}")
    assert (response.status_code, response.json) == (200, body)


def test_another_company_order_is_not_found_nor_listed(acme, globex, kit_shop):
    body = placed(acme, kit_shop["main"], (kit_shop["clock"], 1))
    assert_refused(globex.get(f"/api/orders/{body['id']}"), 404, "not_found")
    assert_refused(globex.get(f"/api/orders/{MISSING}"), 404, "not_found")
    assert globex.get("/api/orders").json["total"] == 0


def test_staff_take_orders(acme, kit_shop):
    staff = acme.add_user("staff")
    body = placed(staff, kit_shop["main"], (kit_shop["clock"], 2))
    assert body["status"] == "pending"
    assert level(acme, kit_shop["clock"], kit_shop["main"]) == (10, 2)


def test_a_viewer_reads_orders_but_cannot_take_one(app, acme, kit_shop):
    body = placed(acme, kit_shop["main"], (kit_shop["clock"], 2))
    viewer = acme.add_user("viewer")
    assert_refused(order(viewer, kit_shop["main"], (kit_shop["clock"], 1)), 403, "forbidden")
    assert level(acme, kit_shop["clock"], kit_shop["main"]) == (10, 2)
    assert order_rows(app)[0] == 1
    assert viewer.get(f"/api/orders/{body['id']}").json == body
    assert [o["id"] for o in viewer.get("/api/orders").json["items"]] == [body["id"]]


def test_orders_need_a_token(client, kit_shop):
    response = client.post("/api/orders", json={"warehouse_id": kit_shop["main"], "items": lines((kit_shop["clock"], 1))})
    assert_refused(response, 401, "unauthorized")
    assert_refused(client.get("/api/orders"), 401, "unauthorized")


def statements_to_order(app, acme, main, count: int) -> int:
    products = [make_product(acme, f"LINE-{count}-{n}", {main: 5}) for n in range(count)]
    with counting_statements(app) as statements:
        placed(acme, main, *((product, 2) for product in products))
    return len(statements)


def test_an_order_of_fifty_lines_takes_as_many_statements_as_one_of_five(app, acme, main):
    """The lines' products are read in one query, their levels locked and reserved in one go."""
    five, fifty = (statements_to_order(app, acme, main, count) for count in (5, 50))
    assert fifty == five
