"""Helpers of the low-stock alert tests: sales, orders, overrides, reading the alerts, and the oracles
that recompute every stored alert figure (used by the fixture stored_alert_inputs_stay_current)."""

import collections
import datetime as dt

import sqlalchemy as sa

from app.extensions import db
from app.inventory.models import DailySale, InventoryLevel, StockMovement
from app.products.models import Product
from app.suppliers.models import ProductSupplier
from app.warehouses.models import Warehouse
from tests.factories import lines, make_product

MISSING = 999_999


def ago(days: float) -> str:
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


# The stored sales figures, checked against the ledger's sale rows they sum

def stale_sales_figures(app, company_id: int | None = None) -> list[str]:
    """Every daily_sales row and level, of one company or all, whose stored sales figures are not
    what the ledger's sale rows give: a row's units and running total (the level's units up to and
    including its day), a level's units sold and latest sale day."""
    with app.app_context():
        of_company = (lambda model: model.company_id == company_id) if company_id else (lambda model: sa.true())
        sales = db.session.execute(
            sa.select(StockMovement.product_id, StockMovement.warehouse_id, StockMovement.occurred_at,
                      StockMovement.quantity_change)
            .where(StockMovement.type == "sale", of_company(StockMovement))).all()
        rollup = {(r.product_id, r.warehouse_id, r.day): (r.units, r.units_to_date)
                  for r in db.session.scalars(sa.select(DailySale).where(of_company(DailySale)))}
        levels = {(level.product_id, level.warehouse_id): (level.units_sold, level.last_sold_on)
                  for level in db.session.scalars(sa.select(InventoryLevel).where(of_company(InventoryLevel)))}
        # A deleted warehouse keeps its sales and rollup rows, not its (empty) levels.
        deleted = set(db.session.scalars(sa.select(Warehouse.id).where(Warehouse.deleted_at.is_not(None))))
    by_day = collections.Counter()
    for product_id, warehouse_id, occurred_at, change in sales:
        by_day[(product_id, warehouse_id, occurred_at.date())] -= change
    expected_rollup, expected_levels = {}, {key: (0, None) for key in levels}
    for (product_id, warehouse_id, day), units in sorted(by_day.items()):
        to_date = expected_levels.get((product_id, warehouse_id), (0, None))[0] + units
        expected_rollup[(product_id, warehouse_id, day)] = (units, to_date)
        expected_levels[(product_id, warehouse_id)] = (to_date, day)
    expected_levels = {key: value for key, value in expected_levels.items() if key[1] not in deleted}
    return [
        f"{what} {key}: stored {stored.get(key)}, expected {expected.get(key)}"
        for what, stored, expected in (("daily_sales", rollup, expected_rollup), ("level", levels, expected_levels))
        for key in sorted(set(stored) | set(expected)) if stored.get(key) != expected.get(key)
    ]


# Incoming stock, checked against the purchase order lines it sums

INCOMING_ORACLE = sa.text("""
    SELECT l.id, l.incoming,
           COALESCE((SELECT SUM(pl.quantity - pl.received_quantity)
                     FROM purchase_order_lines pl JOIN purchase_orders po ON po.id = pl.purchase_order_id
                     WHERE po.company_id = l.company_id AND po.warehouse_id = l.warehouse_id
                       AND pl.product_id = l.product_id AND po.status IN ('ordered', 'partially_received')), 0)
    FROM inventory_levels l
    ORDER BY l.id
""")
# Every open line waits for units at a level: there must be one to count them.
LEVELLESS_LINES = sa.text("""
    SELECT pl.id FROM purchase_order_lines pl JOIN purchase_orders po ON po.id = pl.purchase_order_id
    WHERE po.status IN ('ordered', 'partially_received') AND pl.received_quantity < pl.quantity
      AND NOT EXISTS (SELECT 1 FROM inventory_levels l
                      WHERE l.product_id = pl.product_id AND l.warehouse_id = po.warehouse_id)
""")


def stale_incoming(app) -> list[str]:
    """Every level whose stored incoming is not Σ (quantity − received) of the open purchase order
    lines for its product and warehouse, and every open line with no level to count it."""
    with app.app_context():
        levels = db.session.execute(INCOMING_ORACLE).all()
        levelless = db.session.scalars(LEVELLESS_LINES).all()
    return ([f"level {level_id}: incoming {stored}, expected {expected}" for level_id, stored, expected in levels
             if stored != expected] + [f"open purchase order line {line_id} has no level" for line_id in levelless])


def stale_reorder_suppliers(app) -> list[str]:
    """Every product whose stored reorder supplier is not the one its links give: the primary, else
    the linked supplier with the lowest id, else none."""
    with app.app_context():
        links = db.session.execute(sa.select(ProductSupplier.product_id, ProductSupplier.supplier_id,
                                             ProductSupplier.primary_flag)).all()
        stored = dict(db.session.execute(sa.select(Product.id, Product.reorder_supplier_id)).all())
    expected = {product_id: None for product_id in stored}
    for product_id, supplier_id, _primary in sorted(links, key=lambda row: (row.primary_flag is None, row.supplier_id), reverse=True):
        expected[product_id] = supplier_id  # the last written wins: the primary, else the lowest id
    return [f"product {product_id}: reorder supplier {stored[product_id]}, expected {supplier}"
            for product_id, supplier in expected.items() if stored[product_id] != supplier]
