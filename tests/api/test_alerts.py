"""Low-stock alerts: which levels alert, with which numbers and supplier, in which order, and who may ask.

Every scenario is built through the API. Unless a test says otherwise the company default applies:
threshold 10, a 30-day window; a product stocked with 12 that sells 2 today sits at its threshold.
"""

import pytest

from tests.api.alerting import (
    MISSING, alerted, at_threshold, levels_of, low_stock, move, numbers, place_order, request_alerts, sell, set_company,
    today_minus,
)
from tests.factories import link_supplier, make_bundle, make_product, make_product_type, make_supplier, make_warehouse

pytestmark = pytest.mark.usefixtures("stored_alert_inputs_stay_current")


# What alerts


def test_a_level_at_its_threshold_that_sold_recently_raises_an_alert_with_every_field(acme, main):
    clock = at_threshold(acme, "RETRO-CLOCK", main)
    assert low_stock(acme) == {
        "alerts": [{
            "level_id": acme.get("/api/inventory", query_string={"product_id": clock}).json["items"][0]["id"],
            "product_id": clock, "product_name": "Retro-Clock", "sku": "RETRO-CLOCK",
            "warehouse_id": main, "warehouse_name": "Main", "current_stock": 10, "threshold": 10,
            "days_until_stockout": 150, "supplier": None, "on_hand": 10, "reserved": 0, "units_sold": 2,
            # At its threshold, nothing on order: up to max(10, 0) + ⌈2 × 30 / 30⌉ = 12, so 2.
            "avg_daily_sales": 0.07, "suggested_reorder_quantity": 2, "incoming": 0, "next_expected_at": None,
        }],
        "total_alerts": 1, "total_stockouts": 0, "page": 1, "per_page": 50, "days": 30, "window_start": today_minus(29),
    }


def test_an_alert_names_its_supplier_and_how_much_to_reorder(acme, main):
    clock = make_product(acme, "RETRO-CLOCK", {main: 40})
    supplier = make_supplier(acme, "Clockmakers Ltd", contact_email="orders@clockmakers.example", lead_time_days=14)
    link_supplier(acme, clock, supplier, lead_time_days=7, is_primary=True)
    sell(acme, clock, main, 11, days_ago=10)
    sell(acme, clock, main, 20)
    [alert] = low_stock(acme)["alerts"]
    # 31 sold in 30 days: 1.03 a day; 9 left last floor(9 × 30 / 31) = 8 days;
    # order up to max(10, ⌈31 × 7 / 30⌉ = 8) + ⌈31 × 30 / 30⌉ = 41 with 30 days' cover: 41 − 9 = 32.
    assert numbers(alert, "current_stock", "units_sold", "avg_daily_sales", "days_until_stockout",
                   "suggested_reorder_quantity", "supplier") == {
        "current_stock": 9, "units_sold": 31, "avg_daily_sales": 1.03, "days_until_stockout": 8,
        "suggested_reorder_quantity": 32,
        "supplier": {"id": supplier, "name": "Clockmakers Ltd", "contact_email": "orders@clockmakers.example",
                     "lead_time_days": 7, "min_order_qty": 1, "order_multiple": 1},
    }


def test_a_level_one_unit_above_its_threshold_raises_no_alert(acme, main):
    clock = make_product(acme, "RETRO-CLOCK", {main: 13})
    sell(acme, clock, main, 2)
    assert low_stock(acme) == {"alerts": [], "total_alerts": 0, "total_stockouts": 0, "page": 1, "per_page": 50, "days": 30,
                               "window_start": today_minus(29)}


def test_a_level_at_its_threshold_without_sales_raises_no_alert(acme, main):
    make_product(acme, "RETRO-CLOCK", {main: 10})
    assert alerted(acme) == []


def test_an_empty_level_that_sold_out_alerts_with_zero_days_left(acme, main):
    clock = make_product(acme, "RETRO-CLOCK", {main: 5})
    sell(acme, clock, main, 5)
    [alert] = low_stock(acme)["alerts"]
    assert numbers(alert, "current_stock", "on_hand", "days_until_stockout", "avg_daily_sales",
                   "suggested_reorder_quantity") == {
        "current_stock": 0, "on_hand": 0, "days_until_stockout": 0, "avg_daily_sales": 0.17,
        # Up to max(10, 0) + ⌈5 × 30 / 30⌉ = 15.
        "suggested_reorder_quantity": 15}


