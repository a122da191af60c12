"""POST /api/inventory/movements/batch: many movements as one, all or nothing, refusals naming the item."""

import pytest

from app.inventory import movements
from tests.api.alerting import ago
from tests.dbstate import counting_statements, database_state
from tests.factories import make_product, make_warehouse

pytestmark = pytest.mark.usefixtures("stored_alert_inputs_stay_current")
BATCH = "/api/inventory/movements/batch"


def stock(account, product_id):
    return {row["warehouse_id"]: row["on_hand"] for row in account.get("/api/inventory", query_string={"product_id": product_id}).json["items"]}


def move(kind, product_id, warehouse_id, quantity, **extra):
    return {"type": kind, "product_id": product_id, "warehouse_id": warehouse_id, "quantity": quantity, **extra}


def test_a_batch_applies_every_kind_in_order_and_answers_rows_and_levels(acme, kit_shop):
    s = kit_shop
    response = acme.post(BATCH, json={"movements": [
        move("receive", s["clock"], s["main"], 5),
        move("transfer", s["clock"], s["main"], 6, to_warehouse_id=s["backroom"]),
        move("sale", s["clock"], s["backroom"], 2, reference="till 4"),
        move("count", s["clock"], s["main"], 8, expected_on_hand=9),
        move("adjust", s["battery"], s["main"], -2, reason="damaged"),
        move("sale", s["kit"], s["main"], 1),
    ]})
    assert response.status_code == 201, response.json
    rows = [(r["type"], r["product_id"], r["warehouse_id"], r["quantity_change"], r["on_hand_after"]) for r in response.json["movements"]]
    assert rows == [
        ("receive", s["clock"], s["main"], 5, 15),
        ("transfer", s["clock"], s["main"], -6, 9),
        ("transfer", s["clock"], s["backroom"], 6, 6),
        ("sale", s["clock"], s["backroom"], -2, 4),
        ("count", s["clock"], s["main"], -1, 8),
        ("adjust", s["battery"], s["main"], -2, 10),
        ("sale", s["clock"], s["main"], -1, 7),
        ("sale", s["battery"], s["main"], -2, 8),
    ]
    levels = [(level["product_id"], level["warehouse_id"], level["on_hand"]) for level in response.json["levels"]]
    assert levels == [(s["clock"], s["main"], 7), (s["clock"], s["backroom"], 4), (s["battery"], s["main"], 8)]
    assert stock(acme, s["clock"]) == {s["main"]: 7, s["backroom"]: 4}


@pytest.mark.parametrize("items, status, slug, named", [
    # The second item is short: the first is not applied either.
    (lambda s: [move("receive", s["clock"], s["main"], 5), move("sale", s["clock"], s["main"], 16)],
     409, "insufficient_stock", "movements.1.available"),
    # Short only because of an earlier item of the same batch.
    (lambda s: [move("sale", s["shade"], s["backroom"], 3), move("sale", s["shade"], s["backroom"], 2)],
     409, "insufficient_stock", "movements.1.available"),
    (lambda s: [move("receive", s["clock"], s["main"], 1), move("receive", 999_999, s["main"], 1)],
     422, "validation_error", "movements.1.product_id"),
    (lambda s: [move("transfer", s["clock"], s["main"], 1, to_warehouse_id=999_999)],
     422, "validation_error", "movements.0.to_warehouse_id"),
    (lambda s: [move("receive", s["clock"], s["main"], 2**63)], 422, "validation_error", "movements.0.quantity"),
    (lambda s: [move("receive", s["clock"], s["main"], 1), move("remove", s["clock"], s["main"], 1)],
     422, "validation_error", "movements.1.reason"),
    (lambda s: [move("receive", s["clock"], s["main"], 1, colour="red")], 422, "validation_error", "movements.0.colour"),
    (lambda s: [move("count", s["clock"], s["main"], 3, expected_on_hand=11)], 409, "stale_quantity", "movements.0.expected_on_hand"),
    (lambda s: [move("sale", s["clock"], s["main"], 1), move("receive", s["kit"], s["main"], 1)],
     409, "bundle_has_no_stock", "movements.1"),
    (lambda s: [move("receive", s["clock"], s["main"], 1)] * 501, 422, "validation_error", "movements"),
    (lambda s: [], 422, "validation_error", "movements"),
    (lambda s: {"type": "receive"}, 422, "validation_error", "movements"),
    (lambda s: "receive", 422, "validation_error", "movements"),
    (lambda s: [42], 422, "validation_error", "movements.0"),
])
def test_a_refused_item_names_its_position_and_nothing_is_applied(app, acme, kit_shop, items, status, slug, named):
    before = database_state(app)
    response = acme.post(BATCH, json={"movements": items(kit_shop)})
    assert (response.status_code, response.json["error"]) == (status, slug), response.json
    assert named in response.json["errors"], response.json["errors"]
    assert database_state(app) == before


def test_a_body_without_movements_or_not_an_object_is_refused(app, acme, kit_shop):
    before = database_state(app)
    for body in ({}, [], {"movements": None}):
        response = acme.post(BATCH, json=body)
        assert response.status_code == 422 and response.json["error"] == "validation_error", body
    assert database_state(app) == before


def test_a_fault_after_half_the_items_leaves_nothing(app, acme, kit_shop, monkeypatch):
    s = kit_shop
    applied = []
    real_apply = movements._apply

    def failing_apply(*args, **kwargs):
        if len(applied) == 50:
            raise RuntimeError("the process dies here")
        applied.append(1)
        return real_apply(*args, **kwargs)

    monkeypatch.setattr(movements, "_apply", failing_apply)
    before = database_state(app)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = acme.post(BATCH, json={"movements": [move("receive", s["clock"], s["main"], 1)] * 100})
    assert response.status_code == 500 and len(applied) == 50
    assert database_state(app) == before


