"""Stock movements: each type's effect, its ledger rows and daily sales in one transaction; bundles sell components."""

import datetime as dt
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from app.alerts import read_model
from app.extensions import db
from app.inventory import ledger
from app.inventory.models import DailySale, InventoryLevel, StockMovement
from tests.factories import make_bundle, make_product, make_warehouse

pytestmark = pytest.mark.usefixtures("stored_alert_inputs_stay_current")

REAL_ENTRY = ledger.entry
REAL_ROLLUP_ROW = read_model._rollup_row
# A level in a movement's answer is what GET /api/inventory/{id} shows.
LEVEL_KEYS = {"id", "product_id", "sku", "warehouse_id", "on_hand", "reserved", "available", "low_stock_threshold", "threshold",
              "incoming", "reorder_up_to", "updated_at"}
ROW_KEYS = {"id", "type", "product_id", "warehouse_id", "quantity_change", "on_hand_after", "reason", "reference",
            "transfer_id", "order_id", "bundle_id", "purchase_order_id", "user_id", "occurred_at", "created_at"}


def reserve(account, warehouse, product, quantity):
    response = account.post("/api/orders", json={"warehouse_id": warehouse, "items": [{"product_id": product, "quantity": quantity}]})
    assert response.status_code == 201, response.json


def move(account, **body):
    return account.post("/api/inventory/movements", json=body)


def moved(account, **body):
    response = move(account, **body)
    assert response.status_code == 201, response.json
    return response.json


def on_hand(app, product, warehouse):
    with app.app_context():
        return db.session.scalar(sa.select(InventoryLevel.on_hand).where(
            InventoryLevel.product_id == product, InventoryLevel.warehouse_id == warehouse))


def ledger_rows(app):
    with app.app_context():
        return db.session.scalars(sa.select(StockMovement).order_by(StockMovement.id)).all()


def daily_sales(app):
    with app.app_context():
        return {(r.product_id, r.warehouse_id, r.day): r.units for r in db.session.scalars(sa.select(DailySale))}


def sales_figures(app):
    """Each rollup row's (units, running total) and each level's (units sold, latest sale day)."""
    with app.app_context():
        rollup = {(r.product_id, r.warehouse_id, r.day): (r.units, r.units_to_date)
                  for r in db.session.scalars(sa.select(DailySale))}
        levels = {(level.product_id, level.warehouse_id): (level.units_sold, level.last_sold_on)
                  for level in db.session.scalars(sa.select(InventoryLevel))}
    return rollup, levels


def assert_ledger_balances(app):
    """For every level: on_hand = Σ quantity_change, each row's on_hand_after is the running sum, 0 ≤ reserved ≤ on_hand."""
    with app.app_context():
        levels = db.session.scalars(sa.select(InventoryLevel)).all()
        rows = db.session.scalars(sa.select(StockMovement).order_by(StockMovement.id)).all()
    running = {}
    for row in rows:
        key = (row.company_id, row.product_id, row.warehouse_id)
        running[key] = running.get(key, 0) + row.quantity_change
        assert row.on_hand_after == running[key], f"ledger row {row.id} says {row.on_hand_after}, sum is {running[key]}"
    for level in levels:
        key = (level.company_id, level.product_id, level.warehouse_id)
        assert level.on_hand == running.pop(key, 0), f"level {level.id}: on_hand {level.on_hand} ≠ Σ ledger"
        assert 0 <= level.reserved <= level.on_hand
    assert running == {}, f"ledger rows without a level: {running}"


@pytest.fixture(autouse=True)
def ledger_balances(app):
    yield
    assert_ledger_balances(app)


@pytest.fixture
def shop(acme):
    """RETRO-CLOCK: 10 in Main; Backroom holds nothing."""
    main, backroom = make_warehouse(acme, "Main"), make_warehouse(acme, "Backroom")
    return SimpleNamespace(main=main, backroom=backroom, clock=make_product(acme, "RETRO-CLOCK", {main: 10}))


# Each type