def test_a_pending_order_lowers_current_stock_into_an_alert(acme, main):
    clock = make_product(acme, "RETRO-CLOCK", {main: 14})
    sell(acme, clock, main, 1)
    place_order(acme, main, (clock, 3))
    [alert] = low_stock(acme)["alerts"]
    # 13 on hand, 3 reserved: 10 available, 1 sold in 30 days → 300 days.
    assert numbers(alert, "on_hand", "reserved", "current_stock", "days_until_stockout") == {
        "on_hand": 13, "reserved": 3, "current_stock": 10, "days_until_stockout": 300}


def test_a_pending_order_is_not_a_sale(acme, main):
    clock = make_product(acme, "RETRO-CLOCK", {main: 12})
    place_order(acme, main, (clock, 2))
    assert alerted(acme) == []


def test_a_shipped_order_counts_as_sales(acme, main):
    clock = make_product(acme, "RETRO-CLOCK", {main: 12})
    order = place_order(acme, main, (clock, 2))
    assert acme.patch(f"/api/orders/{order}/status", json={"status": "shipped"}).status_code == 200
    [alert] = low_stock(acme)["alerts"]
    assert numbers(alert, "on_hand", "reserved", "units_sold") == {"on_hand": 10, "reserved": 0, "units_sold": 2}


@pytest.mark.parametrize("kind, start, quantity, extra", [
    ("receive", 5, 5, {}),
    ("return", 5, 5, {}),
    ("remove", 20, 10, {"reason": "water damage"}),
    ("adjust", 20, -10, {"reason": "miscounted delivery"}),
    ("count", 20, 10, {}),
])
def test_movements_other_than_sales_do_not_count_as_sales(acme, main, kind, start, quantity, extra):
    clock = make_product(acme, "RETRO-CLOCK", {main: start})
    move(acme, kind, clock, main, quantity, **extra)
    assert alerted(acme) == []


def test_a_transfer_does_not_count_as_a_sale_on_either_side(acme, main, backroom):
    clock = make_product(acme, "RETRO-CLOCK", {main: 20})
    move(acme, "transfer", clock, main, 10, to_warehouse_id=backroom)
    assert alerted(acme) == []


def test_a_sale_counts_only_for_the_warehouse_it_was_made_in(acme, main, backroom):
    clock = make_product(acme, "RETRO-CLOCK", {main: 10, backroom: 12})
    sell(acme, clock, backroom, 4)
    assert alerted(acme) == [(clock, backroom)]


def test_an_archived_product_raises_no_alert(acme, main):
    clock = at_threshold(acme, "RETRO-CLOCK", main)
    assert acme.delete(f"/api/products/{clock}").status_code == 204
    assert alerted(acme) == []


def test_an_inactive_warehouse_raises_no_alert(acme, main, backroom):
    clock = make_product(acme, "RETRO-CLOCK", {main: 12, backroom: 12})
    sell(acme, clock, main, 2)
    sell(acme, clock, backroom, 2)
    assert acme.patch(f"/api/warehouses/{backroom}", json={"is_active": False}).status_code == 200
    assert alerted(acme) == [(clock, main)]


def test_bundle_sales_count_on_its_components_and_the_bundle_never_alerts(acme, main):
    clock = make_product(acme, "RETRO-CLOCK", {main: 12})
    battery = make_product(acme, "BATTERY-AA", {main: 20}, low_stock_threshold=20)
    kit = make_bundle(acme, "ALARM-KIT", (clock, 1), (battery, 2))
    sell(acme, kit, main, 2)
    alerts = low_stock(acme)["alerts"]
    # Batteries: 16 left, 4 sold → 120 days; clocks: 10 left, 2 sold → 150 days.
    assert [numbers(a, "product_id", "current_stock", "units_sold", "days_until_stockout") for a in alerts] == [
        {"product_id": battery, "current_stock": 16, "units_sold": 4, "days_until_stockout": 120},
        {"product_id": clock, "current_stock": 10, "units_sold": 2, "days_until_stockout": 150}]


def test_another_companys_levels_never_appear(acme, globex, main):
    at_threshold(globex, "GLOBEX-LAMP", make_warehouse(globex, "Main"))
    assert alerted(acme) == []


def test_days_until_stockout_is_exact_for_a_very_large_stock(acme, main):
    clock = make_product(acme, "RETRO-CLOCK", {main: 1_000_000_000}, low_stock_threshold=1_000_000_000)
    sell(acme, clock, main, 1)
    [alert] = low_stock(acme, days=99)["alerts"]
    assert alert["days_until_stockout"] == 999_999_999 * 99  # 98_999_999_901; a float division says …900


