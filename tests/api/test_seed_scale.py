"""The benchmark-scale data command: consistent data, and alerts from the rollup equal to alerts from the raw ledger."""

from collections import defaultdict
from fractions import Fraction

import pytest
import sqlalchemy as sa

from app.alerts.service import window_start
from app.companies.models import Company
from app.extensions import db
from app.inventory.models import DailySale, InventoryLevel, StockMovement
from app.products.models import Product, ProductType
from tests.api.alerting import stale_incoming, stale_sales_figures

pytestmark = pytest.mark.slow

EMAIL, PASSWORD = "scale@example.com", "scale-password"


@pytest.fixture
def scale(app, runner, client):
    result = runner.invoke(args=[
        "seed-scale", "--products", "40", "--warehouses", "3", "--sale-lines", "3000", "--days", "40",
        "--email", EMAIL, "--password", PASSWORD, "--open-po-share", "0.25",
    ])
    assert result.exit_code == 0, result.output
    token = client.post("/api/auth/token", json={"email": EMAIL, "password": PASSWORD}).json["token"]
    headers = {"Authorization": f"Bearer {token}"}
    return result, headers, client.get("/api/auth/me", headers=headers).json["company"]["id"]


def test_seed_scale_reports_what_it_created(scale):
    result, _, company_id = scale
    assert f"Company {company_id} ({EMAIL}): 40 products, 120 levels, 3000 sale lines" in result.output


def test_seed_scale_puts_a_share_of_the_levels_on_order_with_their_incoming(app, client, scale):
    result, headers, company_id = scale
    assert stale_incoming(app) == []
    levels = client.get("/api/inventory?per_page=200", headers=headers).json["items"]
    assert sum(1 for level in levels if level["incoming"]) == 30  # a quarter of 120
    orders = client.get("/api/purchase-orders?per_page=200", headers=headers).json
    assert orders["total"] > 0 and {o["status"] for o in orders["items"]} == {"ordered"}
    assert f"{orders['total']} open purchase orders" in result.output
    assert client.get(f"/api/companies/{company_id}/replenishment", headers=headers).status_code == 200


def test_seed_scale_keeps_every_level_equal_to_its_ledger(app, scale):
    with app.app_context():
        ledger = {
            (product_id, warehouse_id): total for product_id, warehouse_id, total in db.session.execute(
                sa.select(StockMovement.product_id, StockMovement.warehouse_id, sa.func.sum(StockMovement.quantity_change))
                .group_by(StockMovement.product_id, StockMovement.warehouse_id)
            )
        }
        levels = {(level.product_id, level.warehouse_id): level.on_hand
                  for level in db.session.scalars(sa.select(InventoryLevel))}
        assert len(levels) == 120
        assert levels == ledger
        assert min(levels.values()) >= 0
        assert db.session.scalar(sa.select(sa.func.count()).where(StockMovement.type == "sale")) == 3000


def test_seed_scale_keeps_every_sales_figure_equal_to_the_sale_rows(app, scale):
    """The rollup's units and running totals, and each level's units sold and latest sale day."""
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(DailySale)) > 120
    assert stale_sales_figures(app) == []


def _alerts_from_the_raw_ledger(company_id: int, days: int) -> list[tuple]:
    """The rules of the endpoint, applied naively in Python to every level and every sale row."""
    company = db.session.get(Company, company_id)
    since = window_start(days)
    sold = defaultdict(int)
    for product_id, warehouse_id, change, occurred_at in db.session.execute(
        sa.select(StockMovement.product_id, StockMovement.warehouse_id, StockMovement.quantity_change,
                  StockMovement.occurred_at).where(StockMovement.type == "sale")
    ):
        if occurred_at.date() >= since:
            sold[product_id, warehouse_id] -= change
    alerts = []
    for level, product, product_type in db.session.execute(
        sa.select(InventoryLevel, Product, ProductType).join(Product, Product.id == InventoryLevel.product_id)
        .outerjoin(ProductType, ProductType.id == Product.product_type_id)
    ):
        threshold = next(value for value in (level.low_stock_threshold, product.low_stock_threshold,
                                             product_type.low_stock_threshold if product_type else None,
                                             company.default_low_stock_threshold) if value is not None)
        current, units = level.on_hand - level.reserved, sold[level.product_id, level.warehouse_id]
        if current <= threshold and units:
            days_left = current * days // units if current > 0 else 0
            share = Fraction(current, threshold) if threshold else Fraction(0)
            alerts.append((days_left, share, level.product_id, level.warehouse_id, current, threshold, units))
    return [(product_id, warehouse_id, current, threshold, units, days_left)
            for days_left, _share, product_id, warehouse_id, current, threshold, units in sorted(alerts)]


@pytest.mark.parametrize("days", [3, 14, 40])
def test_alerts_from_the_rollup_equal_alerts_computed_from_every_raw_sale(app, client, scale, days):
    _, headers, company_id = scale
    body = client.get(f"/api/companies/{company_id}/alerts/low-stock?days={days}&per_page=200", headers=headers).json
    with app.app_context():
        expected = _alerts_from_the_raw_ledger(company_id, days)
    assert expected, "the data should produce some alerts"
    assert body["total_alerts"] == len(expected)
    assert [(a["product_id"], a["warehouse_id"], a["current_stock"], a["threshold"], a["units_sold"],
             a["days_until_stockout"]) for a in body["alerts"]] == expected


def test_pages_of_alerts_equal_the_alerts_computed_from_every_raw_sale(app, client, scale):
    """Small pages, across the stock-outs (ranked without sales) into the alerts still in stock."""
    _, headers, company_id = scale
    with app.app_context():
        expected = _alerts_from_the_raw_ledger(company_id, 14)
    assert {current > 0 for _p, _w, current, *_ in expected} == {True, False}, "both kinds should alert"
    paged, page = [], 1
    while alerts := client.get(f"/api/companies/{company_id}/alerts/low-stock?days=14&per_page=7&page={page}",
                               headers=headers).json["alerts"]:
        paged += [(a["product_id"], a["warehouse_id"], a["current_stock"], a["threshold"], a["units_sold"],
                   a["days_until_stockout"]) for a in alerts]
        page += 1
    assert paged == expected

