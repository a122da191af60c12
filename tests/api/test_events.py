"""Events: written in the change's own transaction; stock episodes decided from each level's state
before and after the change; GET /api/events for the company's admins."""

import pytest
import sqlalchemy as sa

from app.common.transaction import use_case
from app.events.models import Event
from app.events.service import record
from app.extensions import db
from tests.api.alerting import move, place_order, sell, set_override
from tests.api.purchasing import placed, receive, set_status
from tests.api.races import answer, run_together
from tests.factories import link_supplier, make_product, make_supplier

pytestmark = pytest.mark.usefixtures("stored_alert_inputs_stay_current")

STOCK = {"stock.low", "stock.out", "stock.replenished"}


def events(account, **params) -> list[dict]:
    """The company's events, oldest first."""
    response = account.get("/api/events", query_string={"limit": 500, **params})
    assert response.status_code == 200, response.json
    return list(reversed(response.json["items"]))


def stock_events(account) -> list[tuple[str, int, int]]:
    """(type, current_stock, threshold) of the company's stock events, oldest first."""
    return [(e["type"], e["data"]["current_stock"], e["data"]["threshold"]) for e in events(account) if e["type"] in STOCK]


def event_count(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(Event))


# Stock episodes


def test_a_sale_crossing_the_threshold_is_one_stock_low_with_the_level_as_of_the_change(acme, main):
    supplier = make_supplier(acme, "Tick Tock Parts", lead_time_days=7)
    clock = make_product(acme, "RETRO-CLOCK", {main: 12}, low_stock_threshold=5)
    link_supplier(acme, clock, supplier, unit_cost="4.50", is_primary=True)
    sell(acme, clock, main, 6)
    assert stock_events(acme) == []
    sell(acme, clock, main, 2)
    [event] = [e for e in events(acme) if e["type"] == "stock.low"]
    assert event["id"].startswith("evt_") and event["company_id"] == acme.company_id
    assert event["created_at"].endswith("Z")
    data = event["data"]
    assert {k: data[k] for k in ("product_id", "sku", "warehouse_id", "on_hand", "reserved", "current_stock",
                                 "threshold", "incoming")} == {
        "product_id": clock, "sku": "RETRO-CLOCK", "warehouse_id": main, "on_hand": 4, "reserved": 0,
        "current_stock": 4, "threshold": 5, "incoming": 0}
    assert data["supplier"]["id"] == supplier and data["supplier"]["lead_time_days"] == 7
    assert data["product_name"] and data["warehouse_name"] == "Main" and data["level_id"]
    # 8 sold in the 30-day window: 4 left last ⌊4 × 30 / 8⌋ = 15 days.
    assert data["days_until_stockout"] == 15
    # The rule of API.md: up to max(5, ⌈8 × 7 / 30⌉ = 2) + ⌈8 × 30 / 30⌉ = 13, from 4: 9.
    assert data["suggested_reorder_quantity"] == 9


def test_an_episode_is_low_once_then_out_each_time_then_replenished(acme, main):
    clock = make_product(acme, "RETRO-CLOCK", {main: 10}, low_stock_threshold=5)
    sell(acme, clock, main, 5)   # 5: at the threshold → low
    sell(acme, clock, main, 2)   # still low: nothing
    sell(acme, clock, main, 3)   # 0 → out
    move(acme, "receive", clock, main, 1)   # 1: still low
    sell(acme, clock, main, 1)   # 0 again → out again
    move(acme, "receive", clock, main, 9)   # 9 > 5 → replenished
    sell(acme, clock, main, 4)   # 5 → a new episode
    assert stock_events(acme) == [("stock.low", 5, 5), ("stock.out", 0, 5), ("stock.out", 0, 5),
                                  ("stock.replenished", 9, 5), ("stock.low", 5, 5)]


def test_one_change_from_above_the_threshold_to_zero_is_low_then_out(acme, main):
    clock = make_product(acme, "RETRO-CLOCK", {main: 10}, low_stock_threshold=5)
    sell(acme, clock, main, 10)
    assert stock_events(acme) == [("stock.low", 0, 5), ("stock.out", 0, 5)]


