"""Low-stock alerts: which threshold applies, which supplier is named and how much to reorder.

As in test_alerts.py: unless a test says otherwise the company default applies — threshold 10, a
30-day window.
"""


import pytest

from tests.api.alerting import alerted, at_threshold, low_stock, numbers, sell, set_company, set_override
from tests.factories import link_supplier, make_product, make_product_type, make_supplier

pytestmark = pytest.mark.usefixtures("stored_alert_inputs_stay_current")


# Which threshold applies


def test_the_company_default_threshold_applies_when_nothing_else_is_set(acme, main):
    set_company(acme, default_low_stock_threshold=4)
    at_four, at_five = make_product(acme, "RETRO-CLOCK", {main: 5}), make_product(acme, "LAMP-SHADE", {main: 6})
    sell(acme, at_four, main, 1)
    sell(acme, at_five, main, 1)
    assert [(a["product_id"], a["threshold"]) for a in low_stock(acme)["alerts"]] == [(at_four, 4)]


def test_the_product_types_threshold_replaces_the_company_default(acme, main):
    clocks = make_product_type(acme, "Wall Clocks", threshold=25)
    clock = make_product(acme, "RETRO-CLOCK", {main: 30}, product_type_id=clocks)
    sell(acme, clock, main, 5)
    assert [(a["product_id"], a["threshold"]) for a in low_stock(acme)["alerts"]] == [(clock, 25)]


def test_a_product_type_threshold_below_the_company_default_wins(acme, main):
    clocks = make_product_type(acme, "Wall Clocks", threshold=3)
    at_threshold(acme, "RETRO-CLOCK", main, product_type_id=clocks)
    assert alerted(acme) == []


def test_the_products_threshold_replaces_its_types(acme, main):
    clocks = make_product_type(acme, "Wall Clocks", threshold=25)
    clock = make_product(acme, "RETRO-CLOCK", {main: 35}, product_type_id=clocks, low_stock_threshold=30)
    sell(acme, clock, main, 7)
    assert [(a["product_id"], a["threshold"]) for a in low_stock(acme)["alerts"]] == [(clock, 30)]


def test_a_product_threshold_below_its_types_wins(acme, main):
    clocks = make_product_type(acme, "Wall Clocks", threshold=25)
    clock = make_product(acme, "RETRO-CLOCK", {main: 25}, product_type_id=clocks, low_stock_threshold=3)
    sell(acme, clock, main, 5)
    assert alerted(acme) == []


def test_a_product_threshold_of_zero_wins_over_its_types(acme, main):
    clocks = make_product_type(acme, "Wall Clocks", threshold=25)
    at_threshold(acme, "RETRO-CLOCK", main, product_type_id=clocks, low_stock_threshold=0)
    assert alerted(acme) == []


def test_a_level_override_replaces_the_products_threshold_in_its_warehouse_only(acme, main, backroom):
    clock = make_product(acme, "RETRO-CLOCK", {main: 25, backroom: 25}, low_stock_threshold=3)
    sell(acme, clock, main, 5)
    sell(acme, clock, backroom, 5)
    set_override(acme, clock, main, 50)
    assert [(a["warehouse_id"], a["threshold"]) for a in low_stock(acme)["alerts"]] == [(main, 50)]


def test_a_level_override_below_the_products_threshold_wins(acme, main):
    clock = make_product(acme, "RETRO-CLOCK", {main: 25}, low_stock_threshold=50)
    sell(acme, clock, main, 5)
    set_override(acme, clock, main, 3)
    assert alerted(acme) == []


def test_a_level_override_of_zero_wins_over_the_products_threshold(acme, main):
    clock = make_product(acme, "RETRO-CLOCK", {main: 25}, low_stock_threshold=50)
    sell(acme, clock, main, 5)
    set_override(acme, clock, main, 0)
    assert alerted(acme) == []


def test_with_a_threshold_of_zero_an_empty_level_alerts(acme, main):
    clock = make_product(acme, "RETRO-CLOCK", {main: 5}, low_stock_threshold=50)
    sell(acme, clock, main, 5)
    set_override(acme, clock, main, 0)
    [alert] = low_stock(acme)["alerts"]
    assert numbers(alert, "current_stock", "threshold", "days_until_stockout") == {
        "current_stock": 0, "threshold": 0, "days_until_stockout": 0}


def test_clearing_a_level_override_falls_back_to_the_products_threshold(acme, main):
    clock = make_product(acme, "RETRO-CLOCK", {main: 25}, low_stock_threshold=50)
    sell(acme, clock, main, 5)
    set_override(acme, clock, main, 0)
    set_override(acme, clock, main, None)
    assert [(a["product_id"], a["threshold"]) for a in low_stock(acme)["alerts"]] == [(clock, 50)]


