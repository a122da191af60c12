"""A company asks what is about to run out, when, and whom to reorder from."""

import datetime as dt

import pytest

from tests.e2e.conftest import level, make_bundle, make_product, make_warehouse, move

CONTRACT_KEYS = ["product_id", "product_name", "sku", "warehouse_id", "warehouse_name", "current_stock",
                 "threshold", "days_until_stockout", "supplier"]


def sold(client, product_id, warehouse_id, quantity, days_ago=0):
    occurred_at = (dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=days_ago)).strftime("%Y-%m-%dT%H:%M:%SZ")
    response = move(client, "sale", product_id, warehouse_id, quantity, occurred_at=occurred_at)
    assert response.status_code == 201, response.text


def alerts(client, **params) -> dict:
    return client.ok(f"/api/companies/{client.company_id}/alerts/low-stock", params=params)


def alerted(client, **params) -> list[int]:
    """The product ids alerted, in the order the endpoint ranks them."""
    return [alert["product_id"] for alert in alerts(client, **params)["alerts"]]


@pytest.fixture
def shop(retro):
    """Retro's Main warehouse after a month of trade (company defaults: threshold 10, 30-day window):

    - clock (type threshold 20, primary supplier Tick Tock): 30 in, 15 sold → 15 left, 0.5/day → 30 days
    - lamp (own threshold 10, no supplier): 35 in, 30 sold → 5 left, 1/day → 5 days
    - battery: 8 in, never sold → low but quiet, no alert
    - mug: 100 in, 10 sold → plenty, no alert
    """
    main = make_warehouse(retro, "Main Warehouse")
    clocks = retro.created("/api/product-types", {"name": "Alarm clocks", "low_stock_threshold": 20})["id"]
    tick_tock = retro.created("/api/suppliers", {
        "name": "Tick Tock Supply", "contact_email": "orders@ticktock.example", "lead_time_days": 7})["id"]
    clock = make_product(retro, "Retro Clock", {main: 30}, product_type_id=clocks, supplier_id=tick_tock)
    lamp = make_product(retro, "Lava Lamp", {main: 35}, low_stock_threshold=10)
    battery = make_product(retro, "AA Battery", {main: 8})
    mug = make_product(retro, "Tea Mug", {main: 100})
    sold(retro, clock, main, 15, days_ago=3)
    sold(retro, lamp, main, 30, days_ago=1)
    sold(retro, mug, main, 10)
    return dict(main=main, clock=clock, lamp=lamp, battery=battery, mug=mug, tick_tock=tick_tock, clocks=clocks)


def test_a_product_at_or_below_its_threshold_that_sold_recently_alerts_with_its_supplier(retro, shop):
    [clock_alert] = [a for a in alerts(retro)["alerts"] if a["product_id"] == shop["clock"]]
    sku = retro.ok(f"/api/products/{shop['clock']}")["sku"]
    assert {key: clock_alert[key] for key in CONTRACT_KEYS} == {
        "product_id": shop["clock"], "product_name": "Retro Clock", "sku": sku,
        "warehouse_id": shop["main"], "warehouse_name": "Main Warehouse", "current_stock": 15,
        "threshold": 20, "days_until_stockout": 30,
        "supplier": {**clock_alert["supplier"], "id": shop["tick_tock"], "name": "Tick Tock Supply",
                     "contact_email": "orders@ticktock.example"},
    }


def test_an_alert_explains_itself_with_stock_sales_and_the_suppliers_lead_time(retro, shop):
    [clock_alert] = [a for a in alerts(retro)["alerts"] if a["product_id"] == shop["clock"]]
    assert (clock_alert["on_hand"], clock_alert["reserved"], clock_alert["units_sold"]) == (15, 0, 15)
    assert float(clock_alert["avg_daily_sales"]) == 0.5
    assert clock_alert["supplier"]["lead_time_days"] == 7


def test_alerts_are_ranked_by_days_until_stockout_and_counted(retro, shop):
    body = alerts(retro)
    assert [(a["product_id"], a["days_until_stockout"]) for a in body["alerts"]] == [(shop["lamp"], 5), (shop["clock"], 30)]
    assert body["total_alerts"] == 2