def test_a_level_created_at_or_below_its_threshold_emits_nothing_until_it_crosses(acme, main):
    clock = make_product(acme, "RETRO-CLOCK", low_stock_threshold=5)
    move(acme, "receive", clock, main, 3)
    sell(acme, clock, main, 1)
    assert stock_events(acme) == []
    move(acme, "receive", clock, main, 10)
    assert stock_events(acme) == [("stock.replenished", 12, 5)]


def test_a_threshold_change_that_moves_a_level_across_counts(acme, main):
    clock = make_product(acme, "RETRO-CLOCK", {main: 8}, low_stock_threshold=5)
    assert acme.patch(f"/api/products/{clock}", json={"low_stock_threshold": 10}).status_code == 200
    set_override(acme, clock, main, 3)
    assert acme.patch(f"/api/products/{clock}", json={"low_stock_threshold": 20}).status_code == 200  # the override holds
    assert stock_events(acme) == [("stock.low", 8, 10), ("stock.replenished", 8, 3)]


def test_reserving_for_an_order_counts_and_cancelling_it_gives_back(acme, main):
    clock = make_product(acme, "RETRO-CLOCK", {main: 10}, low_stock_threshold=5)
    order = place_order(acme, main, (clock, 6))
    assert acme.patch(f"/api/orders/{order}/status", json={"status": "cancelled"}).status_code == 200
    assert stock_events(acme) == [("stock.low", 4, 5), ("stock.replenished", 10, 5)]


def test_a_refused_change_emits_nothing(acme, main):
    clock = make_product(acme, "RETRO-CLOCK", {main: 10}, low_stock_threshold=5)
    before = events(acme)
    response = acme.post("/api/inventory/movements", json={
        "type": "sale", "product_id": clock, "warehouse_id": main, "quantity": 11})
    assert response.status_code == 409
    keyed = acme.client.post("/api/inventory/movements", headers={**acme.headers, "Idempotency-Key": "too-many"}, json={
        "type": "sale", "product_id": clock, "warehouse_id": main, "quantity": 11})
    assert keyed.status_code == 409
    assert events(acme) == before


def test_archiving_a_product_is_silent_and_restoring_it_still_low_keeps_its_episode(acme, main):
    clock = make_product(acme, "RETRO-CLOCK", {main: 8}, low_stock_threshold=5)
    sell(acme, clock, main, 5)
    assert acme.delete(f"/api/products/{clock}").status_code == 204
    assert stock_events(acme) == [("stock.low", 3, 5)]
    assert acme.patch(f"/api/products/{clock}", json={"is_active": True}).status_code == 200
    assert stock_events(acme) == [("stock.low", 3, 5)]


def _warehouse_active(account, warehouse, active: bool):
    assert account.patch(f"/api/warehouses/{warehouse}", json={"is_active": active}).status_code == 200


def test_a_level_still_low_when_its_warehouse_comes_back_is_the_same_episode(acme, main):
    clock = make_product(acme, "RETRO-CLOCK", {main: 20}, low_stock_threshold=10)
    sell(acme, clock, main, 15)
    for _ in range(2):
        _warehouse_active(acme, main, False)
        _warehouse_active(acme, main, True)
    assert stock_events(acme) == [("stock.low", 5, 10)]
    sell(acme, clock, main, 5)
    move(acme, "receive", clock, main, 11)
    assert stock_events(acme)[1:] == [("stock.out", 0, 10), ("stock.replenished", 11, 10)]


def test_a_level_that_recovered_while_its_warehouse_was_inactive_ends_its_episode_when_it_comes_back(acme, main):
    clock = make_product(acme, "RETRO-CLOCK", {main: 20}, low_stock_threshold=10)
    sell(acme, clock, main, 15)
    _warehouse_active(acme, main, False)
    move(acme, "receive", clock, main, 10)  # 15, above the threshold, where nothing alerts
    _warehouse_active(acme, main, True)
    sell(acme, clock, main, 6)  # 9: a new episode
    assert stock_events(acme) == [("stock.low", 5, 10), ("stock.replenished", 15, 10), ("stock.low", 9, 10)]


