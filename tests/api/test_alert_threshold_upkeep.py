"""Low-stock alerts follow every change of what their threshold derives from, made after stock and sales exist.

Each level stores the threshold its alerts compare with; these tests change each input of it through
the API — the company default, a product type's threshold, a product's threshold, type or archiving,
a warehouse's activity, new levels — and read the alerts before and after. Unless a test says
otherwise the company default applies: threshold 10, a 30-day window; a product stocked with 12 that
sells 2 today sits at its threshold with 150 days left. After every test the fixture
`stored_alert_inputs_stay_current` compares every stored threshold with a plain-SQL recomputation.
"""

import pytest

from tests.api.alerting import alerted, at_threshold, low_stock, move, sell, set_company, set_override
from tests.factories import make_product, make_product_type, make_warehouse

pytestmark = pytest.mark.usefixtures("stored_alert_inputs_stay_current")


def thresholds(account) -> list[tuple[int, int, int]]:
    """(product_id, warehouse_id, threshold) of each alert, in order."""
    return [(a["product_id"], a["warehouse_id"], a["threshold"]) for a in low_stock(account)["alerts"]]


def changed(account, path, **fields) -> dict:
    response = account.patch(path, json=fields)
    assert response.status_code == 200, response.json
    return response.json


def left_with(account, product_id, warehouse_id, stock, available):
    """A product stocked with `stock` in one warehouse that sold down to `available` today."""
    sell(account, product_id, warehouse_id, stock - available)
    return product_id


# The company default


def test_raising_the_company_default_alerts_the_levels_now_at_or_below_it(acme, main):
    clock = at_threshold(acme, "RETRO-CLOCK", main)
    lamp = left_with(acme, make_product(acme, "LAMP-SHADE", {main: 17}), main, 17, 15)
    assert alerted(acme) == [(clock, main)]
    set_company(acme, default_low_stock_threshold=15)
    # 10 left of 2 sold: 150 days; 15 left of 2 sold: 225 days.
    assert thresholds(acme) == [(clock, main, 15), (lamp, main, 15)]


def test_lowering_the_company_default_drops_the_levels_now_above_it_and_restoring_it_brings_them_back(acme, main):
    clock = at_threshold(acme, "RETRO-CLOCK", main)
    lamp = left_with(acme, make_product(acme, "LAMP-SHADE", {main: 8}), main, 8, 6)
    assert alerted(acme) == [(lamp, main), (clock, main)]
    set_company(acme, default_low_stock_threshold=6)
    assert thresholds(acme) == [(lamp, main, 6)]
    set_company(acme, default_low_stock_threshold=5)
    assert alerted(acme) == []
    set_company(acme, default_low_stock_threshold=10)
    assert thresholds(acme) == [(lamp, main, 10), (clock, main, 10)]


def test_a_company_default_change_leaves_products_with_their_own_or_their_types_threshold_alone(acme, main):
    clocks = make_product_type(acme, "Wall Clocks", threshold=12)
    typed = at_threshold(acme, "RETRO-CLOCK", main, product_type_id=clocks)
    own = at_threshold(acme, "LAMP-SHADE", main, low_stock_threshold=12)
    plain = at_threshold(acme, "DESK-FAN", main)
    assert alerted(acme) == [(typed, main), (own, main), (plain, main)]
    set_company(acme, default_low_stock_threshold=3)
    assert thresholds(acme) == [(typed, main, 12), (own, main, 12)]


def test_a_company_default_change_leaves_other_companies_alerts_alone(acme, globex, main):
    at_threshold(acme, "RETRO-CLOCK", main)
    globex_main = make_warehouse(globex, "Main")
    lamp = at_threshold(globex, "GLOBEX-LAMP", globex_main)
    set_company(acme, default_low_stock_threshold=3)
    assert alerted(acme) == []
    assert thresholds(globex) == [(lamp, globex_main, 10)]


# A product type's threshold


def test_raising_a_product_types_threshold_alerts_its_products_levels_and_lowering_it_drops_them(acme, main):
    clocks = make_product_type(acme, "Wall Clocks", threshold=5)
    clock = at_threshold(acme, "RETRO-CLOCK", main, product_type_id=clocks)
    lamp = at_threshold(acme, "LAMP-SHADE", main)
    assert alerted(acme) == [(lamp, main)]
    changed(acme, f"/api/product-types/{clocks}", low_stock_threshold=12)
    # Equally urgent: 10 of 12 is a smaller share of the threshold than 10 of 10.
    assert thresholds(acme) == [(clock, main, 12), (lamp, main, 10)]
    changed(acme, f"/api/product-types/{clocks}", low_stock_threshold=5)
    assert thresholds(acme) == [(lamp, main, 10)]


