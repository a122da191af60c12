"""Order status: shipping turns reservations into sales, cancelling releases them, nothing else moves;
the ledger, the daily sales rollup and the reserved counts always agree, and keyed retries apply once."""

import datetime as dt

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.idempotency.models import IdempotencyKey
from app.inventory.models import DailySale, InventoryLevel, StockMovement
from app.orders.models import Order, OrderReservation
from tests.factories import lines

pytestmark = pytest.mark.usefixtures("stored_alert_inputs_stay_current")

MISSING = 999_999


def placed(account, warehouse_id, *pairs):
    response = account.post("/api/orders", json={"warehouse_id": warehouse_id, "items": lines(*pairs)})
    assert response.status_code == 201, response.json
    return response.json["id"]


def set_status(account, order_id, status, key=None):
    headers = {**account.headers, **({"Idempotency-Key": key} if key else {})}
    return account.client.patch(f"/api/orders/{order_id}/status", json={"status": status}, headers=headers)


def level(account, product_id, warehouse_id):
    """(on_hand, reserved) of the level, or None when the product has no level there."""
    response = account.get(f"/api/inventory?product_id={product_id}&warehouse_id={warehouse_id}")
    assert response.status_code == 200, response.json
    return next(((row["on_hand"], row["reserved"]) for row in response.json["items"]), None)


def assert_refused(response, status, error):
    assert (response.status_code, response.json["error"]) == (status, error), response.json


def sales(app, order_id=None):
    """The order's (or every) sale rows: (product_id, quantity_change, on_hand_after, order_id, bundle_id)."""
    with app.app_context():
        statement = sa.select(StockMovement.product_id, StockMovement.quantity_change, StockMovement.on_hand_after,
                              StockMovement.order_id, StockMovement.bundle_id).where(StockMovement.type == "sale")
        if order_id is not None:
            statement = statement.where(StockMovement.order_id == order_id)
        return sorted(tuple(row) for row in db.session.execute(statement))


def units_sold(app):
    """daily_sales as {(product_id, warehouse_id, day): units}."""
    with app.app_context():
        return {(r.product_id, r.warehouse_id, r.day): r.units for r in db.session.scalars(sa.select(DailySale))}


def snapshot(app, account, order_id):
    """Everything a status change could touch: the order, the levels, the ledger and the rollup."""
    with app.app_context():
        levels = sorted(db.session.execute(sa.select(InventoryLevel.id, InventoryLevel.on_hand, InventoryLevel.reserved)))
        ledger = db.session.scalar(sa.select(sa.func.count()).select_from(StockMovement))
    return account.get(f"/api/orders/{order_id}").json, [tuple(row) for row in levels], ledger, units_sold(app)


def assert_invariants(app):
    """reserved = Σ reservations of pending orders; on_hand = Σ ledger quantity_change; 0 ≤ reserved ≤ on_hand."""
    with app.app_context():
        held = dict(((p, w), n) for p, w, n in db.session.execute(
            sa.select(OrderReservation.product_id, OrderReservation.warehouse_id, sa.func.sum(OrderReservation.quantity))
            .join(Order, Order.id == OrderReservation.order_id).where(Order.status == "pending")
            .group_by(OrderReservation.product_id, OrderReservation.warehouse_id)))
        ledger = dict(((p, w), n) for p, w, n in db.session.execute(
            sa.select(StockMovement.product_id, StockMovement.warehouse_id, sa.func.sum(StockMovement.quantity_change))
            .group_by(StockMovement.product_id, StockMovement.warehouse_id)))
        levels = db.session.scalars(sa.select(InventoryLevel)).all()
        for lv in levels:
            key = (lv.product_id, lv.warehouse_id)
            assert lv.reserved == held.get(key, 0), key
            assert lv.on_hand == ledger.get(key, 0), key
            assert 0 <= lv.reserved <= lv.on_hand, key
        assert set(held) <= {(lv.product_id, lv.warehouse_id) for lv in levels}


def test_shipping_turns_the_reservations_into_sale_movements(app, acme, kit_shop):
    order_id = placed(acme, kit_shop["main"], (kit_shop["clock"], 3), (kit_shop["battery"], 2))
    response = set_status(acme, order_id, "shipped")
    assert response.status_code == 200, response.json
    assert (response.json["id"], response.json["status"]) == (order_id, "shipped")
    assert level(acme, kit_shop["clock"], kit_shop["main"]) == (7, 0)
    assert level(acme, kit_shop["battery"], kit_shop["main"]) == (10, 0)
    assert sales(app) == sorted([(kit_shop["clock"], -3, 7, order_id, None), (kit_shop["battery"], -2, 10, order_id, None)])
    assert_invariants(app)