def test_a_product_without_a_supplier_alerts_with_a_null_supplier(retro, shop):
    [lamp_alert] = [a for a in alerts(retro)["alerts"] if a["product_id"] == shop["lamp"]]
    assert (lamp_alert["threshold"], lamp_alert["current_stock"], lamp_alert["supplier"]) == (10, 5, None)


def test_a_low_product_that_did_not_sell_in_the_window_does_not_alert(retro, shop):
    assert shop["battery"] not in alerted(retro)


def test_a_product_above_its_threshold_does_not_alert(retro, shop):
    assert shop["mug"] not in alerted(retro)


def test_the_days_parameter_narrows_the_sales_window(retro, shop):
    assert alerted(retro, days=2) == [shop["lamp"]]


def test_reserved_stock_counts_against_current_stock(retro, shop):
    order = retro.post("/api/orders", json={"warehouse_id": shop["main"], "items": [{"product_id": shop["clock"], "quantity": 5}]})
    assert order.status_code == 201, order.text
    [clock_alert] = [a for a in alerts(retro)["alerts"] if a["product_id"] == shop["clock"]]
    assert (clock_alert["on_hand"], clock_alert["reserved"], clock_alert["current_stock"], clock_alert["days_until_stockout"]) == (
        15, 5, 10, 20)


def test_a_sold_out_product_has_zero_days_until_stockout_and_ranks_first(retro, shop):
    sold(retro, shop["clock"], shop["main"], 15)
    first = alerts(retro)["alerts"][0]
    assert (first["product_id"], first["current_stock"], first["days_until_stockout"]) == (shop["clock"], 0, 0)


def test_a_warehouse_threshold_override_wins_over_the_product_type(retro, shop):
    clock_level = level(retro, shop["clock"], shop["main"])
    response = retro.patch(f"/api/inventory/{clock_level['id']}", json={"low_stock_threshold": 12})
    assert response.status_code == 200, response.text
    assert shop["clock"] not in alerted(retro)


def test_sales_of_a_bundle_count_on_its_components(retro, shop):
    kit = make_bundle(retro, "Night kit", (shop["battery"], 2))
    sold(retro, kit, shop["main"], 2)
    [battery_alert] = [a for a in alerts(retro)["alerts"] if a["product_id"] == shop["battery"]]
    assert (battery_alert["current_stock"], battery_alert["units_sold"], battery_alert["days_until_stockout"]) == (4, 4, 30)


def test_an_inactive_warehouse_raises_no_alerts(retro, shop):
    assert retro.patch(f"/api/warehouses/{shop['main']}", json={"is_active": False}).status_code == 200
    body = alerts(retro)
    assert (body["alerts"], body["total_alerts"]) == ([], 0)


def test_an_archived_product_raises_no_alerts(retro, shop):
    assert retro.delete(f"/api/products/{shop['lamp']}").status_code == 204
    assert alerted(retro) == [shop["clock"]]


def test_alerts_filter_by_supplier(retro, shop):
    assert alerted(retro, supplier_id=shop["tick_tock"]) == [shop["clock"]]


def test_alerts_filter_by_product_type(retro, shop):
    assert alerted(retro, product_type_id=shop["clocks"]) == [shop["clock"]]


def test_alerts_page_while_total_alerts_counts_every_match(retro, shop):
    body = alerts(retro, per_page=1, page=2)
    assert ([a["product_id"] for a in body["alerts"]], body["total_alerts"]) == ([shop["clock"]], 2)


def test_the_suggested_reorder_is_at_least_the_suppliers_minimum_order(retro, shop):
    link = retro.put(f"/api/products/{shop['clock']}/suppliers/{shop['tick_tock']}", json={"min_order_qty": 48})
    assert link.status_code == 200, link.text
    [clock_alert] = [a for a in alerts(retro)["alerts"] if a["product_id"] == shop["clock"]]
    assert clock_alert["suggested_reorder_quantity"] == 48


def test_a_days_window_beyond_a_year_is_refused(retro, shop):
    response = retro.get(f"/api/companies/{retro.company_id}/alerts/low-stock", params={"days": 366})
    assert (response.status_code, response.json()["error"]) == (422, "validation_error")
    assert list(response.json()["errors"]) == ["days"]