def test_average_daily_sales_is_rounded_from_the_exact_quotient(acme, main):
    clock = make_product(acme, "RETRO-CLOCK", {main: 117})
    sell(acme, clock, main, 107)
    [alert] = low_stock(acme, days=40)["alerts"]
    assert alert["avg_daily_sales"] == 2.68  # 107 / 40 = 2.675 exactly


# The sales window


def test_a_sale_on_the_first_day_of_the_default_window_counts(acme, main):
    clock = make_product(acme, "RETRO-CLOCK", {main: 12})
    sell(acme, clock, main, 2, days_ago=29)
    assert alerted(acme) == [(clock, main)]


def test_a_sale_the_day_before_the_default_window_does_not_count(acme, main):
    clock = make_product(acme, "RETRO-CLOCK", {main: 12})
    sell(acme, clock, main, 2, days_ago=30)
    assert alerted(acme) == []


def test_a_sale_on_the_first_day_of_a_requested_window_counts(acme, main):
    clock = make_product(acme, "RETRO-CLOCK", {main: 12})
    sell(acme, clock, main, 2, days_ago=6)
    body = low_stock(acme, days=7)
    # 2 sold in 7 days: 0.29 a day; 10 last floor(10 × 7 / 2) = 35 days.
    assert (body["days"], body["window_start"]) == (7, today_minus(6))
    [alert] = body["alerts"]
    assert numbers(alert, "product_id", "units_sold", "avg_daily_sales", "days_until_stockout") == {
        "product_id": clock, "units_sold": 2, "avg_daily_sales": 0.29, "days_until_stockout": 35}


def test_a_sale_the_day_before_a_requested_window_does_not_count(acme, main):
    clock = make_product(acme, "RETRO-CLOCK", {main: 12})
    sell(acme, clock, main, 2, days_ago=7)
    assert alerted(acme, days=7) == []


def test_sales_before_the_window_are_left_out_of_units_sold(acme, main):
    clock = make_product(acme, "RETRO-CLOCK", {main: 15})
    sell(acme, clock, main, 3, days_ago=40)
    sell(acme, clock, main, 2)
    [alert] = low_stock(acme)["alerts"]
    assert (alert["units_sold"], alert["days_until_stockout"]) == (2, 150)


def test_the_default_window_is_the_companys_recent_sales_days(acme, main):
    set_company(acme, recent_sales_days=7)
    inside, outside = make_product(acme, "RETRO-CLOCK", {main: 12}), make_product(acme, "LAMP-SHADE", {main: 12})
    sell(acme, inside, main, 2, days_ago=6)
    sell(acme, outside, main, 2, days_ago=7)
    body = low_stock(acme)
    assert body["days"] == 7
    assert [(a["product_id"], a["units_sold"]) for a in body["alerts"]] == [(inside, 2)]


def test_a_requested_window_overrides_the_companys_recent_sales_days(acme, main):
    set_company(acme, recent_sales_days=7)
    clock = make_product(acme, "RETRO-CLOCK", {main: 12})
    sell(acme, clock, main, 2, days_ago=20)
    assert alerted(acme, days=30) == [(clock, main)]


# Order


def test_alerts_are_ordered_by_days_left_then_share_of_threshold_then_product_id(acme, main):
    # (stock, sold) → (left, days until stockout, share of 10); created in reverse of the expected order.
    f = make_product(acme, "F", {main: 3})    # 2 left, 1 sold → 60 days, 0.2
    e = make_product(acme, "E", {main: 15})   # 10 left, 5 sold → 60 days, 1.0
    d = make_product(acme, "D", {main: 15})   # 10 left, 5 sold → 60 days, 1.0
    b = make_product(acme, "B", {main: 12})   # 6 left, 6 sold → 30 days, 0.6
    c = make_product(acme, "C", {main: 8})    # 4 left, 4 sold → 30 days, 0.4
    a = make_product(acme, "A", {main: 10})   # 0 left → 0 days
    for product, sold in ((f, 1), (e, 5), (d, 5), (b, 6), (c, 4), (a, 10)):
        sell(acme, product, main, sold)
    assert [alert["product_id"] for alert in low_stock(acme)["alerts"]] == [a, c, b, f, e, d]


def test_equal_days_left_are_ordered_by_share_of_threshold_not_by_stock(acme, main):
    small = make_product(acme, "SMALL", {main: 8}, low_stock_threshold=5)   # 4 of 5 left, 4 sold → 30 days
    large = make_product(acme, "LARGE", {main: 12})                         # 6 of 10 left, 6 sold → 30 days
    sell(acme, small, main, 4)
    sell(acme, large, main, 6)
    assert [alert["product_id"] for alert in low_stock(acme)["alerts"]] == [large, small]