def test_the_sale_rows_of_a_shipped_order_are_in_the_ledger_api(acme, kit_shop):
    order_id = placed(acme, kit_shop["main"], (kit_shop["clock"], 3))
    set_status(acme, order_id, "shipped")
    rows = acme.get(f"/api/inventory/movements?type=sale&product_id={kit_shop['clock']}").json["items"]
    assert [(r["quantity_change"], r["on_hand_after"], r["order_id"], r["bundle_id"], r["warehouse_id"]) for r in rows] == [
        (-3, 7, order_id, None, kit_shop["main"])]
    assert rows[0]["user_id"] == acme.user_id


def test_shipping_a_bundle_line_sells_its_components_naming_the_bundle(app, acme, kit_shop):
    order_id = placed(acme, kit_shop["main"], (kit_shop["kit"], 2), (kit_shop["gift"], 1))
    assert set_status(acme, order_id, "shipped").status_code == 200
    assert level(acme, kit_shop["clock"], kit_shop["main"]) == (6, 0)  # 2 + 2
    assert level(acme, kit_shop["battery"], kit_shop["main"]) == (3, 0)  # 4 + 2 × 2 + 1
    assert level(acme, kit_shop["kit"], kit_shop["main"]) is None
    rows = sales(app, order_id)
    assert sorted((p, change, bundle) for p, change, _, _, bundle in rows) == sorted([
        (kit_shop["clock"], -2, kit_shop["kit"]), (kit_shop["battery"], -4, kit_shop["kit"]),
        (kit_shop["clock"], -2, kit_shop["gift"]), (kit_shop["battery"], -5, kit_shop["gift"])])
    assert sum(change for _, change, *_ in rows) == -13
    assert_invariants(app)


def test_shipping_adds_the_units_to_today_daily_sales(app, acme, kit_shop):
    first = placed(acme, kit_shop["main"], (kit_shop["clock"], 3))
    second = placed(acme, kit_shop["main"], (kit_shop["clock"], 1), (kit_shop["kit"], 2))
    before = dt.datetime.now(dt.timezone.utc).date()
    set_status(acme, first, "shipped")
    set_status(acme, second, "shipped")
    today = dt.datetime.now(dt.timezone.utc).date()
    assert before == today, "the test ran across midnight UTC"
    assert units_sold(app) == {(kit_shop["clock"], kit_shop["main"], today): 6, (kit_shop["battery"], kit_shop["main"], today): 4}


def test_a_pending_order_adds_nothing_to_daily_sales(app, acme, kit_shop):
    placed(acme, kit_shop["main"], (kit_shop["clock"], 3))
    assert units_sold(app) == {}


def test_cancelling_releases_the_reservations_and_sells_nothing(app, acme, kit_shop):
    order_id = placed(acme, kit_shop["main"], (kit_shop["clock"], 3), (kit_shop["kit"], 2))
    ledger_before = snapshot(app, acme, order_id)[2]
    response = set_status(acme, order_id, "cancelled")
    assert (response.status_code, response.json["status"]) == (200, "cancelled")
    assert level(acme, kit_shop["clock"], kit_shop["main"]) == (10, 0)
    assert level(acme, kit_shop["battery"], kit_shop["main"]) == (12, 0)
    assert snapshot(app, acme, order_id)[2] == ledger_before
    assert (sales(app), units_sold(app)) == ([], {})
    assert_invariants(app)


def test_released_stock_can_be_ordered_again(app, acme, kit_shop):
    set_status(acme, placed(acme, kit_shop["main"], (kit_shop["clock"], 10)), "cancelled")
    placed(acme, kit_shop["main"], (kit_shop["clock"], 10))
    assert level(acme, kit_shop["clock"], kit_shop["main"]) == (10, 10)
    assert_invariants(app)


@pytest.mark.parametrize("first", ["shipped", "cancelled"])
@pytest.mark.parametrize("then", ["shipped", "cancelled"])
def test_a_shipped_or_cancelled_order_never_changes_status_again(app, acme, kit_shop, first, then):
    order_id = placed(acme, kit_shop["main"], (kit_shop["clock"], 3), (kit_shop["kit"], 1))
    assert set_status(acme, order_id, first).status_code == 200
    before = snapshot(app, acme, order_id)
    assert_refused(set_status(acme, order_id, then), 409, "invalid_transition")
    assert snapshot(app, acme, order_id) == before
    assert before[0]["status"] == first
    assert_invariants(app)