@pytest.mark.parametrize("body, change", [
    ({"type": "receive", "quantity": 5}, 5),
    ({"type": "return", "quantity": 3}, 3),
    ({"type": "sale", "quantity": 4}, -4),
    ({"type": "remove", "quantity": 2, "reason": "water damage"}, -2),
    ({"type": "adjust", "quantity": 4, "reason": "found behind the shelf"}, 4),
    ({"type": "adjust", "quantity": -3, "reason": "miscounted delivery"}, -3),
    ({"type": "count", "quantity": 7}, -3),
], ids=lambda value: value["type"] + str(value["quantity"]) if isinstance(value, dict) else None)
def test_each_type_changes_on_hand_and_writes_one_ledger_row(app, acme, shop, body, change):
    result = moved(acme, product_id=shop.clock, warehouse_id=shop.main, **body)
    [row] = result["movements"]
    assert (row["type"], row["quantity_change"], row["on_hand_after"]) == (body["type"], change, 10 + change)
    assert [level["on_hand"] for level in result["levels"]] == [10 + change]
    assert on_hand(app, shop.clock, shop.main) == 10 + change
    assert len(ledger_rows(app)) == 2


def test_the_answer_carries_the_ledger_rows_and_the_levels_after(acme, shop):
    result = moved(acme, type="receive", product_id=shop.clock, warehouse_id=shop.main, quantity=5,
                   reason="restock", reference="DN-0042")
    [row], [level] = result["movements"], result["levels"]
    assert set(row) == ROW_KEYS and set(level) == LEVEL_KEYS
    assert {k: row[k] for k in ("product_id", "warehouse_id", "reason", "reference", "transfer_id", "order_id",
                                "bundle_id", "user_id")} == {
        "product_id": shop.clock, "warehouse_id": shop.main, "reason": "restock", "reference": "DN-0042",
        "transfer_id": None, "order_id": None, "bundle_id": None, "user_id": acme.user_id}
    assert row["occurred_at"].endswith("Z") and row["created_at"].endswith("Z")
    assert {k: level[k] for k in ("product_id", "warehouse_id", "on_hand", "reserved", "available")} == {
        "product_id": shop.clock, "warehouse_id": shop.main, "on_hand": 15, "reserved": 0, "available": 15}
    assert level == acme.get(f"/api/inventory/{level['id']}").json


def test_every_kind_of_movement_answers_its_levels_as_the_inventory_shows_them(acme, shop):
    # A stocked level is read with its SKU and threshold in its locking statement; the others (created,
    # both ends of a transfer, a batch's, a stock-take's) are read after their locks: all answer what GET shows.
    assert acme.patch(f"/api/products/{shop.clock}", json={"low_stock_threshold": 4}).status_code == 200
    [main] = acme.get("/api/inventory", query_string={"product_id": shop.clock}).json["items"]
    assert acme.patch(f"/api/inventory/{main['id']}", json={"low_stock_threshold": 6, "reorder_up_to": 30}).status_code == 200
    sale = {"type": "sale", "product_id": shop.clock, "warehouse_id": shop.main, "quantity": 1}
    requests = [
        ("/api/inventory/movements", sale),
        ("/api/inventory/movements", {**sale, "type": "receive", "warehouse_id": shop.backroom}),
        ("/api/inventory/movements", {**sale, "type": "transfer", "to_warehouse_id": shop.backroom}),
        ("/api/inventory/movements/batch", {"movements": [sale, {**sale, "warehouse_id": shop.backroom}]}),
    ]
    thresholds = set()
    for path, body in requests:
        response = acme.post(path, json=body)
        assert response.status_code == 201, response.json
        for level in response.json["levels"]:
            assert level == acme.get(f"/api/inventory/{level['id']}").json
            thresholds.add((level["warehouse_id"], level["threshold"]))
    # A bundle's parts; a level of an inactive warehouse (which does not alert) still shows its threshold.
    gift = make_bundle(acme, "GIFT-SET", (shop.clock, 1))
    assert acme.patch(f"/api/warehouses/{shop.backroom}", json={"is_active": False}).status_code == 200
    requests = [
        ("/api/inventory/movements", {**sale, "product_id": gift}),
        ("/api/inventory/movements", {**sale, "warehouse_id": shop.backroom}),
    ]
    for path, body in requests:
        response = acme.post(path, json=body)
        assert response.status_code == 201, response.json
        for level in response.json["levels"]:
            assert level == acme.get(f"/api/inventory/{level['id']}").json
    sheet = acme.post("/api/inventory/counts/import", data=b"sku,warehouse,counted\nRETRO-CLOCK,Main,3\n", content_type="text/csv")
    assert sheet.status_code == 201, sheet.json
    [level] = sheet.json["levels"]
    assert level == acme.get(f"/api/inventory/{level['id']}").json
    assert thresholds == {(shop.main, 6), (shop.backroom, 4)}  # the level's override; the product's


