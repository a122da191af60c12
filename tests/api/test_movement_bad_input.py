"""Bad stock movements: each refused with the documented status, slug and field, and nothing changed."""

import datetime as dt
import json
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.idempotency.models import IdempotencyKey
from app.inventory.models import DailySale, InventoryLevel, StockMovement
from tests.factories import make_bundle, make_product, make_warehouse

MOVEMENTS = "/api/inventory/movements"
HOUR_AHEAD, MINUTE_AHEAD = dt.timedelta(hours=1), dt.timedelta(minutes=1)  # sent as now + this
LONG = "x" * 10_000


class Ref(str):
    """A name resolved to an id of the `stock` fixture when the body is sent."""


def resolve(stock, value):
    if isinstance(value, Ref):
        return getattr(stock, value)
    if isinstance(value, dt.timedelta):
        return (dt.datetime.now(dt.timezone.utc) + value).isoformat()
    return value


def snapshot(app):
    """Every level with its stock, the ledger's rows, daily sales and stored idempotency keys."""
    with app.app_context():
        levels = db.session.execute(sa.select(
            InventoryLevel.id, InventoryLevel.product_id, InventoryLevel.warehouse_id, InventoryLevel.on_hand,
            InventoryLevel.reserved, InventoryLevel.low_stock_threshold).order_by(InventoryLevel.id)).all()
        rows = db.session.scalars(sa.select(StockMovement.id).order_by(StockMovement.id)).all()
        sales = db.session.execute(sa.select(DailySale.product_id, DailySale.warehouse_id, DailySale.units)).all()
        keys = db.session.scalar(sa.select(sa.func.count()).select_from(IdempotencyKey))
    return [tuple(level) for level in levels], rows, sorted(tuple(sale) for sale in sales), keys


@pytest.fixture
def stock(acme, globex):
    """RETRO-CLOCK: 10 in Main with 4 reserved (6 available), none in Backroom; SPARE-GEAR archived;
    GIFT-SET = 1 RETRO-CLOCK; and a product and warehouse of Globex."""
    main, backroom = make_warehouse(acme, "Main"), make_warehouse(acme, "Backroom")
    clock = make_product(acme, "RETRO-CLOCK", {main: 10})
    order = acme.post("/api/orders", json={"warehouse_id": main, "items": [{"product_id": clock, "quantity": 4}]})
    assert order.status_code == 201, order.json
    gear = make_product(acme, "SPARE-GEAR", {main: 5})
    assert acme.delete(f"/api/products/{gear}").status_code == 204
    theirs = make_warehouse(globex, "Globex Depot")
    return SimpleNamespace(main=main, backroom=backroom, clock=clock, gear=gear,
                           gift_set=make_bundle(acme, "GIFT-SET", (clock, 1)),
                           globe=make_product(globex, "GLOBEX-GLOBE", {theirs: 5}), their_warehouse=theirs)


VALID = {
    "receive": {"quantity": 1}, "return": {"quantity": 1}, "sale": {"quantity": 1},
    "remove": {"quantity": 1, "reason": "water damage"}, "adjust": {"quantity": -1, "reason": "miscount"},
    "count": {"quantity": 10}, "transfer": {"quantity": 1, "to_warehouse_id": Ref("backroom")},
}


def body(stock, kind, **changes):
    """A valid movement of RETRO-CLOCK in Main of this type, with changes; a field set to `...` is left out."""
    sent = {"type": kind, "product_id": Ref("clock"), "warehouse_id": Ref("main"), **VALID[kind], **changes}
    return {k: resolve(stock, v) for k, v in sent.items() if v is not ...}


def case(kind, changes, status, error, field, id):
    return pytest.param(kind, changes, status, error, field, id=id)


def label(value):
    if isinstance(value, dt.timedelta):
        return f"now+{value}"
    return f"<{len(value)} chars>" if isinstance(value, str) and len(value) > 20 else repr(value)


def invalid(kind, field, *values):
    return [case(kind, {field: value}, 422, "validation_error", field, f"{kind} {field}={label(value)}") for value in values]