def test_a_warehouse_coming_back_decides_each_of_its_levels_episodes_at_once(acme, main):
    threshold = {"low_stock_threshold": 10}
    still_low, recovered, went_low, fine = (make_product(acme, f"CLOCK-{i}", {main: 20}, **threshold) for i in range(4))
    sell(acme, still_low, main, 15)
    sell(acme, recovered, main, 15)
    _warehouse_active(acme, main, False)
    move(acme, "receive", recovered, main, 10)
    sell(acme, went_low, main, 15)
    _warehouse_active(acme, main, True)
    assert [(e["type"], e["data"]["product_id"]) for e in events(acme) if e["type"] in STOCK] == [
        ("stock.low", still_low), ("stock.low", recovered), ("stock.replenished", recovered), ("stock.low", went_low)]


def test_a_level_that_went_low_while_its_warehouse_was_inactive_is_low_when_it_comes_back(acme, main):
    clock = make_product(acme, "RETRO-CLOCK", {main: 20}, low_stock_threshold=10)
    _warehouse_active(acme, main, False)
    sell(acme, clock, main, 15)
    assert stock_events(acme) == []
    _warehouse_active(acme, main, True)
    _warehouse_active(acme, main, False)
    _warehouse_active(acme, main, True)
    assert stock_events(acme) == [("stock.low", 5, 10)]


def test_a_level_in_an_inactive_warehouse_still_announces_running_out(acme, main):
    """It stops alerting (no stock.low), but stock.out fires each time available stock reaches 0
    (its threshold null, as for every level that does not alert)."""
    clock = make_product(acme, "RETRO-CLOCK", {main: 20}, low_stock_threshold=10)
    _warehouse_active(acme, main, False)
    sell(acme, clock, main, 20)
    assert stock_events(acme) == [("stock.out", 0, None)]


# Orders and purchase orders


def test_orders_announce_created_shipped_and_cancelled_with_the_order(acme, main):
    clock = make_product(acme, "RETRO-CLOCK", {main: 100})
    shipped, cancelled = place_order(acme, main, (clock, 2)), place_order(acme, main, (clock, 1))
    assert acme.patch(f"/api/orders/{shipped}/status", json={"status": "shipped"}).status_code == 200
    assert acme.patch(f"/api/orders/{cancelled}/status", json={"status": "cancelled"}).status_code == 200
    announced = [(e["type"], e["data"]["id"], e["data"]["status"]) for e in events(acme)]
    assert announced == [("order.created", shipped, "pending"), ("order.created", cancelled, "pending"),
                         ("order.shipped", shipped, "shipped"), ("order.cancelled", cancelled, "cancelled")]
    assert events(acme, type="order.created")[0]["data"]["items"][0]["quantity"] == 2


def test_purchase_orders_announce_each_status_and_each_receipt(acme, main):
    supplier = make_supplier(acme, "Tick Tock Parts")
    clock = make_product(acme, "RETRO-CLOCK", {main: 100})
    order = placed(acme, supplier, main, (clock, 5, "2.00"))
    assert receive(acme, order, 2).status_code == 201
    assert receive(acme, order, 3).status_code == 201
    closed = placed(acme, supplier, main, (clock, 5, "2.00"))
    assert set_status(acme, closed["id"], "closed").status_code == 200
    cancelled = placed(acme, supplier, main, (clock, 1, "2.00"))
    assert set_status(acme, cancelled["id"], "cancelled").status_code == 200
    announced = [(e["type"], (e["data"].get("purchase_order") or e["data"])["id"]) for e in events(acme)]
    assert announced == [
        ("purchase_order.ordered", order["id"]), ("purchase_order.receipt_created", order["id"]),
        ("purchase_order.receipt_created", order["id"]), ("purchase_order.received", order["id"]),
        ("purchase_order.ordered", closed["id"]), ("purchase_order.closed", closed["id"]),
        ("purchase_order.ordered", cancelled["id"]), ("purchase_order.cancelled", cancelled["id"]),
    ]
    receipt = events(acme, type="purchase_order.receipt_created")[-1]["data"]
    assert receipt["receipt"]["lines"][0]["quantity"] == 3 and receipt["purchase_order"]["status"] == "received"


# The unit of work