def test_empty_levels_rank_by_product_id_whatever_their_threshold_even_zero(acme, main):
    ten = make_product(acme, "TEN", {main: 5})
    zero = make_product(acme, "ZERO", {main: 5}, low_stock_threshold=0)
    sell(acme, ten, main, 5)
    sell(acme, zero, main, 5)
    assert [(a["product_id"], a["threshold"]) for a in low_stock(acme)["alerts"]] == [(ten, 10), (zero, 0)]


def nearly_full(account, sku, warehouse_id, left, threshold):
    """A product with `left` available of `threshold` after selling a billion today."""
    product = make_product(account, sku, {warehouse_id: 1_000_000_000}, low_stock_threshold=threshold)
    move(account, "receive", product, warehouse_id, left)
    sell(account, product, warehouse_id, 1_000_000_000)
    return product


def test_shares_of_threshold_a_billionth_apart_are_ordered_exactly(acme, main):
    # Under a day left for both; 999_999_998 / 999_999_999 < 999_999_999 / 1e9 by about 1e-18,
    # a difference no double can hold.
    higher = nearly_full(acme, "HIGHER", main, 999_999_999, 1_000_000_000)
    lower = nearly_full(acme, "LOWER", main, 999_999_998, 999_999_999)
    alerts = low_stock(acme, days=1)["alerts"]
    assert [(a["product_id"], a["days_until_stockout"]) for a in alerts] == [(lower, 0), (higher, 0)]


def test_one_product_equally_urgent_in_two_warehouses_is_listed_by_warehouse_id(acme, main, backroom):
    clock = make_product(acme, "RETRO-CLOCK", {backroom: 12, main: 12})
    sell(acme, clock, backroom, 2)
    sell(acme, clock, main, 2)
    assert alerted(acme) == [(clock, main), (clock, backroom)]


# Filters and pages


def test_the_warehouse_filter_keeps_that_warehouses_alerts(acme, main, backroom):
    clock = make_product(acme, "RETRO-CLOCK", {main: 12, backroom: 12})
    sell(acme, clock, main, 2)
    sell(acme, clock, backroom, 2)
    body = low_stock(acme, warehouse_id=backroom)
    assert (levels_of(body), body["total_alerts"]) == ([(clock, backroom)], 1)


def test_the_product_type_filter_keeps_that_types_products(acme, main):
    clocks = make_product_type(acme, "Wall Clocks", threshold=10)
    clock = at_threshold(acme, "RETRO-CLOCK", main, product_type_id=clocks)
    at_threshold(acme, "LAMP-SHADE", main)
    body = low_stock(acme, product_type_id=clocks)
    assert (levels_of(body), body["total_alerts"]) == ([(clock, main)], 1)


@pytest.fixture
def two_suppliers(acme, main):
    """CLOCK: Clockmakers (primary) and Tick Tock; LAMP: Tick Tock only;
    SHADE: Tick Tock then Clockmakers, neither primary."""
    clockmakers, tick_tock = make_supplier(acme, "Clockmakers Ltd"), make_supplier(acme, "Tick Tock Inc")
    clock, lamp, shade = (at_threshold(acme, sku, main) for sku in ("CLOCK", "LAMP", "SHADE"))
    link_supplier(acme, clock, clockmakers, is_primary=True)
    link_supplier(acme, clock, tick_tock)
    link_supplier(acme, lamp, tick_tock)
    link_supplier(acme, shade, tick_tock)
    link_supplier(acme, shade, clockmakers)
    return dict(clockmakers=clockmakers, tick_tock=tick_tock, clock=clock, lamp=lamp, shade=shade)


def test_the_supplier_filter_keeps_products_whose_reorder_supplier_it_is(acme, main, two_suppliers):
    s = two_suppliers
    body = low_stock(acme, supplier_id=s["clockmakers"])
    assert [(a["product_id"], a["supplier"]["id"]) for a in body["alerts"]] == [
        (s["clock"], s["clockmakers"]), (s["shade"], s["clockmakers"])]
    assert body["total_alerts"] == 2


def test_the_supplier_filter_leaves_out_products_it_supplies_but_is_not_chosen_for(acme, main, two_suppliers):
    s = two_suppliers
    body = low_stock(acme, supplier_id=s["tick_tock"])
    assert ([a["product_id"] for a in body["alerts"]], body["total_alerts"]) == ([s["lamp"]], 1)


