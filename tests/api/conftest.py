"""Fixtures shared by the API tests: warehouses, a shop with kits, and the stored-state oracle."""

import pytest

from tests.api.alerting import (described, stale_alert_thresholds, stale_incoming, stale_reorder_suppliers,
                                stale_sales_figures)
from tests.factories import make_bundle, make_product, make_warehouse


@pytest.fixture
def main(acme):
    return make_warehouse(acme, "Main")


@pytest.fixture
def backroom(acme):
    return make_warehouse(acme, "Backroom")


@pytest.fixture
def kit_shop(acme, main, backroom):
    """Acme's Main warehouse: 10 RETRO-CLOCK at 19.99, 12 BATTERY-AA at 0.99; ALARM-KIT = 1 clock + 2 batteries;
    GIFT-BOX = 2 ALARM-KIT + 1 battery; LAMP-SHADE is stocked only in the Backroom."""
    clock = make_product(acme, "RETRO-CLOCK", {main: 10}, price="19.99")
    battery = make_product(acme, "BATTERY-AA", {main: 12}, price="0.99")
    shade = make_product(acme, "LAMP-SHADE", {backroom: 4}, price="12.50")
    kit = make_bundle(acme, "ALARM-KIT", (clock, 1), (battery, 2), price="24.99")
    gift = make_bundle(acme, "GIFT-BOX", (kit, 2), (battery, 1), price="45.00")
    return dict(main=main, backroom=backroom, clock=clock, battery=battery, shade=shade, kit=kit, gift=gift)


@pytest.fixture
def stored_alert_inputs_stay_current(app):
    """After each test, whatever it changed: every level's stored alert threshold is still current,
    every stored sales figure is what the ledger gives, every level's incoming is what its open
    purchase order lines add up to, and every product's reorder supplier is what its links give.
    Modules that change stock, purchase orders or what thresholds derive from use it for every
    test: `pytestmark = pytest.mark.usefixtures(...)`."""
    yield
    stale = stale_alert_thresholds(app)
    others = stale_sales_figures(app) + stale_incoming(app) + stale_reorder_suppliers(app)
    if stale or others:
        pytest.fail("\n".join(([described(stale)] if stale else []) + others[:20]), pytrace=False)