def test_staff_may_post_a_batch_and_a_viewer_may_not(app, acme, kit_shop):
    s = kit_shop
    body = {"movements": [move("receive", s["clock"], s["main"], 1)]}
    assert acme.add_user("viewer").post(BATCH, json=body).status_code == 403
    assert acme.add_user("staff").post(BATCH, json=body).status_code == 201


def test_an_idempotency_key_replays_the_batch_without_applying_it_again(acme, kit_shop):
    s = kit_shop
    body = {"movements": [move("receive", s["clock"], s["main"], 3), move("sale", s["battery"], s["main"], 1)]}
    headers = {**acme.headers, "Idempotency-Key": "batch-1"}
    first = acme.client.post(BATCH, json=body, headers=headers)
    again = acme.client.post(BATCH, json=body, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true" and again.json == first.json
    assert stock(acme, s["clock"]) == {s["main"]: 13}


def test_another_companys_product_or_warehouse_is_named_as_unknown(acme, globex, kit_shop):
    theirs = make_warehouse(globex, "Theirs")
    their_product = make_product(globex, "THEIR-CLOCK", {theirs: 5})
    for item, field in ((move("sale", their_product, kit_shop["main"], 1), "movements.0.product_id"),
                        (move("receive", kit_shop["clock"], theirs, 1), "movements.0.warehouse_id")):
        response = acme.post(BATCH, json={"movements": [item]})
        assert response.status_code == 422 and field in response.json["errors"], response.json
    assert stock(globex, their_product) == {theirs: 5}


def test_a_first_receipt_creates_the_level_and_later_items_use_it(acme, kit_shop):
    s = kit_shop
    lamp = make_product(acme, "NEW-LAMP")
    response = acme.post(BATCH, json={"movements": [
        move("receive", lamp, s["backroom"], 4), move("sale", lamp, s["backroom"], 1), move("receive", lamp, s["backroom"], 2)]})
    assert response.status_code == 201, response.json
    assert [level["on_hand"] for level in response.json["levels"]] == [5]
    assert stock(acme, lamp) == {s["backroom"]: 5}


def test_a_bundle_of_bundles_sells_its_parts_within_a_batch(acme, kit_shop):
    s = kit_shop
    response = acme.post(BATCH, json={"movements": [move("sale", s["gift"], s["main"], 1), move("sale", s["clock"], s["main"], 1)]})
    assert response.status_code == 201, response.json
    assert stock(acme, s["clock"]) == {s["main"]: 7} and stock(acme, s["battery"])[s["main"]] == 7


def test_a_batch_locks_its_levels_in_one_statement_and_writes_the_ledger_in_one(app, acme, backend):
    main = make_warehouse(acme, "Depot")
    products = [make_product(acme, f"BULK-{n}", {main: 100}) for n in range(20)]
    items = [move("sale" if n % 2 else "receive", products[n % 20], main, 1) for n in range(100)]
    with counting_statements(app) as statements:
        response = acme.post(BATCH, json={"movements": items})
    assert response.status_code == 201, response.json
    assert len(response.json["movements"]) == 100 and len(response.json["levels"]) == 20
    locks = [s for s in statements if s.startswith("SELECT") and "FOR UPDATE" in s]
    assert len(locks) == (1 if backend == "mysql" else 0)  # SQLite locks the whole database instead
    ledger_inserts = [s for s in statements if s.startswith("INSERT INTO stock_movements")]
    # MySQL takes the 100 rows in one multi-row INSERT; SQLAlchemy sends SQLite's one by one.
    assert len(ledger_inserts) == (1 if backend == "mysql" else 100)


def test_sales_of_several_days_some_back_dated_keep_the_rollup_exact(acme, kit_shop):
    # The oracle of this module (stored_alert_inputs_stay_current) checks every rollup row and total.
    s = kit_shop
    assert acme.post("/api/inventory/movements", json=move("sale", s["clock"], s["main"], 1, occurred_at=ago(days=2))).status_code == 201
    response = acme.post(BATCH, json={"movements": [
        move("sale", s["clock"], s["main"], 1),
        move("sale", s["clock"], s["main"], 2, occurred_at=ago(days=5)),   # before the level's latest sale
        move("sale", s["clock"], s["main"], 1, occurred_at=ago(days=2)),   # onto an existing day
        move("sale", s["battery"], s["main"], 3, occurred_at=ago(days=1)),
        move("sale", s["kit"], s["main"], 1, occurred_at=ago(days=5)),
    ]})
    assert response.status_code == 201, response.json
    series = acme.get(f"/api/inventory/{response.json['levels'][0]['id']}/sales", query_string={"days": 7}).json["series"]
    assert [day["units"] for day in series] == [0, 3, 0, 0, 2, 0, 1]


@pytest.mark.parametrize("size", [1, 2])
def test_an_archived_product_is_named_by_its_item_alone_or_among_others(app, acme, kit_shop, size):
    s = kit_shop
    old = make_product(acme, "OLD-1", {s["main"]: 3})
    assert acme.delete(f"/api/products/{old}").status_code == 204
    before = database_state(app)
    items = [move("receive", s["clock"], s["main"], 1)] * (size - 1) + [move("sale", old, s["main"], 1)]
    response = acme.post(BATCH, json={"movements": items})
    assert response.status_code == 409 and response.json["error"] == "in_use", response.json
    assert list(response.json["errors"]) == [f"movements.{size - 1}"]
    assert database_state(app) == before