CASES = [
    *[case("receive", {field: ...}, 422, "validation_error", field, f"missing {field}")
      for field in ("type", "product_id", "warehouse_id", "quantity")],
    *invalid("receive", "type", "steal", "RECEIVE", "", None, 5, ["receive"]),
    *invalid("receive", "quantity", 0, -1, True, 1.5, "5", None, 1_000_000_001, [1]),
    *[case(kind, {"quantity": q}, 422, "validation_error", "quantity", f"{kind} quantity={q}")
      for kind in ("sale", "return", "remove", "transfer") for q in (0, -3)],
    *invalid("adjust", "quantity", 0, True, "-1"),
    *invalid("count", "quantity", -1, None),
    *invalid("receive", "product_id", "1", True, None, 1.0, 999_999, 2**63, 2**70, Ref("globe")),
    *invalid("sale", "product_id", Ref("globe")),
    *invalid("receive", "warehouse_id", "1", False, None, 999_999, 2**63, Ref("their_warehouse")),
    *invalid("transfer", "warehouse_id", Ref("their_warehouse")),
    *invalid("transfer", "to_warehouse_id", ..., Ref("main"), Ref("their_warehouse"), 999_999, 2**63, "2", None),
    *[case(kind, {"to_warehouse_id": Ref("backroom")}, 422, "validation_error", "to_warehouse_id", f"{kind} with to_warehouse_id")
      for kind in ("receive", "sale", "return", "remove", "adjust", "count")],
    *[case(kind, {"expected_on_hand": 10}, 422, "validation_error", "expected_on_hand", f"{kind} with expected_on_hand")
      for kind in ("receive", "sale", "return", "remove", "adjust", "transfer")],
    *invalid("count", "expected_on_hand", -1, True, "10", 2_000_000_001, 2**63),
    *[case(kind, {"reason": reason}, 422, "validation_error", "reason", f"{kind} reason={reason!r}")
      for kind in ("remove", "adjust") for reason in (..., "", "   ", None)],
    *invalid("receive", "reason", "x" * 256, 5),
    *invalid("receive", "reference", "x" * 121, 42),
    *invalid("receive", "occurred_at", HOUR_AHEAD, "yesterday", "2025-02-30T10:00:00Z", 1740823200, ""),
    *invalid("sale", "occurred_at", HOUR_AHEAD, MINUTE_AHEAD, "2999-01-01T00:00:00"),
    case("receive", {"colour": "blue"}, 422, "validation_error", "colour", "unknown field"),
    case("receive", {"on_hand": 99}, 422, "validation_error", "on_hand", "unknown field on_hand"),
    *[case(kind, {"product_id": Ref("gear")}, 409, "in_use", None, f"archived {kind}") for kind in VALID],
    *[case(kind, {"product_id": Ref("gift_set")}, 409, "bundle_has_no_stock", None, f"bundle {kind}")
      for kind in ("receive", "return", "remove", "adjust", "count", "transfer")],
    case("adjust", {"product_id": Ref("gift_set"), "quantity": 5}, 409, "bundle_has_no_stock", None, "bundle adjust up"),
    *[case(kind, {"quantity": 7 * (-1 if kind == "adjust" else 1)}, 409, "insufficient_stock", "available", f"{kind} over available")
      for kind in ("sale", "remove", "adjust", "transfer")],
    case("sale", {"product_id": Ref("gift_set"), "quantity": 7}, 409, "insufficient_stock", "available", "bundle sale over available"),
    case("sale", {"warehouse_id": Ref("backroom")}, 409, "insufficient_stock", "available", "sale without a level"),
    case("remove", {"warehouse_id": Ref("backroom")}, 409, "insufficient_stock", "available", "remove without a level"),
    case("adjust", {"warehouse_id": Ref("backroom")}, 409, "insufficient_stock", "available", "adjust down without a level"),
    case("transfer", {"warehouse_id": Ref("backroom"), "to_warehouse_id": Ref("main")}, 409, "insufficient_stock", "available",
         "transfer from a warehouse without a level"),
    case("sale", {"product_id": Ref("gift_set"), "warehouse_id": Ref("backroom")}, 409, "insufficient_stock", "available",
         "bundle sale without component levels"),
    case("count", {"warehouse_id": Ref("backroom"), "expected_on_hand": 5}, 409, "stale_quantity", None,
         "count without a level expecting stock"),
    case("count", {"quantity": 3}, 409, "insufficient_stock", None, "count below reserved"),
    case("count", {"expected_on_hand": 9}, 409, "stale_quantity", None, "count with a stale expected_on_hand"),
]


@pytest.mark.parametrize("kind, changes, status, error, field", CASES)
def test_a_bad_movement_is_refused_and_changes_nothing(app, acme, stock, kind, changes, status, error, field):
    before = snapshot(app)
    response = acme.post(MOVEMENTS, json=body(stock, kind, **changes))
    assert (response.status_code, response.json["error"]) == (status, error), response.json
    if status == 422:
        assert list(response.json["errors"]) == [field], response.json
    elif field:
        assert field in response.json["errors"], response.json
    assert snapshot(app) == before


@pytest.mark.parametrize("kind", ["sale", "remove", "adjust", "transfer"])
def test_insufficient_stock_lists_each_short_product_with_what_is_available(acme, stock, kind):
    response = acme.post(MOVEMENTS, json=body(stock, kind, quantity=-7 if kind == "adjust" else 7))
    assert response.json["short"] == [{"product_id": stock.clock, "available": 6, "requested": 7}]