@pytest.mark.parametrize("kind, reason", [("receive", None), ("return", None), ("adjust", "found in a drawer")])
def test_adding_stock_in_a_warehouse_without_a_level_creates_the_level(app, acme, shop, kind, reason):
    body = {"reason": reason} if reason else {}
    [level] = moved(acme, type=kind, product_id=shop.clock, warehouse_id=shop.backroom, quantity=6, **body)["levels"]
    assert (level["warehouse_id"], level["on_hand"], level["reserved"]) == (shop.backroom, 6, 0)
    assert on_hand(app, shop.clock, shop.backroom) == 6


@pytest.mark.parametrize("counted", [14, 10, 0])
def test_a_count_sets_on_hand_and_records_the_difference_as_one_count_row(app, acme, shop, counted):
    [row] = moved(acme, type="count", product_id=shop.clock, warehouse_id=shop.main, quantity=counted)["movements"]
    assert (row["type"], row["quantity_change"], row["on_hand_after"]) == ("count", counted - 10, counted)
    assert on_hand(app, shop.clock, shop.main) == counted


def test_a_count_in_a_warehouse_without_a_level_creates_it(app, acme, shop):
    [row] = moved(acme, type="count", product_id=shop.clock, warehouse_id=shop.backroom, quantity=3)["movements"]
    assert (row["quantity_change"], row["on_hand_after"]) == (3, 3)
    assert on_hand(app, shop.clock, shop.backroom) == 3


def test_a_count_whose_expected_on_hand_still_matches_is_applied(app, acme, shop):
    moved(acme, type="count", product_id=shop.clock, warehouse_id=shop.main, quantity=8, expected_on_hand=10)
    assert on_hand(app, shop.clock, shop.main) == 8


def test_a_count_whose_expected_on_hand_no_longer_matches_is_stale(app, acme, shop):
    moved(acme, type="sale", product_id=shop.clock, warehouse_id=shop.main, quantity=1)
    response = move(acme, type="count", product_id=shop.clock, warehouse_id=shop.main, quantity=8, expected_on_hand=10)
    assert (response.status_code, response.json["error"]) == (409, "stale_quantity")
    assert on_hand(app, shop.clock, shop.main) == 9


def test_a_count_below_the_reserved_units_is_insufficient_stock(app, acme, shop):
    reserve(acme, shop.main, shop.clock, 4)
    response = move(acme, type="count", product_id=shop.clock, warehouse_id=shop.main, quantity=3)
    assert (response.status_code, response.json["error"]) == (409, "insufficient_stock")
    assert {"available", "quantity"} <= response.json["errors"].keys()
    assert response.json["short"] == [{"product_id": shop.clock, "available": 3, "requested": 4}]
    assert on_hand(app, shop.clock, shop.main) == 10
    assert moved(acme, type="count", product_id=shop.clock, warehouse_id=shop.main, quantity=4)["levels"][0]["available"] == 0