def test_a_product_types_threshold_change_skips_its_products_with_their_own_threshold_and_other_types(acme, main):
    clocks, lamps = make_product_type(acme, "Wall Clocks", threshold=12), make_product_type(acme, "Lamps", threshold=12)
    clock = at_threshold(acme, "RETRO-CLOCK", main, product_type_id=clocks)
    own = at_threshold(acme, "CUCKOO-CLOCK", main, product_type_id=clocks, low_stock_threshold=3)
    lamp = at_threshold(acme, "LAMP-SHADE", main, product_type_id=lamps)
    assert alerted(acme) == [(clock, main), (lamp, main)]
    changed(acme, f"/api/product-types/{clocks}", low_stock_threshold=5)
    assert thresholds(acme) == [(lamp, main, 12)]
    changed(acme, f"/api/product-types/{clocks}", low_stock_threshold=20)
    assert thresholds(acme) == [(clock, main, 20), (lamp, main, 12)]
    assert own not in {product for product, _ in alerted(acme)}


def test_a_product_types_threshold_change_reaches_its_products_levels_in_every_warehouse(acme, main, backroom):
    clocks = make_product_type(acme, "Wall Clocks", threshold=5)
    clock = make_product(acme, "RETRO-CLOCK", {main: 12, backroom: 12}, product_type_id=clocks)
    sell(acme, clock, main, 2)
    sell(acme, clock, backroom, 2)
    assert alerted(acme) == []
    changed(acme, f"/api/product-types/{clocks}", low_stock_threshold=10)
    assert thresholds(acme) == [(clock, main, 10), (clock, backroom, 10)]


# A product's threshold, type and archiving


def test_setting_then_clearing_a_products_threshold_falls_back_to_its_types(acme, main):
    clocks = make_product_type(acme, "Wall Clocks", threshold=8)
    clock = at_threshold(acme, "RETRO-CLOCK", main, product_type_id=clocks)
    assert alerted(acme) == []
    assert changed(acme, f"/api/products/{clock}", low_stock_threshold=10)["low_stock_threshold"] == 10
    assert thresholds(acme) == [(clock, main, 10)]
    assert changed(acme, f"/api/products/{clock}", low_stock_threshold=None)["low_stock_threshold"] is None
    assert alerted(acme) == []


def test_setting_then_clearing_a_products_threshold_falls_back_to_the_company_default(acme, main):
    clock = at_threshold(acme, "RETRO-CLOCK", main)
    assert alerted(acme) == [(clock, main)]
    changed(acme, f"/api/products/{clock}", low_stock_threshold=5)
    assert alerted(acme) == []
    changed(acme, f"/api/products/{clock}", low_stock_threshold=None)
    assert thresholds(acme) == [(clock, main, 10)]


def test_moving_a_product_to_another_type_takes_that_types_threshold(acme, main):
    low, high = make_product_type(acme, "Wall Clocks", threshold=5), make_product_type(acme, "Grandfather Clocks", threshold=15)
    clock = left_with(acme, make_product(acme, "RETRO-CLOCK", {main: 14}, product_type_id=low), main, 14, 12)
    assert alerted(acme) == []
    changed(acme, f"/api/products/{clock}", product_type_id=high)
    assert thresholds(acme) == [(clock, main, 15)]
    changed(acme, f"/api/products/{clock}", product_type_id=low)
    assert alerted(acme) == []


def test_moving_a_product_to_no_type_falls_back_to_the_company_default(acme, main):
    high = make_product_type(acme, "Grandfather Clocks", threshold=15)
    clock = left_with(acme, make_product(acme, "RETRO-CLOCK", {main: 14}, product_type_id=high), main, 14, 12)
    assert thresholds(acme) == [(clock, main, 15)]
    assert changed(acme, f"/api/products/{clock}", product_type_id=None)["product_type_id"] is None
    assert alerted(acme) == []
    set_company(acme, default_low_stock_threshold=12)
    assert thresholds(acme) == [(clock, main, 12)]


