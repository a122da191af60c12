"""Helpers and fixtures of the low-stock alert tests: sales, orders, overrides and reading the alerts."""

import datetime as dt

import pytest
import sqlalchemy as sa

from app.extensions import db
from tests.factories import lines, make_product, make_warehouse

MISSING = 999_999


def ago(days: int) -> str:
    """The moment `days` days before now, as an ISO 8601 UTC timestamp."""
    return (dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=days)).isoformat().replace("+00:00", "Z")


def today_minus(days: int) -> str:
    """The UTC date `days` days before today, as ISO 8601."""
    return (dt.datetime.now(dt.timezone.utc).date() - dt.timedelta(days=days)).isoformat()


def move(account, kind, product_id, warehouse_id, quantity, **extra):
    body = {"type": kind, "product_id": product_id, "warehouse_id": warehouse_id, "quantity": quantity, **extra}
    response = account.post("/api/inventory/movements", json=body)
    assert response.status_code == 201, response.json


def sell(account, product_id, warehouse_id, quantity, days_ago=None):
    extra = {} if days_ago is None else {"occurred_at": ago(days_ago)}
    move(account, "sale", product_id, warehouse_id, quantity, **extra)


def place_order(account, warehouse_id, *pairs):
    response = account.post("/api/orders", json={"warehouse_id": warehouse_id, "items": lines(*pairs)})
    assert response.status_code == 201, response.json
    return response.json["id"]


def set_override(account, product_id, warehouse_id, threshold):
    [level] = account.get(f"/api/inventory?product_id={product_id}&warehouse_id={warehouse_id}").json["items"]
    response = account.patch(f"/api/inventory/{level['id']}", json={"low_stock_threshold": threshold})
    assert response.status_code == 200, response.json


def set_company(account, **settings):
    response = account.patch(f"/api/companies/{account.company_id}", json={"settings": settings})
    assert response.status_code == 200, response.json


def request_alerts(account, company_id=None, **params):
    return account.get(f"/api/companies/{company_id or account.company_id}/alerts/low-stock", query_string=params)


def low_stock(account, **params) -> dict:
    response = request_alerts(account, **params)
    assert response.status_code == 200, response.json
    return response.json


def levels_of(body) -> list[tuple[int, int]]:
    """(product_id, warehouse_id) of each alert of a response, in order."""
    return [(alert["product_id"], alert["warehouse_id"]) for alert in body["alerts"]]


def alerted(account, **params) -> list[tuple[int, int]]:
    return levels_of(low_stock(account, **params))


def numbers(alert, *keys):
    return {key: alert[key] for key in keys}


def at_threshold(account, sku, warehouse_id, **fields):
    """A product stocked with 12 that sold 2 today: 10 available, the default threshold."""
    product = make_product(account, sku, {warehouse_id: 12}, **fields)
    sell(account, product, warehouse_id, 2)
    return product


@pytest.fixture
def main(acme):
    return make_warehouse(acme, "Main")


@pytest.fixture
def backroom(acme):
    return make_warehouse(acme, "Backroom")


# The stored alert thresholds, checked against the rule they denormalize

# Written out here rather than taken from the app: a level alerts against the first threshold set
# of its own override, its product's, its product type's and its company's default, while its
# product is active and no bundle and its warehouse is active; otherwise against none (NULL).
ALERT_THRESHOLD_ORACLE = sa.text("""
    SELECT l.id, l.alert_threshold,
           CASE WHEN p.is_active = 1 AND p.is_bundle = 0 AND w.is_active = 1
                THEN COALESCE(l.low_stock_threshold, p.low_stock_threshold, t.low_stock_threshold,
                              c.default_low_stock_threshold)
           END AS expected
    FROM inventory_levels l
    JOIN products p ON p.id = l.product_id
    LEFT JOIN product_types t ON t.id = p.product_type_id
    JOIN warehouses w ON w.id = l.warehouse_id
    JOIN companies c ON c.id = l.company_id
    ORDER BY l.id
""")


def stale_alert_thresholds(app) -> list[str]:
    """Every level, of any company, whose stored alert_threshold is not what the rule gives now."""
    with app.app_context():
        rows = db.session.execute(ALERT_THRESHOLD_ORACLE).all()
    return [f"level {level_id}: alert_threshold {stored}, expected {expected}"
            for level_id, stored, expected in rows if stored != expected]


def described(stale: list[str], shown: int = 20) -> str:
    more = f"\n… and {len(stale) - shown} more" if len(stale) > shown else ""
    return f"{len(stale)} level(s) with a stale alert_threshold:\n" + "\n".join(stale[:shown]) + more


@pytest.fixture(autouse=True)
def alert_thresholds_stay_current(app):
    """After each test, whatever it changed: every level's stored alert threshold is still current."""
    yield
    stale = stale_alert_thresholds(app)
    if stale:
        pytest.fail(described(stale), pytrace=False)