def test_a_transfer_writes_two_rows_sharing_a_transfer_id(app, acme, shop):
    result = moved(acme, type="transfer", product_id=shop.clock, warehouse_id=shop.main, to_warehouse_id=shop.backroom,
                   quantity=4)
    out, into = result["movements"]
    assert (out["warehouse_id"], out["quantity_change"], out["on_hand_after"]) == (shop.main, -4, 6)
    assert (into["warehouse_id"], into["quantity_change"], into["on_hand_after"]) == (shop.backroom, 4, 4)
    assert out["type"] == into["type"] == "transfer"
    assert out["transfer_id"] and out["transfer_id"] == into["transfer_id"]
    assert [(level["warehouse_id"], level["on_hand"]) for level in result["levels"]] == [(shop.main, 6), (shop.backroom, 4)]
    assert [row.transfer_id for row in ledger_rows(app)[1:]] == [out["transfer_id"]] * 2


# Not enough stock


TAKE = ["sale", "remove", "adjust", "transfer"]


def take(shop, kind, quantity):
    extra = {"remove": {"reason": "lost"}, "adjust": {"reason": "shrinkage"}, "transfer": {"to_warehouse_id": shop.backroom}}
    return {"type": kind, "product_id": shop.clock, "warehouse_id": shop.main,
            "quantity": -quantity if kind == "adjust" else quantity, **extra.get(kind, {})}


@pytest.mark.parametrize("kind", TAKE)
def test_taking_more_than_is_available_is_insufficient_stock_naming_what_is_short(app, acme, shop, kind):
    reserve(acme, shop.main, shop.clock, 4)
    response = move(acme, **take(shop, kind, 7))
    assert (response.status_code, response.json["error"]) == (409, "insufficient_stock")
    assert "available" in response.json["errors"]
    assert response.json["short"] == [{"product_id": shop.clock, "available": 6, "requested": 7}]
    assert on_hand(app, shop.clock, shop.main) == 10


@pytest.mark.parametrize("kind", TAKE)
def test_taking_exactly_what_is_available_is_allowed(app, acme, shop, kind):
    reserve(acme, shop.main, shop.clock, 4)
    moved(acme, **take(shop, kind, 6))
    assert on_hand(app, shop.clock, shop.main) == 4


def test_a_sale_where_the_product_has_no_level_finds_nothing_available(app, acme, shop):
    response = move(acme, type="sale", product_id=shop.clock, warehouse_id=shop.backroom, quantity=1)
    assert (response.status_code, response.json["short"]) == (409, [{"product_id": shop.clock, "available": 0, "requested": 1}])
    assert on_hand(app, shop.clock, shop.backroom) is None


# occurred_at and daily sales


@pytest.mark.parametrize("sent, stored", [
    ("2025-03-01T10:00:00", "2025-03-01T10:00:00Z"),
    ("2025-03-01T10:00:00Z", "2025-03-01T10:00:00Z"),
    ("2025-03-01T12:00:00+02:00", "2025-03-01T10:00:00Z"),
    ("2025-03-01T05:30:00-04:30", "2025-03-01T10:00:00Z"),
    # Stored in whole seconds on every database: the fraction is dropped, and the answer says so.
    ("2025-03-01T10:00:00.999999Z", "2025-03-01T10:00:00Z"),
    ("2025-03-01T10:00:00.5+00:00", "2025-03-01T10:00:00Z"),
])
def test_occurred_at_is_read_as_utc_when_it_has_no_zone_and_answered_in_utc(acme, shop, sent, stored):
    [row] = moved(acme, type="receive", product_id=shop.clock, warehouse_id=shop.main, quantity=1, occurred_at=sent)["movements"]
    assert row["occurred_at"] == stored
    [listed] = acme.get("/api/inventory/movements", query_string={"since": stored, "until": stored}).json["items"]
    assert listed == row


def test_occurred_at_defaults_to_now(acme, shop):
    before = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    [row] = moved(acme, type="receive", product_id=shop.clock, warehouse_id=shop.main, quantity=1)["movements"]
    recorded = dt.datetime.fromisoformat(row["occurred_at"].replace("Z", "+00:00"))
    assert before <= recorded <= dt.datetime.now(dt.timezone.utc) + dt.timedelta(seconds=1)