def test_a_product_moved_to_another_type_follows_that_types_changes_not_its_old_types(acme, main):
    old, new = make_product_type(acme, "Wall Clocks", threshold=5), make_product_type(acme, "Table Clocks", threshold=5)
    clock = at_threshold(acme, "RETRO-CLOCK", main, product_type_id=old)
    changed(acme, f"/api/products/{clock}", product_type_id=new)
    changed(acme, f"/api/product-types/{old}", low_stock_threshold=20)
    assert alerted(acme) == []
    changed(acme, f"/api/product-types/{new}", low_stock_threshold=20)
    assert thresholds(acme) == [(clock, main, 20)]


def test_a_level_override_outranks_later_changes_of_the_product_type_and_company_thresholds(acme, main):
    clocks = make_product_type(acme, "Wall Clocks", threshold=10)
    clock = at_threshold(acme, "RETRO-CLOCK", main, product_type_id=clocks)
    set_override(acme, clock, main, 10)
    changed(acme, f"/api/products/{clock}", low_stock_threshold=3)
    changed(acme, f"/api/product-types/{clocks}", low_stock_threshold=3)
    set_company(acme, default_low_stock_threshold=3)
    assert thresholds(acme) == [(clock, main, 10)]
    set_override(acme, clock, main, None)
    assert alerted(acme) == []


def test_archiving_a_product_drops_its_alerts_and_restoring_it_brings_them_back(acme, main, backroom):
    clock = make_product(acme, "RETRO-CLOCK", {main: 12, backroom: 12})
    sell(acme, clock, main, 2)
    sell(acme, clock, backroom, 2)
    lamp = at_threshold(acme, "LAMP-SHADE", main)
    assert alerted(acme) == [(clock, main), (clock, backroom), (lamp, main)]
    assert acme.delete(f"/api/products/{clock}").status_code == 204
    assert alerted(acme) == [(lamp, main)]
    assert changed(acme, f"/api/products/{clock}", is_active=True)["is_active"] is True
    assert thresholds(acme) == [(clock, main, 10), (clock, backroom, 10), (lamp, main, 10)]


def test_archiving_a_product_with_a_patch_drops_its_alerts(acme, main):
    clock = at_threshold(acme, "RETRO-CLOCK", main)
    lamp = at_threshold(acme, "LAMP-SHADE", main)
    assert changed(acme, f"/api/products/{clock}", is_active=False)["is_active"] is False
    assert alerted(acme) == [(lamp, main)]


def test_a_threshold_set_on_an_archived_product_applies_once_it_is_restored(acme, main):
    clock = left_with(acme, make_product(acme, "RETRO-CLOCK", {main: 17}), main, 17, 15)
    assert acme.delete(f"/api/products/{clock}").status_code == 204
    changed(acme, f"/api/products/{clock}", low_stock_threshold=20)
    assert alerted(acme) == []
    changed(acme, f"/api/products/{clock}", is_active=True)
    assert thresholds(acme) == [(clock, main, 20)]


# A warehouse's activity


def test_deactivating_a_warehouse_drops_its_alerts_and_reactivating_it_brings_them_back(acme, main, backroom):
    clock = make_product(acme, "RETRO-CLOCK", {main: 12, backroom: 12})
    sell(acme, clock, main, 2)
    sell(acme, clock, backroom, 2)
    assert alerted(acme) == [(clock, main), (clock, backroom)]
    assert changed(acme, f"/api/warehouses/{backroom}", is_active=False)["is_active"] is False
    assert alerted(acme) == [(clock, main)]
    assert changed(acme, f"/api/warehouses/{backroom}", is_active=True)["is_active"] is True
    assert thresholds(acme) == [(clock, main, 10), (clock, backroom, 10)]


def test_a_level_override_set_in_an_inactive_warehouse_applies_once_it_is_reactivated(acme, main, backroom):
    clock = make_product(acme, "RETRO-CLOCK", {main: 30, backroom: 17})
    sell(acme, clock, main, 2)
    sell(acme, clock, backroom, 2)
    changed(acme, f"/api/warehouses/{backroom}", is_active=False)
    set_override(acme, clock, backroom, 20)
    assert alerted(acme) == []
    changed(acme, f"/api/warehouses/{backroom}", is_active=True)
    assert thresholds(acme) == [(clock, backroom, 20)]


def test_a_company_default_raised_while_a_warehouse_is_inactive_applies_once_it_is_reactivated(acme, backroom):
    clock = left_with(acme, make_product(acme, "RETRO-CLOCK", {backroom: 17}), backroom, 17, 15)
    changed(acme, f"/api/warehouses/{backroom}", is_active=False)
    set_company(acme, default_low_stock_threshold=20)
    assert alerted(acme) == []
    changed(acme, f"/api/warehouses/{backroom}", is_active=True)
    assert thresholds(acme) == [(clock, backroom, 20)]


