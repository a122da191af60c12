"""A level's daily sales (GET /api/inventory/{id}/sales): one zero-filled entry per UTC day, oldest first,
today last, read from the daily sales rollup; the window's bounds; bad windows; tenancy and roles."""

import pytest

from tests.api.alerting import MISSING, place_order, sell, today_minus
from tests.factories import make_product, make_warehouse

pytestmark = pytest.mark.usefixtures("stored_alert_inputs_stay_current")


def level_of(account, product_id, warehouse_id) -> int:
    response = account.get("/api/inventory", query_string={"product_id": product_id, "warehouse_id": warehouse_id})
    [level] = response.json["items"]
    return level["id"]


def request_sales(account, level_id, query=""):
    return account.get(f"/api/inventory/{level_id}/sales?{query}")


def sales(account, level_id, query="") -> dict:
    response = request_sales(account, level_id, query)
    assert response.status_code == 200, response.json
    return response.json


def units_by_day(account, level_id, query="") -> list[tuple[str, int]]:
    return [(entry["day"], entry["units"]) for entry in sales(account, level_id, query)["series"]]


# What the series holds


def test_each_day_of_the_window_holds_the_units_sold_that_day_and_0_without_sales(acme, main, backroom):
    clock = make_product(acme, "RETRO-CLOCK", {main: 30, backroom: 5})
    sell(acme, clock, main, 3)
    sell(acme, clock, main, 2, days_ago=2)
    sell(acme, clock, main, 4, days_ago=2)
    sell(acme, clock, main, 5, days_ago=7)  # the day before a 7-day window
    sell(acme, clock, backroom, 1, days_ago=1)  # another level
    level = level_of(acme, clock, main)
    assert sales(acme, level, "days=7") == {"level_id": level, "days": 7, "series": [
        {"day": today_minus(6), "units": 0}, {"day": today_minus(5), "units": 0}, {"day": today_minus(4), "units": 0},
        {"day": today_minus(3), "units": 0}, {"day": today_minus(2), "units": 6}, {"day": today_minus(1), "units": 0},
        {"day": today_minus(0), "units": 3}]}
    assert units_by_day(acme, level, "days=8")[0] == (today_minus(7), 5)


def test_a_level_that_never_sold_has_a_0_for_every_day(acme, main):
    level = level_of(acme, make_product(acme, "RETRO-CLOCK", {main: 1}), main)
    assert units_by_day(acme, level, "days=3") == [(today_minus(2), 0), (today_minus(1), 0), (today_minus(0), 0)]


def test_a_bundle_sale_counts_on_its_components_levels(acme, kit_shop):
    main, clock, battery = kit_shop["main"], kit_shop["clock"], kit_shop["battery"]
    sell(acme, kit_shop["kit"], main, 1, days_ago=1)  # 1 clock + 2 batteries
    sell(acme, kit_shop["gift"], main, 1)  # 2 kits + 1 battery: 2 clocks + 5 batteries
    assert units_by_day(acme, level_of(acme, clock, main), "days=2") == [(today_minus(1), 1), (today_minus(0), 2)]
    assert units_by_day(acme, level_of(acme, battery, main), "days=2") == [(today_minus(1), 2), (today_minus(0), 5)]


def test_a_shipped_order_counts_as_sold_on_the_day_it_shipped(acme, main):
    clock = make_product(acme, "RETRO-CLOCK", {main: 10})
    order = place_order(acme, main, (clock, 4))
    assert acme.patch(f"/api/orders/{order}/status", json={"status": "shipped"}).status_code == 200
    assert units_by_day(acme, level_of(acme, clock, main), "days=1") == [(today_minus(0), 4)]


# The window


def test_the_window_is_90_days_by_default(acme, main):
    body = sales(acme, level_of(acme, make_product(acme, "RETRO-CLOCK", {main: 1}), main))
    assert (body["days"], len(body["series"])) == (90, 90)
    assert (body["series"][0]["day"], body["series"][-1]["day"]) == (today_minus(89), today_minus(0))


@pytest.mark.parametrize("days", [1, 365])
def test_a_window_at_either_bound_has_that_many_days_ending_today(acme, main, days):
    body = sales(acme, level_of(acme, make_product(acme, "RETRO-CLOCK", {main: 1}), main), f"days={days}")
    assert (body["days"], len(body["series"])) == (days, days)
    assert (body["series"][0]["day"], body["series"][-1]["day"]) == (today_minus(days - 1), today_minus(0))


@pytest.mark.parametrize("query", ["days=0", "days=366", "days=abc", "days=1.5", "days=", "days=7&days=30"])
def test_a_bad_window_is_refused_naming_days_alone(acme, main, query):
    response = request_sales(acme, level_of(acme, make_product(acme, "RETRO-CLOCK", {main: 1}), main), query)
    assert (response.status_code, response.json["error"], list(response.json["errors"])) == (
        422, "validation_error", ["days"])


# Tenancy and access


def test_another_companys_level_is_not_found_exactly_like_a_missing_one(acme, globex):
    warehouse = make_warehouse(globex)
    theirs = level_of(globex, make_product(globex, "GLOBEX-CLOCK", {warehouse: 1}), warehouse)
    other, missing = request_sales(acme, theirs), request_sales(acme, MISSING)
    assert (other.status_code, missing.status_code, other.json["error"]) == (404, 404, "not_found")
    assert other.json["message"].replace(str(theirs), "N") == missing.json["message"].replace(str(MISSING), "N")


def test_a_viewer_may_read_a_levels_sales(acme, main):
    clock = make_product(acme, "RETRO-CLOCK", {main: 5})
    sell(acme, clock, main, 2)
    assert units_by_day(acme.add_user("viewer"), level_of(acme, clock, main), "days=1") == [(today_minus(0), 2)]


def test_an_unauthenticated_request_is_refused(client, acme, main):
    level = level_of(acme, make_product(acme, "RETRO-CLOCK", {main: 1}), main)
    response = client.get(f"/api/inventory/{level}/sales")
    assert (response.status_code, response.json["error"], response.headers["WWW-Authenticate"]) == (
        401, "unauthorized", "Bearer")