@pytest.mark.parametrize("first", [None, "shipped", "cancelled"])
def test_no_order_becomes_pending_again(app, acme, kit_shop, first):
    order_id = placed(acme, kit_shop["main"], (kit_shop["clock"], 3))
    if first:
        assert set_status(acme, order_id, first).status_code == 200
    before = snapshot(app, acme, order_id)
    response = set_status(acme, order_id, "pending")
    assert_refused(response, 409, "invalid_transition")
    assert list(response.json["errors"]) == ["status"]
    assert snapshot(app, acme, order_id) == before
    assert_invariants(app)


@pytest.mark.parametrize("body", [{"status": "delivered"}, {"status": "SHIPPED"}, {"status": ""},
                                  {"status": None}, {"status": 1}, {"status": True}, {"status": ["shipped"]}, {}, {"state": "shipped"},
                                  {"status": "shipped", "note": "left at door"}])
def test_a_value_that_is_not_a_status_is_refused_and_changes_nothing(app, acme, kit_shop, body):
    order_id = placed(acme, kit_shop["main"], (kit_shop["clock"], 3))
    before = snapshot(app, acme, order_id)
    response = acme.patch(f"/api/orders/{order_id}/status", json=body)
    assert_refused(response, 422, "validation_error")
    assert snapshot(app, acme, order_id) == before
    assert before[0]["status"] == "pending"
    assert_invariants(app)


@pytest.mark.parametrize("status", ["shipped", "cancelled"])
def test_another_company_order_is_not_found_and_keeps_its_status(app, acme, globex, kit_shop, status):
    order_id = placed(acme, kit_shop["main"], (kit_shop["clock"], 3))
    before = snapshot(app, acme, order_id)
    assert_refused(set_status(globex, order_id, status), 404, "not_found")
    assert_refused(set_status(acme, MISSING, status), 404, "not_found")
    assert snapshot(app, acme, order_id) == before
    assert_invariants(app)


def test_staff_ship_and_cancel_orders(app, acme, kit_shop):
    staff = acme.add_user("staff")
    shipped, cancelled = placed(staff, kit_shop["main"], (kit_shop["clock"], 2)), placed(staff, kit_shop["main"], (kit_shop["clock"], 1))
    assert set_status(staff, shipped, "shipped").json["status"] == "shipped"
    assert set_status(staff, cancelled, "cancelled").json["status"] == "cancelled"
    assert sales(app, shipped) == [(kit_shop["clock"], -2, 8, shipped, None)]
    assert level(acme, kit_shop["clock"], kit_shop["main"]) == (8, 0)


@pytest.mark.parametrize("status", ["shipped", "cancelled"])
def test_a_viewer_cannot_change_an_order_status(app, acme, kit_shop, status):
    order_id = placed(acme, kit_shop["main"], (kit_shop["clock"], 3))
    before = snapshot(app, acme, order_id)
    assert_refused(set_status(acme.add_user("viewer"), order_id, status), 403, "forbidden")
    assert snapshot(app, acme, order_id) == before


def test_a_pending_order_of_a_since_archived_product_can_still_be_shipped(app, acme, kit_shop):
    order_id = placed(acme, kit_shop["main"], (kit_shop["clock"], 3), (kit_shop["kit"], 1))
    assert acme.delete(f"/api/products/{kit_shop['clock']}").status_code == 204
    assert acme.delete(f"/api/products/{kit_shop['kit']}").status_code == 204
    assert set_status(acme, order_id, "shipped").status_code == 200
    assert level(acme, kit_shop["clock"], kit_shop["main"]) == (6, 0)
    assert level(acme, kit_shop["battery"], kit_shop["main"]) == (10, 0)
    assert_invariants(app)


def test_the_counts_agree_after_a_mix_of_orders_and_movements(app, acme, kit_shop):
    shipped = placed(acme, kit_shop["main"], (kit_shop["clock"], 2), (kit_shop["gift"], 1))
    cancelled = placed(acme, kit_shop["main"], (kit_shop["kit"], 2))
    set_status(acme, shipped, "shipped")
    set_status(acme, cancelled, "cancelled")
    placed(acme, kit_shop["main"], (kit_shop["battery"], 1), (kit_shop["kit"], 1), (kit_shop["battery"], 1))
    for movement in ({"type": "receive", "quantity": 5}, {"type": "sale", "quantity": 1}, {"type": "remove", "quantity": 2,
                                                                                          "reason": "dropped"}):
        response = acme.post("/api/inventory/movements", json={**movement, "product_id": kit_shop["clock"], "warehouse_id": kit_shop["main"]})
        assert response.status_code == 201, response.json
    assert level(acme, kit_shop["clock"], kit_shop["main"]) == (10 - 4 + 5 - 1 - 2, 1)
    assert level(acme, kit_shop["battery"], kit_shop["main"]) == (12 - 5, 4)
    assert_invariants(app)