# Levels created after the product


def test_a_level_created_by_a_receive_into_a_new_warehouse_takes_the_products_threshold(acme, main, backroom):
    clock = make_product(acme, "RETRO-CLOCK", {main: 50}, low_stock_threshold=15)
    move(acme, "receive", clock, backroom, 16)
    sell(acme, clock, backroom, 2)
    # 14 left: above the company default, within the product's threshold.
    assert thresholds(acme) == [(clock, backroom, 15)]


def test_a_level_created_by_a_transfer_into_a_new_warehouse_takes_the_product_types_threshold(acme, main, backroom):
    clocks = make_product_type(acme, "Wall Clocks", threshold=15)
    clock = make_product(acme, "RETRO-CLOCK", {main: 50}, product_type_id=clocks)
    move(acme, "transfer", clock, main, 16, to_warehouse_id=backroom)
    sell(acme, clock, backroom, 2)
    assert thresholds(acme) == [(clock, backroom, 15)]


def test_a_level_created_by_a_receive_takes_the_current_company_default(acme, main, backroom):
    clock = make_product(acme, "RETRO-CLOCK", {main: 50})
    set_company(acme, default_low_stock_threshold=15)
    move(acme, "receive", clock, backroom, 16)
    sell(acme, clock, backroom, 2)
    assert thresholds(acme) == [(clock, backroom, 15)]


def test_a_level_received_into_an_inactive_warehouse_alerts_only_once_it_is_reactivated(acme, main, backroom):
    clock = make_product(acme, "RETRO-CLOCK", {main: 50})
    changed(acme, f"/api/warehouses/{backroom}", is_active=False)
    move(acme, "receive", clock, backroom, 12)
    sell(acme, clock, backroom, 2)
    assert alerted(acme) == []
    changed(acme, f"/api/warehouses/{backroom}", is_active=True)
    assert thresholds(acme) == [(clock, backroom, 10)]


def test_a_product_created_with_stock_in_an_inactive_warehouse_alerts_only_once_it_is_reactivated(acme, main, backroom):
    changed(acme, f"/api/warehouses/{backroom}", is_active=False)
    clock = at_threshold(acme, "RETRO-CLOCK", backroom)
    assert alerted(acme) == []
    changed(acme, f"/api/warehouses/{backroom}", is_active=True)
    assert thresholds(acme) == [(clock, backroom, 10)]


# Refused changes change nothing


def test_a_product_type_patch_with_a_taken_name_changes_neither_its_threshold_nor_the_alerts(acme, main):
    clocks = make_product_type(acme, "Wall Clocks", threshold=5)
    make_product_type(acme, "Lamps", threshold=5)
    at_threshold(acme, "RETRO-CLOCK", main, product_type_id=clocks)
    response = acme.patch(f"/api/product-types/{clocks}", json={"name": "Lamps", "low_stock_threshold": 20})
    assert (response.status_code, response.json["error"]) == (409, "name_taken")
    assert alerted(acme) == []
    product_type = acme.get(f"/api/product-types/{clocks}").json
    assert (product_type["name"], product_type["low_stock_threshold"]) == ("Wall Clocks", 5)


def test_a_warehouse_patch_with_a_taken_name_neither_deactivates_it_nor_drops_its_alerts(acme, main, backroom):
    clock = at_threshold(acme, "RETRO-CLOCK", main)
    response = acme.patch(f"/api/warehouses/{main}", json={"name": "Backroom", "is_active": False})
    assert (response.status_code, response.json["error"]) == (409, "name_taken")
    assert thresholds(acme) == [(clock, main, 10)]
    warehouse = acme.get(f"/api/warehouses/{main}").json
    assert (warehouse["name"], warehouse["is_active"]) == ("Main", True)


def test_a_product_patch_with_a_taken_sku_changes_neither_its_threshold_nor_the_alerts(acme, main):
    clock = at_threshold(acme, "RETRO-CLOCK", main)
    make_product(acme, "LAMP-SHADE")
    response = acme.patch(f"/api/products/{clock}", json={"sku": "LAMP-SHADE", "low_stock_threshold": 3, "is_active": False})
    assert (response.status_code, response.json["error"]) == (409, "sku_taken")
    assert thresholds(acme) == [(clock, main, 10)]
    product = acme.get(f"/api/products/{clock}").json
    assert (product["sku"], product["low_stock_threshold"], product["is_active"]) == ("RETRO-CLOCK", None, True)
