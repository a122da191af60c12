"""The demo data command."""

import datetime as dt

import pytest
import sqlalchemy as sa

from app.commands import DEMO_EMAIL, DEMO_PASSWORD, DEMO_PRODUCTS, DEMO_SALES
from app.common.digests import sha256_hex
from app.extensions import db
from app.idempotency.models import IdempotencyKey
from app.inventory.models import DailySale, InventoryLevel
from tests.api.alerting import alerted, sell, stale_alert_thresholds, stale_sales_figures
from tests.factories import make_product, make_warehouse


@pytest.fixture
def demo(runner, client):
    result = runner.invoke(args=["seed-demo"])
    token = client.post("/api/auth/token", json={"email": DEMO_EMAIL, "password": DEMO_PASSWORD}).json["token"]
    return result, {"Authorization": f"Bearer {token}"}


def test_seed_demo_prints_the_admin_credentials(demo):
    result, _ = demo
    assert result.exit_code == 0
    assert f"{DEMO_EMAIL} / {DEMO_PASSWORD}" in result.output


def test_seed_demo_loads_warehouses_catalogue_stock_and_a_bundle(demo, client):
    _, headers = demo
    assert [w["name"] for w in client.get("/api/warehouses", headers=headers).json["items"]] == ["Main Warehouse", "East Depot"]
    assert client.get("/api/product-types", headers=headers).json["total"] == 4
    assert client.get("/api/suppliers", headers=headers).json["total"] == 3
    products = client.get("/api/products?is_bundle=false&per_page=200", headers=headers).json
    assert products["total"] == len(DEMO_PRODUCTS) == 20
    # Two gift sets took one of each of their 4 components; 6 floor lamps arrived from a purchase order.
    sold = sum(units for sku, _, units, _days in DEMO_SALES if sku != "GIFT-SET-WRITER") + 2 * 4
    assert sum(p["total_on_hand"] for p in products["items"]) == sum(main + east for *_, main, east in DEMO_PRODUCTS) - sold + 6
    bundle = client.get("/api/bundles", headers=headers).json["items"][0]
    assert bundle["sku"] == "GIFT-SET-WRITER"
    assert [line["available"] for line in bundle["availability"]] == [35, 8]


def test_seed_demo_sales_make_low_stock_alerts(demo, client):
    _, headers = demo
    company_id = client.get("/api/auth/me", headers=headers).json["company"]["id"]
    alerts = client.get(f"/api/companies/{company_id}/alerts/low-stock", headers=headers).json
    assert {(a["sku"], a["warehouse_name"]) for a in alerts["alerts"]} == {
        ("WALL-CLOCK", "Main Warehouse"), ("CUCKOO-CLOCK", "Main Warehouse"), ("FLOOR-LAMP", "Main Warehouse"),
        ("HOURGLASS", "East Depot"), ("BAROMETER", "Main Warehouse"), ("FOUNTAIN-PEN", "East Depot"),
        ("INK-BLUE", "East Depot"),
    }


def test_seed_demo_has_stock_on_order_that_its_alerts_show(demo, client):
    _, headers = demo
    orders = client.get("/api/purchase-orders", headers=headers).json["items"]
    assert [(o["reference"], o["status"]) for o in orders] == [("PO-DEMO-1", "ordered"), ("PO-DEMO-2", "partially_received")]
    company_id = client.get("/api/auth/me", headers=headers).json["company"]["id"]
    alerts = client.get(f"/api/companies/{company_id}/alerts/low-stock", headers=headers).json["alerts"]
    on_order = {a["sku"]: (a["incoming"], a["suggested_reorder_quantity"]) for a in alerts if a["incoming"]}
    assert on_order == {"WALL-CLOCK": (12, 0), "FLOOR-LAMP": (6, 0)}
    lumen = [group for group in client.get(f"/api/companies/{company_id}/replenishment", headers=headers).json["suppliers"]
             if group["supplier"]["name"] == "Lumen Supply"]
    assert lumen and all(line["quantity"] >= 10 and line["quantity"] % 6 == 0 for line in lumen[0]["lines"])


def test_seed_demo_twice_adds_nothing_the_second_time(demo, runner, client):
    _, headers = demo
    again = runner.invoke(args=["seed-demo"])
    assert again.exit_code == 0
    assert "already present" in again.output
    assert client.get("/api/warehouses", headers=headers).json["total"] == 2
    assert client.get("/api/products?per_page=200", headers=headers).json["total"] == 21


def test_purging_idempotency_keys_deletes_only_expired_ones(app, runner, acme):
    for key in ("old", "fresh"):
        headers = {**acme.headers, "Idempotency-Key": key}
        body = {"name": key, "sku": f"KEY-{key}", "price": "1"}
        assert acme.client.post("/api/products", json=body, headers=headers).status_code == 201
    with app.app_context():
        db.session.execute(sa.update(IdempotencyKey).where(IdempotencyKey.key_digest == sha256_hex("old")).values(expires_at=dt.datetime(2020, 1, 1)))
        db.session.commit()
    result = runner.invoke(args=["purge-idempotency-keys"])
    assert result.exit_code == 0 and "Deleted 1 " in result.output
    with app.app_context():
        assert db.session.scalars(sa.select(IdempotencyKey.key_digest)).all() == [sha256_hex("fresh")]


def test_refreshing_alert_thresholds_repairs_levels_written_without_one(app, runner, acme):
    """As after a rolling upgrade, when replicas of the previous release created levels without a
    stored alert threshold: the command recomputes every level's, and their alerts come back."""
    main = make_warehouse(acme)
    clock = make_product(acme, "RETRO-CLOCK", {main: 12})
    sell(acme, clock, main, 2)
    assert alerted(acme) == [(clock, main)]
    with app.app_context():
        db.session.execute(sa.update(InventoryLevel).values(alert_threshold=None))
        db.session.commit()
    assert alerted(acme) == [] and stale_alert_thresholds(app)

    result = runner.invoke(args=["refresh-alert-thresholds"])

    assert result.exit_code == 0 and "of 1 levels in 1 companies" in result.output
    assert stale_alert_thresholds(app) == [] and alerted(acme) == [(clock, main)]


def test_refreshing_sales_totals_repairs_sales_recorded_without_them(app, runner, acme):
    """As after a rolling upgrade, when replicas of the previous release recorded sales in the daily
    units alone: the command recomputes every running total and level total, and the alerts follow."""
    main = make_warehouse(acme)
    clock = make_product(acme, "RETRO-CLOCK", {main: 12})
    pen = make_product(acme, "PEN", {main: 30})
    for product, quantity, days_back in ((clock, 1, 40), (clock, 2, 3), (pen, 25, 2)):
        sell(acme, product, main, quantity, days_ago=days_back)
    assert alerted(acme) == [(pen, main), (clock, main)]
    with app.app_context():  # what a replica of the previous release leaves behind
        db.session.execute(sa.update(DailySale).values(units_to_date=0))
        db.session.execute(sa.update(InventoryLevel).values(units_sold=0, last_sold_on=None))
        db.session.commit()
    assert alerted(acme) == [] and stale_sales_figures(app)

    result = runner.invoke(args=["refresh-sales-totals"])

    assert result.exit_code == 0 and "of 2 levels" in result.output
    assert stale_sales_figures(app) == [] and alerted(acme) == [(pen, main), (clock, main)]