# Which supplier, and how much to reorder


def supplier_of(account):
    [alert] = low_stock(account)["alerts"]
    return alert["supplier"]


def test_the_primary_supplier_is_chosen_over_a_lower_supplier_id(acme, main):
    clock = at_threshold(acme, "RETRO-CLOCK", main)
    first, second = make_supplier(acme, "Clockmakers Ltd"), make_supplier(acme, "Tick Tock Inc")
    link_supplier(acme, clock, first)
    link_supplier(acme, clock, second, is_primary=True)
    assert supplier_of(acme)["id"] == second


def test_without_a_primary_the_lowest_supplier_id_is_chosen_not_the_first_link(acme, main):
    clock = at_threshold(acme, "RETRO-CLOCK", main)
    first, second = make_supplier(acme, "Clockmakers Ltd"), make_supplier(acme, "Tick Tock Inc")
    link_supplier(acme, clock, second)
    link_supplier(acme, clock, first)
    assert supplier_of(acme)["id"] == first


def test_a_product_without_suppliers_reorders_with_no_lead_time_and_a_minimum_of_one(acme, main):
    clock = make_product(acme, "RETRO-CLOCK", {main: 5})
    sell(acme, clock, main, 3)
    [alert] = low_stock(acme)["alerts"]
    # 3 sold in 30 days, no lead time: up to max(10, 0) + ⌈3 × 30 / 30⌉ = 13, 2 there.
    assert (alert["supplier"], alert["suggested_reorder_quantity"]) == (None, 11)


def sold_thirty(account, warehouse_id):
    """A product stocked with 40 that sold 30 today: 10 left, at the threshold of 10; 1 a day, so it orders up
    to max(10, lead time) + 30 days of cover."""
    clock = make_product(account, "RETRO-CLOCK", {warehouse_id: 40})
    sell(account, clock, warehouse_id, 30)
    return clock


def reorder_terms(account):
    [alert] = low_stock(account)["alerts"]
    return alert["supplier"]["lead_time_days"], alert["supplier"]["min_order_qty"], alert["suggested_reorder_quantity"]


def test_the_links_lead_time_replaces_the_suppliers(acme, main):
    clock, supplier = sold_thirty(acme, main), make_supplier(acme, lead_time_days=14)
    link_supplier(acme, clock, supplier, lead_time_days=5)
    assert reorder_terms(acme) == (5, 1, 30)  # up to max(10, 5) + 30 = 40, 10 there


def test_a_links_lead_time_of_zero_replaces_the_suppliers(acme, main):
    clock, supplier = sold_thirty(acme, main), make_supplier(acme, lead_time_days=14)
    link_supplier(acme, clock, supplier, lead_time_days=0)
    assert reorder_terms(acme) == (0, 1, 30)


def test_without_a_lead_time_on_the_link_the_suppliers_applies(acme, main):
    clock, supplier = sold_thirty(acme, main), make_supplier(acme, lead_time_days=14)
    link_supplier(acme, clock, supplier)
    assert reorder_terms(acme) == (14, 1, 34)  # up to max(10, 14) + 30 = 44, 10 there


def test_without_any_lead_time_the_reorder_covers_the_window_only(acme, main):
    clock, supplier = sold_thirty(acme, main), make_supplier(acme)
    link_supplier(acme, clock, supplier)
    assert reorder_terms(acme) == (None, 1, 30)


def test_the_reorder_is_raised_to_the_links_minimum_order_quantity(acme, main):
    clock, supplier = sold_thirty(acme, main), make_supplier(acme, lead_time_days=14)
    link_supplier(acme, clock, supplier, min_order_qty=100)
    assert reorder_terms(acme) == (14, 100, 100)


def test_the_minimum_order_quantity_does_not_force_an_order_when_enough_is_on_order(acme, main):
    clock = at_threshold(acme, "RETRO-CLOCK", main)
    supplier = make_supplier(acme, lead_time_days=14)
    link_supplier(acme, clock, supplier, min_order_qty=100, unit_cost="2.00")
    assert reorder_terms(acme) == (14, 100, 100)  # up to max(10, 1) + 2 = 12, raised to 100
    placed = acme.post("/api/purchase-orders", json={"supplier_id": supplier, "warehouse_id": main,
                                                     "lines": [{"product_id": clock, "quantity": 1}]})
    assert acme.patch(f"/api/purchase-orders/{placed.json['id']}/status", json={"status": "ordered"}).status_code == 200
    assert reorder_terms(acme) == (14, 100, 0)  # 10 there and 1 on order: above the threshold