def test_an_event_of_a_use_case_that_fails_is_not_written(app, acme):
    before = event_count(app)
    with app.app_context(), pytest.raises(RuntimeError):
        with use_case():
            record(acme.company_id, "ping", {})
            db.session.flush()
            raise RuntimeError("the change fails after its event was added")
    assert event_count(app) == before


def test_a_sale_that_fails_after_its_event_leaves_neither(app, acme, main, monkeypatch):
    """Fault injection: the commit itself fails after the episode was recorded."""
    clock = make_product(acme, "RETRO-CLOCK", {main: 10}, low_stock_threshold=5)
    before = event_count(app)

    def failing_commit():
        raise RuntimeError("the database went away at commit")

    with app.app_context():
        monkeypatch.setattr(db.session, "commit", failing_commit)
        with pytest.raises(RuntimeError), use_case():
            from app.inventory.movements import record_movement
            record_movement(acme.company_id, None, {"type": "sale", "product_id": clock, "warehouse_id": main,
                                                   "quantity": 6})
        monkeypatch.undo()
    assert event_count(app) == before
    [level] = acme.get("/api/inventory", query_string={"product_id": clock}).json["items"]
    assert level["on_hand"] == 10


# GET /api/events


def test_events_page_newest_first_by_cursor_and_filter_by_type(acme, main):
    clock = make_product(acme, "RETRO-CLOCK", {main: 100})
    orders = [place_order(acme, main, (clock, 1)) for _ in range(5)]
    first = acme.get("/api/events", query_string={"limit": 2})
    assert first.status_code == 200
    seen = [e["data"]["id"] for e in first.json["items"]]
    second = acme.get("/api/events", query_string={"limit": 2, "cursor": first.json["next_cursor"]})
    seen += [e["data"]["id"] for e in second.json["items"]]
    third = acme.get("/api/events", query_string={"limit": 2, "cursor": second.json["next_cursor"]})
    seen += [e["data"]["id"] for e in third.json["items"]]
    assert seen == orders[::-1] and third.json["next_cursor"] is None
    assert events(acme, type="stock.low") == []


@pytest.mark.parametrize("params", [{"type": "stock.lowish"}, {"limit": 0}, {"limit": 501}, {"cursor": "bm90LWl0"},
                                    {"cursor": "bTE"}])  # "not-it", and a ledger cursor
def test_bad_event_list_arguments_are_refused(acme, params):
    response = acme.get("/api/events", query_string=params)
    assert response.status_code == 422, response.json
    assert list(response.json["errors"]) == [next(iter(params))]


@pytest.mark.parametrize("role", ["manager", "staff", "viewer"])
def test_only_admins_read_events(acme, role):
    assert acme.add_user(role).get("/api/events").status_code == 403


def test_a_company_sees_only_its_own_events(acme, globex, main):
    clock = make_product(acme, "RETRO-CLOCK", {main: 100})
    place_order(acme, main, (clock, 1))
    assert events(globex) == [] and len(events(acme)) == 1
    assert acme.client.get("/api/events").status_code == 401


# Races (MySQL)


@pytest.mark.mysql
def test_fifty_racing_sales_make_exactly_one_stock_low_and_one_stock_out(app, acme, main):
    clock = make_product(acme, "RETRO-CLOCK", {main: 50}, low_stock_threshold=20)
    body = {"type": "sale", "product_id": clock, "warehouse_id": main, "quantity": 1}
    answers = run_together(app, [
        lambda client: answer(client.post("/api/inventory/movements", json=body, headers=acme.headers))
        for _ in range(50)
    ])
    assert [a["status"] for a in answers].count(201) == 50, answers
    kinds = [kind for kind, _stock, _threshold in stock_events(acme)]
    assert kinds == ["stock.low", "stock.out"]
    assert stock_events(acme)[0][1:] == (20, 20)


def test_a_rollback_inside_a_use_case_forgets_what_it_collected(app, acme):
    """As an idempotent write does when its answer is a refusal: nothing collected reaches the commit."""
    before = event_count(app)
    with app.app_context():
        with use_case() as unit:
            record(acme.company_id, "ping", {})
            unit.levels_before[1] = (5, 5)
            db.session.rollback()
            assert (unit.events, unit.levels_before) == ([], {})
    assert event_count(app) == before