def keyed_order(account, body, key):
    return account.client.post("/api/orders", json=body, headers={**account.headers, "Idempotency-Key": key})


def test_a_retried_order_with_the_same_key_replays_the_answer_and_reserves_once(app, acme, kit_shop):
    body = {"warehouse_id": kit_shop["main"], "items": lines((kit_shop["clock"], 3), (kit_shop["kit"], 1))}
    first, second = keyed_order(acme, body, "order-7781"), keyed_order(acme, body, "order-7781")
    assert first.status_code == second.status_code == 201
    assert "Idempotent-Replayed" not in first.headers
    assert second.headers["Idempotent-Replayed"] == "true"
    assert second.json == first.json
    assert acme.get("/api/orders").json["total"] == 1
    assert level(acme, kit_shop["clock"], kit_shop["main"]) == (10, 4)
    assert_invariants(app)


def test_a_retried_shipment_with_the_same_key_replays_the_answer_and_sells_once(app, acme, kit_shop):
    order_id = placed(acme, kit_shop["main"], (kit_shop["clock"], 3), (kit_shop["kit"], 1))
    first, second = set_status(acme, order_id, "shipped", "ship-1"), set_status(acme, order_id, "shipped", "ship-1")
    assert first.status_code == second.status_code == 200
    assert "Idempotent-Replayed" not in first.headers
    assert second.headers["Idempotent-Replayed"] == "true"
    assert second.json == first.json
    assert len(sales(app, order_id)) == 3
    assert level(acme, kit_shop["clock"], kit_shop["main"]) == (6, 0)
    assert sorted(units_sold(app).values()) == [2, 4]
    assert_invariants(app)


def test_a_retried_cancellation_with_the_same_key_replays_the_answer(app, acme, kit_shop):
    order_id = placed(acme, kit_shop["main"], (kit_shop["clock"], 3))
    first, second = set_status(acme, order_id, "cancelled", "cancel-1"), set_status(acme, order_id, "cancelled", "cancel-1")
    assert (first.status_code, second.status_code, second.headers["Idempotent-Replayed"]) == (200, 200, "true")
    assert second.json == first.json
    assert level(acme, kit_shop["clock"], kit_shop["main"]) == (10, 0)
    assert_invariants(app)


def test_the_same_order_key_with_another_body_is_refused_and_reserves_nothing_more(app, acme, kit_shop):
    assert keyed_order(acme, {"warehouse_id": kit_shop["main"], "items": lines((kit_shop["clock"], 3))}, "order-1").status_code == 201
    response = keyed_order(acme, {"warehouse_id": kit_shop["main"], "items": lines((kit_shop["clock"], 4))}, "order-1")
    assert_refused(response, 422, "idempotency_key_reused")
    assert acme.get("/api/orders").json["total"] == 1
    assert level(acme, kit_shop["clock"], kit_shop["main"]) == (10, 3)
    assert_invariants(app)


@pytest.mark.parametrize("retry", ["other status", "other order"])
def test_the_same_status_key_with_another_request_is_refused_and_changes_nothing(app, acme, kit_shop, retry):
    shipped, other = placed(acme, kit_shop["main"], (kit_shop["clock"], 3)), placed(acme, kit_shop["main"], (kit_shop["battery"], 2))
    assert set_status(acme, shipped, "shipped", "status-1").status_code == 200
    before = snapshot(app, acme, other)
    response = set_status(acme, shipped, "cancelled", "status-1") if retry == "other status" else set_status(
        acme, other, "shipped", "status-1")
    assert_refused(response, 422, "idempotency_key_reused")
    assert snapshot(app, acme, other) == before
    assert acme.get(f"/api/orders/{shipped}").json["status"] == "shipped"
    assert_invariants(app)


def test_a_status_key_is_not_kept_when_the_change_is_refused(app, acme, kit_shop):
    order_id = placed(acme, kit_shop["main"], (kit_shop["clock"], 3))
    set_status(acme, order_id, "cancelled")
    assert_refused(set_status(acme, order_id, "shipped", "late-ship"), 409, "invalid_transition")
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(IdempotencyKey)) == 0
    assert (sales(app), level(acme, kit_shop["clock"], kit_shop["main"])) == ([], (10, 0))