@pytest.mark.parametrize("ahead", [dt.timedelta(0), dt.timedelta(seconds=2)])
def test_occurred_at_now_or_a_clock_skew_ahead_is_accepted(acme, shop, ahead):
    moment = (dt.datetime.now(dt.timezone.utc) + ahead).replace(microsecond=0)
    [row] = moved(acme, type="receive", product_id=shop.clock, warehouse_id=shop.main, quantity=1,
                  occurred_at=moment.isoformat())["movements"]
    assert row["occurred_at"] == moment.isoformat().replace("+00:00", "Z")


def test_sales_add_their_units_to_daily_sales_on_the_day_they_occurred(app, acme, shop):
    for quantity, occurred_at in ((2, "2025-03-01T09:00:00Z"), (3, "2025-03-01T18:00:00Z"), (1, "2025-03-02T08:00:00Z")):
        moved(acme, type="sale", product_id=shop.clock, warehouse_id=shop.main, quantity=quantity, occurred_at=occurred_at)
    assert daily_sales(app) == {(shop.clock, shop.main, dt.date(2025, 3, 1)): 5, (shop.clock, shop.main, dt.date(2025, 3, 2)): 1}


def test_back_dated_sales_keep_every_days_running_total_and_the_levels_sales_totals(app, acme, shop):
    moved(acme, type="receive", product_id=shop.clock, warehouse_id=shop.main, quantity=10)
    for quantity, day in ((3, 5), (2, 1), (4, 3), (1, 5), (5, 3)):  # then earlier days, new and existing
        moved(acme, type="sale", product_id=shop.clock, warehouse_id=shop.main, quantity=quantity,
              occurred_at=f"2025-03-0{day}T12:00:00Z")
    rollup, levels = sales_figures(app)
    assert rollup == {(shop.clock, shop.main, dt.date(2025, 3, 1)): (2, 2),
                      (shop.clock, shop.main, dt.date(2025, 3, 3)): (9, 11),
                      (shop.clock, shop.main, dt.date(2025, 3, 5)): (4, 15)}
    assert levels == {(shop.clock, shop.main): (15, dt.date(2025, 3, 5))}


def test_a_late_sale_dated_in_another_zone_counts_on_its_utc_day(app, acme, shop):
    moved(acme, type="sale", product_id=shop.clock, warehouse_id=shop.main, quantity=2, occurred_at="2025-03-01T23:30:00-02:00")
    assert daily_sales(app) == {(shop.clock, shop.main, dt.date(2025, 3, 2)): 2}


def test_a_sale_recorded_without_occurred_at_counts_today(app, acme, shop):
    moved(acme, type="sale", product_id=shop.clock, warehouse_id=shop.main, quantity=2)
    [(key, units)] = daily_sales(app).items()
    assert (key[2], units) in {(dt.datetime.now(dt.timezone.utc).date() - dt.timedelta(days=d), 2) for d in (0, 1)}


@pytest.mark.parametrize("body", [
    {"type": "receive", "quantity": 2}, {"type": "return", "quantity": 2},
    {"type": "remove", "quantity": 2, "reason": "broken"}, {"type": "adjust", "quantity": -2, "reason": "typo"},
    {"type": "count", "quantity": 5}, {"type": "transfer", "quantity": 2, "to_warehouse_id": "backroom"},
], ids=lambda body: body["type"])
def test_movements_other_than_sales_leave_daily_sales_alone(app, acme, shop, body):
    if "to_warehouse_id" in body:
        body = {**body, "to_warehouse_id": shop.backroom}
    moved(acme, product_id=shop.clock, warehouse_id=shop.main, **body)
    assert daily_sales(app) == {}


# Bundles