@pytest.mark.parametrize("raw, status, error", [
    (b"{not json", 400, "malformed_json"), (b"", 422, "validation_error"), (b"[]", 422, "validation_error"),
    (b'"receive"', 422, "validation_error"), (b"null", 422, "validation_error"), (b"5", 422, "validation_error"),
])
def test_a_body_that_is_not_a_json_object_is_refused(app, acme, stock, raw, status, error):
    before = snapshot(app)
    response = acme.client.post(MOVEMENTS, data=raw, headers={**acme.headers, "Content-Type": "application/json"})
    assert (response.status_code, response.json["error"]) == (status, error)
    assert snapshot(app) == before


@pytest.mark.parametrize("literal", [b"1e9999999999999999999", b"-1e-9999999999999999999", b"1e309", b"5.0", b"5e0"])
def test_a_quantity_written_as_a_fraction_or_exponent_is_refused(app, acme, stock, literal):
    before = snapshot(app)
    raw = json.dumps(body(stock, "receive", quantity="Q")).encode().replace(b'"Q"', literal)
    response = acme.client.post(MOVEMENTS, data=raw, headers={**acme.headers, "Content-Type": "application/json"})
    assert (response.status_code, list(response.json["errors"])) == (422, ["quantity"])
    assert snapshot(app) == before


def test_an_oversized_body_is_413_and_changes_nothing(app, acme, stock):
    before = snapshot(app)
    response = acme.post(MOVEMENTS, json=body(stock, "receive", reference="x" * (1024 * 1024)))
    assert (response.status_code, response.json["error"]) == (413, "payload_too_large")
    assert snapshot(app) == before


@pytest.mark.parametrize("who, status", [(None, 401), ("nope", 401), ("viewer", 403)])
def test_a_movement_without_a_staff_token_is_refused(app, acme, stock, who, status):
    headers = {"viewer": lambda: acme.add_user("viewer").headers, "nope": lambda: {"Authorization": "Bearer nope"},
               None: dict}[who]()
    before = snapshot(app)
    response = acme.client.post(MOVEMENTS, json=body(stock, "receive"), headers=headers)
    assert response.status_code == status
    assert snapshot(app) == before


# Idempotency-Key


def keyed(account, sent, key):
    return account.client.post(MOVEMENTS, json=sent, headers={**account.headers, "Idempotency-Key": key})


def on_hand(app, product, warehouse):
    with app.app_context():
        return db.session.scalar(sa.select(InventoryLevel.on_hand).where(
            InventoryLevel.product_id == product, InventoryLevel.warehouse_id == warehouse))


def ledger_count(app):
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(StockMovement))


@pytest.mark.parametrize("kind", ["receive", "sale", "transfer"])
def test_the_same_key_and_body_twice_applies_once_and_replays_the_answer(app, acme, stock, kind):
    rows = ledger_count(app)
    first = keyed(acme, body(stock, kind, quantity=2), "retro-clock-1")
    second = keyed(acme, body(stock, kind, quantity=2), "retro-clock-1")
    assert first.status_code == second.status_code == 201
    assert ("Idempotent-Replayed" not in first.headers, second.headers.get("Idempotent-Replayed")) == (True, "true")
    assert second.json == first.json
    assert on_hand(app, stock.clock, stock.main) == 10 + (2 if kind == "receive" else -2)
    assert ledger_count(app) == rows + len(first.json["movements"])


def test_a_replayed_sale_counts_in_daily_sales_once(app, acme, stock):
    for _ in range(2):
        assert keyed(acme, body(stock, "sale", quantity=2), "sale-once").status_code == 201
    with app.app_context():
        assert db.session.scalars(sa.select(DailySale.units)).all() == [2]


@pytest.mark.parametrize("other", [{"quantity": 3}, {"type": "return"}, {"reference": "DN-2"}])
def test_the_same_key_with_another_body_is_refused_and_changes_nothing(app, acme, stock, other):
    assert keyed(acme, body(stock, "receive", quantity=2, reference="DN-1"), "retro-clock-1").status_code == 201
    before = snapshot(app)
    response = keyed(acme, {**body(stock, "receive", quantity=2, reference="DN-1"), **other}, "retro-clock-1")
    assert (response.status_code, response.json["error"]) == (422, "idempotency_key_reused")
    assert snapshot(app) == before


def test_the_same_key_in_another_company_is_another_request(app, acme, globex, stock):
    assert keyed(acme, body(stock, "receive"), "restock-1").status_code == 201
    response = keyed(globex, {"type": "receive", "product_id": stock.globe, "warehouse_id": stock.their_warehouse, "quantity": 1},
                     "restock-1")
    assert (response.status_code, "Idempotent-Replayed" in response.headers) == (201, False)
    assert on_hand(app, stock.globe, stock.their_warehouse) == 6


@pytest.mark.parametrize("key", ["", "k" * 256])
def test_an_idempotency_key_outside_1_to_255_characters_is_refused(app, acme, stock, key):
    before = snapshot(app)
    response = keyed(acme, body(stock, "receive"), key)
    assert (response.status_code, response.json["error"]) == (422, "validation_error")
    assert snapshot(app) == before