@pytest.fixture
def three_alerts(acme, main):
    """Three products at their threshold, in id order (equal urgency)."""
    return [at_threshold(acme, sku, main) for sku in ("CLOCK", "LAMP", "SHADE")]


def test_a_page_holds_per_page_alerts_and_the_total_counts_all(acme, three_alerts):
    body = low_stock(acme, page=1, per_page=2)
    assert ([a["product_id"] for a in body["alerts"]], body["total_alerts"], body["page"], body["per_page"]) == (
        three_alerts[:2], 3, 1, 2)


def test_the_last_page_holds_the_rest(acme, three_alerts):
    body = low_stock(acme, page=2, per_page=2)
    assert ([a["product_id"] for a in body["alerts"]], body["total_alerts"]) == (three_alerts[2:], 3)


def test_a_page_past_the_end_is_empty_with_the_right_total(acme, three_alerts):
    body = low_stock(acme, page=3, per_page=2)
    assert (body["alerts"], body["total_alerts"], body["page"]) == ([], 3, 3)


def test_pages_run_through_the_stock_outs_then_the_alerts_still_in_stock(acme, main):
    """Stock-outs rank first, by product; the rest by days left. Pages cross from one to the other."""
    slow = at_threshold(acme, "SLOW", main)  # 10 left, sold 2: 150 days
    first_empty = make_product(acme, "FIRST-EMPTY", {main: 3})
    fast = make_product(acme, "FAST", {main: 15})
    second_empty = make_product(acme, "SECOND-EMPTY", {main: 1})
    for product, quantity in ((first_empty, 3), (fast, 10), (second_empty, 1)):  # fast: 5 left, 15 days
        sell(acme, product, main, quantity)
    ranked = [first_empty, second_empty, fast, slow]

    for per_page in (1, 2, 3):
        pages = [low_stock(acme, page=page, per_page=per_page) for page in range(1, 6)]
        assert {body["total_alerts"] for body in pages} == {4}
        assert [[a["product_id"] for a in body["alerts"]] for body in pages] == [
            ranked[start:start + per_page] for start in range(0, 5 * per_page, per_page)]


# Bad requests and access


@pytest.mark.parametrize("field, value", [
    ("days", "0"), ("days", "366"), ("days", "abc"), ("per_page", "0"), ("per_page", "201"), ("page", "0"),
    ("warehouse_id", "abc"), ("product_type_id", "0"), ("supplier_id", "abc"),
])
def test_a_bad_query_parameter_is_refused_naming_it(acme, field, value):
    response = request_alerts(acme, **{field: value})
    assert (response.status_code, response.json["error"], list(response.json["errors"])) == (
        422, "validation_error", [field])


def without_id(body, company_id):
    """The error body with the requested id masked, to compare two 404s."""
    return {**body, "message": body["message"].replace(str(company_id), "N")}


def test_another_companys_id_is_not_found_exactly_like_a_missing_one(acme, globex):
    other, missing = request_alerts(acme, globex.company_id), request_alerts(acme, MISSING)
    assert (other.status_code, missing.status_code) == (404, 404)
    assert other.json["error"] == "not_found"
    assert without_id(other.json, globex.company_id) == without_id(missing.json, MISSING)


def test_an_unauthenticated_request_is_refused(client, acme):
    response = client.get(f"/api/companies/{acme.company_id}/alerts/low-stock")
    assert (response.status_code, response.json["error"], response.headers["WWW-Authenticate"]) == (
        401, "unauthorized", "Bearer")


def test_a_viewer_may_read_the_alerts(acme, main):
    clock = at_threshold(acme, "RETRO-CLOCK", main)
    assert alerted(acme.add_user("viewer")) == [(clock, main)]


def test_total_stockouts_counts_the_matching_alerts_at_zero_available(acme, main, backroom):
    clock = make_product(acme, "RETRO-CLOCK", {main: 3, backroom: 4})
    lamp = make_product(acme, "LAMP", {main: 5})
    sell(acme, clock, main, 3)
    sell(acme, clock, backroom, 1)
    sell(acme, lamp, main, 1)
    body = low_stock(acme)
    assert (body["total_alerts"], body["total_stockouts"]) == (3, 1)
    assert body["alerts"][0]["current_stock"] == 0
    body = low_stock(acme, warehouse_id=backroom)
    assert (body["total_alerts"], body["total_stockouts"]) == (1, 0)
    body = low_stock(acme, per_page=1, page=3)  # counted over every page
    assert (body["total_alerts"], body["total_stockouts"], len(body["alerts"])) == (3, 1, 1)