@pytest.fixture
def gift_set(acme, shop):
    """GIFT-SET = 1 RETRO-CLOCK + 2 BATTERY-AA; BATTERY-AA: 6 in Main."""
    shop.battery = make_product(acme, "BATTERY-AA", {shop.main: 6})
    shop.gift_set = make_bundle(acme, "GIFT-SET", (shop.clock, 1), (shop.battery, 2))
    return shop


def test_a_bundle_sale_takes_its_components_with_rows_naming_the_bundle(app, acme, gift_set):
    result = moved(acme, type="sale", product_id=gift_set.gift_set, warehouse_id=gift_set.main, quantity=2)
    assert sorted((r["product_id"], r["type"], r["quantity_change"], r["on_hand_after"], r["bundle_id"]) for r in result["movements"]) == sorted([
        (gift_set.clock, "sale", -2, 8, gift_set.gift_set), (gift_set.battery, "sale", -4, 2, gift_set.gift_set)])
    assert sorted((level["product_id"], level["on_hand"]) for level in result["levels"]) == sorted([(gift_set.clock, 8), (gift_set.battery, 2)])
    assert (on_hand(app, gift_set.clock, gift_set.main), on_hand(app, gift_set.battery, gift_set.main)) == (8, 2)
    assert on_hand(app, gift_set.gift_set, gift_set.main) is None


def test_a_nested_bundle_sale_takes_the_stocked_components_recursively(app, acme, gift_set):
    hamper = make_bundle(acme, "GIFT-HAMPER", (gift_set.gift_set, 1), (gift_set.battery, 1))
    result = moved(acme, type="sale", product_id=hamper, warehouse_id=gift_set.main, quantity=2)
    assert sorted((r["product_id"], r["quantity_change"], r["bundle_id"]) for r in result["movements"]) == sorted([
        (gift_set.clock, -2, hamper), (gift_set.battery, -6, hamper)])
    assert (on_hand(app, gift_set.clock, gift_set.main), on_hand(app, gift_set.battery, gift_set.main)) == (8, 0)


def test_a_bundle_sale_counts_daily_sales_on_its_components(app, acme, gift_set):
    moved(acme, type="sale", product_id=gift_set.gift_set, warehouse_id=gift_set.main, quantity=3, occurred_at="2025-03-01T12:00:00Z")
    day = dt.date(2025, 3, 1)
    assert daily_sales(app) == {(gift_set.clock, gift_set.main, day): 3, (gift_set.battery, gift_set.main, day): 6}


def test_a_bundle_sale_short_of_one_component_takes_nothing(app, acme, gift_set):
    response = move(acme, type="sale", product_id=gift_set.gift_set, warehouse_id=gift_set.main, quantity=4)
    assert (response.status_code, response.json["error"]) == (409, "insufficient_stock")
    assert response.json["short"] == [{"product_id": gift_set.battery, "available": 6, "requested": 8}]
    assert (on_hand(app, gift_set.clock, gift_set.main), on_hand(app, gift_set.battery, gift_set.main)) == (10, 6)
    assert (len(ledger_rows(app)), daily_sales(app)) == (2, {})


# Roles


def test_staff_may_record_movements(app, acme, shop):
    staff = acme.add_user("staff")
    [row] = moved(staff, type="receive", product_id=shop.clock, warehouse_id=shop.main, quantity=1)["movements"]
    assert row["user_id"] == staff.user_id


def test_a_viewer_may_not_record_movements(app, acme, shop):
    response = move(acme.add_user("viewer"), type="receive", product_id=shop.clock, warehouse_id=shop.main, quantity=1)
    assert (response.status_code, response.json["error"]) == (403, "forbidden")
    assert on_hand(app, shop.clock, shop.main) == 10


# Fault injection: the level update and its ledger row(s) commit together or not at all


def failing_entry(fail_on_call=1):
    calls = []

    def entry(level, type, change, **refs):
        calls.append(type)
        if len(calls) == fail_on_call:
            # The level has already changed (its stock rules ran); the crash comes before the row.
            raise RuntimeError("injected: crash before the ledger insert")
        return REAL_ENTRY(level, type, change, **refs)

    return entry


def failing_rollup_row(fail_on_call=1):
    """The rollup row of each sale, failing at the given one."""
    calls = []

    def rollup_row(*args):
        calls.append(args)
        if len(calls) == fail_on_call:
            raise RuntimeError("injected: crash in the daily sales rollup")
        return REAL_ROLLUP_ROW(*args)

    return rollup_row


def state(app):
    with app.app_context():
        levels = db.session.execute(sa.select(InventoryLevel.product_id, InventoryLevel.warehouse_id, InventoryLevel.on_hand,
                                              InventoryLevel.reserved).order_by(InventoryLevel.id)).all()
    return [tuple(level) for level in levels], len(ledger_rows(app)), sales_figures(app)


def assert_failed_and_changed_nothing(app, acme, before, body):
    response = move(acme, **body)
    assert (response.status_code, response.json["error"]) == (500, "internal_error")
    assert state(app) == before
    assert_ledger_balances(app)


@pytest.mark.parametrize("body, fail_on_call", [
    ({"type": "receive", "quantity": 5}, 1),
    ({"type": "receive", "quantity": 5, "warehouse_id": "backroom"}, 1),
    ({"type": "sale", "quantity": 3}, 1),
    ({"type": "count", "quantity": 2}, 1),
    ({"type": "transfer", "quantity": 3, "to_warehouse_id": "backroom"}, 1),
    ({"type": "transfer", "quantity": 3, "to_warehouse_id": "backroom"}, 2),
    ({"type": "sale", "quantity": 1, "product_id": "gift_set"}, 2),
], ids=["receive", "receive-new-level", "sale", "count", "transfer-out", "transfer-in", "bundle-second-component"])
def test_a_crash_between_the_level_update_and_the_ledger_insert_changes_nothing(app, acme, gift_set, monkeypatch, body, fail_on_call):
    body = {"product_id": gift_set.clock, "warehouse_id": gift_set.main, **body}
    body.update({k: getattr(gift_set, v) for k, v in body.items() if isinstance(v, str) and k != "type"})
    before = state(app)
    monkeypatch.setattr(ledger, "entry", failing_entry(fail_on_call))
    assert_failed_and_changed_nothing(app, acme, before, body)


@pytest.mark.parametrize("product, fail_on_call", [("clock", 1), ("gift_set", 1), ("gift_set", 2)])
def test_a_crash_in_the_daily_sales_rollup_changes_nothing(app, acme, gift_set, monkeypatch, product, fail_on_call):
    moved(acme, type="sale", product_id=gift_set.clock, warehouse_id=gift_set.main, quantity=1, occurred_at="2025-03-01T12:00:00Z")
    before = state(app)
    monkeypatch.setattr(read_model, "_rollup_row", failing_rollup_row(fail_on_call))
    assert_failed_and_changed_nothing(app, acme, before, {
        "type": "sale", "product_id": getattr(gift_set, product), "warehouse_id": gift_set.main, "quantity": 2,
        "occurred_at": "2025-03-01T15:00:00Z"})


def test_receiving_past_the_largest_on_hand_is_refused_not_a_server_error(acme, shop):
    body = {"type": "receive", "product_id": shop.clock, "warehouse_id": shop.main, "quantity": 999_999_995}
    assert move(acme, **body).status_code == 201
    assert move(acme, **body).status_code == 201  # 10 + 2 × 999,999,995 = the largest on hand, 2,000,000,000
    refused = move(acme, **{**body, "quantity": 1})
    assert (refused.status_code, refused.json["error"]) == (422, "validation_error")
    assert "quantity" in refused.json["errors"]


@pytest.mark.parametrize("field", ["reason", "reference", "occurred_at", "expected_on_hand", "to_warehouse_id"])
def test_an_optional_field_sent_as_null_counts_as_left_out(acme, shop, field):
    response = move(acme, type="receive", product_id=shop.clock, warehouse_id=shop.main, quantity=1, **{field: None})
    assert response.status_code == 201, response.json
