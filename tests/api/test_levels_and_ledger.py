"""Reading stock levels with their effective threshold, setting the override, and reading the append-only ledger."""

import base64
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.inventory.models import InventoryLevel, StockMovement
from tests.factories import make_product, make_warehouse

LEVEL_KEYS = {"id", "product_id", "sku", "warehouse_id", "on_hand", "reserved", "available", "low_stock_threshold",
              "threshold", "incoming", "reorder_up_to", "updated_at"}
ROW_KEYS = {"id", "type", "product_id", "warehouse_id", "quantity_change", "on_hand_after", "reason", "reference",
            "transfer_id", "order_id", "bundle_id", "purchase_order_id", "user_id", "occurred_at", "created_at"}


def move(account, **body):
    response = account.post("/api/inventory/movements", json=body)
    assert response.status_code == 201, response.json
    return response.json


def levels(account, query=""):
    response = account.get(f"/api/inventory{query}")
    assert response.status_code == 200, response.json
    return response.json


def level_id(app, product, warehouse):
    with app.app_context():
        return db.session.scalar(sa.select(InventoryLevel.id).where(
            InventoryLevel.product_id == product, InventoryLevel.warehouse_id == warehouse))


def ledger(account, query=""):
    response = account.get(f"/api/inventory/movements{query}")
    assert response.status_code == 200, response.json
    return response.json


def ids(items):
    return [item["id"] for item in items]


@pytest.fixture
def shop(acme):
    """RETRO-CLOCK: 10 in Main, 11 in Backroom; LAVA-LAMP: 3 in Main."""
    main, backroom = make_warehouse(acme, "Main"), make_warehouse(acme, "Backroom")
    clock = make_product(acme, "RETRO-CLOCK", {main: 10, backroom: 11})
    lamp = make_product(acme, "LAVA-LAMP", {main: 3})
    return SimpleNamespace(main=main, backroom=backroom, clock=clock, lamp=lamp)


# Levels


def test_levels_list_each_product_and_warehouse_with_sku_and_effective_threshold(acme, shop):
    body = levels(acme)
    assert (body["page"], body["per_page"], body["total"]) == (1, 50, 3)
    assert all(set(level) == LEVEL_KEYS for level in body["items"])
    assert [(level["sku"], level["warehouse_id"], level["on_hand"], level["reserved"], level["available"],
             level["low_stock_threshold"], level["threshold"]) for level in body["items"]] == [
        ("RETRO-CLOCK", shop.main, 10, 0, 10, None, 10), ("RETRO-CLOCK", shop.backroom, 11, 0, 11, None, 10),
        ("LAVA-LAMP", shop.main, 3, 0, 3, None, 10)]
    assert ids(body["items"]) == sorted(ids(body["items"]))
    assert body["items"][0]["updated_at"].endswith("Z")


@pytest.mark.parametrize("query, expected", [
    ("product_id={clock}", [("RETRO-CLOCK", "main"), ("RETRO-CLOCK", "backroom")]),
    ("warehouse_id={main}", [("RETRO-CLOCK", "main"), ("LAVA-LAMP", "main")]),
    ("product_id={clock}&warehouse_id={backroom}", [("RETRO-CLOCK", "backroom")]),
    ("product_id=999999", []),
])
def test_levels_filter_by_product_and_warehouse(acme, shop, query, expected):
    body = levels(acme, "?" + query.format(**vars(shop)))
    assert [(level["sku"], level["warehouse_id"]) for level in body["items"]] == [(sku, getattr(shop, w)) for sku, w in expected]
    assert body["total"] == len(expected)


def test_levels_are_paginated(acme, shop):
    body = levels(acme, "?per_page=2&page=2")
    assert ([level["sku"] for level in body["items"]], body["total"], body["per_page"]) == (["LAVA-LAMP"], 3, 2)


def test_below_threshold_compares_available_not_on_hand_and_includes_equality(acme, shop):
    # Main clock: 10 = threshold 10. Backroom clock: 11 on hand but 2 reserved → 9. Lamp: 3. Outlet clock: 11, above.
    outlet = make_warehouse(acme, "Outlet")
    move(acme, type="receive", product_id=shop.clock, warehouse_id=outlet, quantity=11)
    order = acme.post("/api/orders", json={"warehouse_id": shop.backroom, "items": [{"product_id": shop.clock, "quantity": 2}]})
    assert order.status_code == 201, order.json
    below = levels(acme, "?below_threshold=true")["items"]
    assert [(level["sku"], level["warehouse_id"], level["available"]) for level in below] == [
        ("RETRO-CLOCK", shop.main, 10), ("RETRO-CLOCK", shop.backroom, 9), ("LAVA-LAMP", shop.main, 3)]
    assert [level["warehouse_id"] for level in levels(acme, "?below_threshold=false")["items"]] == [outlet]


@pytest.mark.parametrize("company, product_type, product, level, effective", [
    (None, None, None, None, 10),
    (8, None, None, None, 8),
    (8, 5, None, None, 5),
    (8, 5, 2, None, 2),
    (8, 5, 2, 7, 7),
    (None, None, None, 0, 0),
    (None, 0, None, None, 0),
])
def test_the_effective_threshold_is_level_then_product_then_type_then_company(app, acme, company, product_type, product, level, effective):
    if company is not None:
        assert acme.patch(f"/api/companies/{acme.company_id}", json={"settings": {"default_low_stock_threshold": company}}).status_code == 200
    extra = {"low_stock_threshold": product}
    if product_type is not None:
        created = acme.post("/api/product-types", json={"name": "Wall Clocks", "low_stock_threshold": product_type})
        extra["product_type_id"] = created.json["id"]
    main = make_warehouse(acme)
    level_ = level_id(app, make_product(acme, "RETRO-CLOCK", {main: 1}, **extra), main)
    if level is not None:
        assert acme.patch(f"/api/inventory/{level_}", json={"low_stock_threshold": level}).status_code == 200
    body = acme.get(f"/api/inventory/{level_}").json
    assert (body["threshold"], body["low_stock_threshold"]) == (effective, level)


@pytest.mark.parametrize("query, field", [
    ("below_threshold=maybe", "below_threshold"), ("product_id=abc", "product_id"), ("warehouse_id=1.5", "warehouse_id"),
    ("per_page=201", "per_page"), ("per_page=0", "per_page"), ("page=0", "page"),
])
def test_bad_level_list_arguments_are_refused_naming_the_argument(acme, shop, query, field):
    response = acme.get(f"/api/inventory?{query}")
    assert (response.status_code, response.json["error"], list(response.json["errors"])) == (422, "validation_error", [field])


def test_one_level_is_read_by_id(app, acme, shop):
    body = acme.get(f"/api/inventory/{level_id(app, shop.lamp, shop.main)}").json
    assert set(body) == LEVEL_KEYS
    assert (body["sku"], body["warehouse_id"], body["on_hand"], body["threshold"]) == ("LAVA-LAMP", shop.main, 3, 10)


def test_a_manager_sets_and_clears_a_level_override(app, acme, shop):
    manager, level_ = acme.add_user("manager"), level_id(app, shop.clock, shop.main)
    set_ = manager.patch(f"/api/inventory/{level_}", json={"low_stock_threshold": 25})
    assert (set_.status_code, set_.json["low_stock_threshold"], set_.json["threshold"]) == (200, 25, 25)
    cleared = manager.patch(f"/api/inventory/{level_}", json={"low_stock_threshold": None})
    assert (cleared.status_code, cleared.json["low_stock_threshold"], cleared.json["threshold"]) == (200, None, 10)


@pytest.mark.parametrize("body, field", [
    ({}, "low_stock_threshold"), ({"low_stock_threshold": -1}, "low_stock_threshold"),
    ({"low_stock_threshold": True}, "low_stock_threshold"), ({"low_stock_threshold": "5"}, "low_stock_threshold"),
    ({"low_stock_threshold": 2.5}, "low_stock_threshold"), ({"low_stock_threshold": 1_000_000_001}, "low_stock_threshold"), ({"low_stock_threshold": 5, "on_hand": 99}, "on_hand"),
])
def test_a_bad_level_patch_is_refused_naming_the_field_and_changes_nothing(app, acme, shop, body, field):
    level_ = level_id(app, shop.clock, shop.main)
    acme.patch(f"/api/inventory/{level_}", json={"low_stock_threshold": 4})
    response = acme.patch(f"/api/inventory/{level_}", json=body)
    assert (response.status_code, response.json["error"]) == (422, "validation_error")
    assert list(response.json["errors"]) == [field]
    after = acme.get(f"/api/inventory/{level_}").json
    assert (after["low_stock_threshold"], after["on_hand"]) == (4, 10)


@pytest.mark.parametrize("role", ["staff", "viewer"])
def test_only_managers_may_set_a_level_override(app, acme, shop, role):
    level_ = level_id(app, shop.clock, shop.main)
    response = acme.add_user(role).patch(f"/api/inventory/{level_}", json={"low_stock_threshold": 3})
    assert (response.status_code, response.json["error"]) == (403, "forbidden")
    assert acme.get(f"/api/inventory/{level_}").json["low_stock_threshold"] is None


@pytest.mark.parametrize("method", ["get", "patch"])
def test_an_unknown_level_is_not_found(acme, shop, method):
    response = getattr(acme, method)("/api/inventory/999999", json={"low_stock_threshold": 1} if method == "patch" else None)
    assert (response.status_code, response.json["error"]) == (404, "not_found")


@pytest.mark.parametrize("method", ["get", "patch"])
def test_another_company_s_level_is_not_found(app, acme, globex, shop, method):
    level_ = level_id(app, shop.clock, shop.main)
    response = getattr(globex, method)(f"/api/inventory/{level_}", json={"low_stock_threshold": 1} if method == "patch" else None)
    assert (response.status_code, response.json["error"]) == (404, "not_found")
    assert acme.get(f"/api/inventory/{level_}").json["low_stock_threshold"] is None


def test_a_viewer_reads_levels_and_the_ledger(acme, shop):
    viewer = acme.add_user("viewer")
    assert levels(viewer)["total"] == 3
    assert len(ledger(viewer)["items"]) == 3


# The ledger


def test_the_ledger_lists_every_row_newest_first(acme, shop):
    move(acme, type="sale", product_id=shop.lamp, warehouse_id=shop.main, quantity=1, reference="INV-7")
    body = ledger(acme)
    assert body["next_cursor"] is None
    assert all(set(row) == ROW_KEYS for row in body["items"])
    assert [(row["type"], row["product_id"], row["warehouse_id"], row["quantity_change"], row["on_hand_after"])
            for row in body["items"]] == [("sale", shop.lamp, shop.main, -1, 2), ("receive", shop.lamp, shop.main, 3, 3),
                                          ("receive", shop.clock, shop.backroom, 11, 11), ("receive", shop.clock, shop.main, 10, 10)]
    assert ids(body["items"]) == sorted(ids(body["items"]), reverse=True)


@pytest.mark.parametrize("query, expected", [
    ("product_id={clock}", [("receive", "clock", "backroom"), ("receive", "clock", "main")]),
    ("warehouse_id={main}", [("sale", "lamp", "main"), ("receive", "lamp", "main"), ("receive", "clock", "main")]),
    ("type=sale", [("sale", "lamp", "main")]),
    ("type=receive&warehouse_id={main}&product_id={lamp}", [("receive", "lamp", "main")]),
    ("type=transfer", []),
])
def test_the_ledger_filters_by_product_warehouse_and_type(acme, shop, query, expected):
    move(acme, type="sale", product_id=shop.lamp, warehouse_id=shop.main, quantity=1)
    items = ledger(acme, "?" + query.format(**vars(shop)))["items"]
    assert [(row["type"], row["product_id"], row["warehouse_id"]) for row in items] == [
        (kind, getattr(shop, product), getattr(shop, warehouse)) for kind, product, warehouse in expected]


@pytest.mark.parametrize("query, days", [
    ("since=2025-03-02T00:00:00Z", [3, 2]),
    ("until=2025-03-02T12:00:00Z", [2, 1]),
    ("since=2025-03-02T12:00:00Z&until=2025-03-02T12:00:00Z", [2]),
    ("since=2025-03-02T14:00:00%2B02:00&until=2025-03-03", [2]),
    ("since=2025-03-04T00:00:00Z", []),
])
def test_since_and_until_filter_on_occurred_at_inclusively(acme, shop, query, days):
    for day in (1, 2, 3):
        move(acme, type="receive", product_id=shop.lamp, warehouse_id=shop.backroom, quantity=day,
             occurred_at=f"2025-03-0{day}T12:00:00Z")
    items = ledger(acme, f"?warehouse_id={shop.backroom}&product_id={shop.lamp}&" + query)["items"]
    assert [row["quantity_change"] for row in items] == days


@pytest.mark.parametrize("small_window", [5_000, 1], ids=["window-read-by-index", "window-read-by-walking-back"])
def test_a_time_window_over_the_whole_company_lists_the_same_rows_either_way(acme, shop, monkeypatch, small_window):
    monkeypatch.setattr("app.inventory.service.SMALL_WINDOW", small_window)
    for day in (1, 2, 3, 4):
        move(acme, type="receive", product_id=shop.lamp, warehouse_id=shop.backroom, quantity=day,
             occurred_at=f"2025-03-0{day}T12:00:00Z")
    first = ledger(acme, "?since=2025-03-02T00:00:00Z&until=2025-03-04T00:00:00Z&limit=1")
    rest = ledger(acme, f"?since=2025-03-02T00:00:00Z&until=2025-03-04T00:00:00Z&limit=1&cursor={first['next_cursor']}")
    assert [row["quantity_change"] for row in first["items"] + rest["items"]] == [3, 2]
    assert rest["next_cursor"] is None


def test_limit_defaults_to_50_and_the_cursor_leads_to_the_rest(acme, shop):
    for _ in range(48):
        move(acme, type="receive", product_id=shop.lamp, warehouse_id=shop.main, quantity=1)
    first = ledger(acme)
    assert (len(first["items"]), isinstance(first["next_cursor"], str)) == (50, True)
    rest = ledger(acme, f"?cursor={first['next_cursor']}")
    assert (len(rest["items"]), rest["next_cursor"]) == (1, None)
    assert rest["items"][0]["id"] < first["items"][-1]["id"]


@pytest.mark.parametrize("extra_rows, page_sizes", [(2, [2, 2, 1]), (1, [2, 2])])
def test_pages_walk_the_whole_ledger_once_and_the_last_has_no_cursor(acme, shop, extra_rows, page_sizes):
    for _ in range(extra_rows):
        move(acme, type="receive", product_id=shop.lamp, warehouse_id=shop.main, quantity=1)
    everything, seen, sizes, cursor = ids(ledger(acme)["items"]), [], [], None
    while True:
        page = ledger(acme, "?limit=2" + (f"&cursor={cursor}" if cursor else ""))
        seen, cursor = seen + ids(page["items"]), page["next_cursor"]
        sizes.append(len(page["items"]))
        if cursor is None:
            break
    assert (seen, sizes) == (everything, page_sizes)


def test_rows_recorded_after_the_first_page_never_appear_on_later_pages(acme, shop):
    for _ in range(3):
        move(acme, type="receive", product_id=shop.lamp, warehouse_id=shop.main, quantity=1)
    before = ids(ledger(acme)["items"])
    first = ledger(acme, "?limit=2")
    for _ in range(3):
        move(acme, type="sale", product_id=shop.lamp, warehouse_id=shop.main, quantity=1)
    second = ledger(acme, f"?limit=2&cursor={first['next_cursor']}")
    third = ledger(acme, f"?limit=10&cursor={second['next_cursor']}")
    assert ids(first["items"]) + ids(second["items"]) + ids(third["items"]) == before
    assert third["next_cursor"] is None


def test_a_cursor_pages_within_the_filters_it_is_used_with(acme, shop):
    for _ in range(3):
        move(acme, type="sale", product_id=shop.clock, warehouse_id=shop.main, quantity=1)
    first = ledger(acme, f"?product_id={shop.clock}&warehouse_id={shop.main}&limit=2")
    rest = ledger(acme, f"?product_id={shop.clock}&warehouse_id={shop.main}&limit=2&cursor={first['next_cursor']}")
    assert [row["on_hand_after"] for row in first["items"] + rest["items"]] == [7, 8, 9, 10]
    assert rest["next_cursor"] is None


@pytest.mark.parametrize("query, field", [
    ("cursor=garbage", "cursor"), ("cursor=!!!", "cursor"), ("cursor=", "cursor"), ("cursor=eDU", "cursor"),
    ("cursor=bWFiYw", "cursor"), ("limit=0", "limit"), ("limit=501", "limit"), ("limit=-1", "limit"), ("limit=ten", "limit"),
    ("type=steal", "type"), ("since=yesterday", "since"), ("until=2025-13-01", "until"), ("product_id=abc", "product_id"),
    ("warehouse_id=1.5", "warehouse_id"),
])
def test_bad_ledger_arguments_are_refused_naming_the_argument(acme, shop, query, field):
    response = acme.get(f"/api/inventory/movements?{query}")
    assert (response.status_code, response.json["error"]) == (422, "validation_error")
    assert list(response.json["errors"]) == [field]


def test_limit_500_is_allowed(acme, shop):
    assert len(ledger(acme, "?limit=500")["items"]) == 3


@pytest.mark.parametrize("path", ["/api/inventory/movements", "/api/inventory"])
@pytest.mark.parametrize("field", ["product_id", "warehouse_id"])
def test_a_filter_id_beyond_64_bits_is_refused_naming_the_parameter(acme, shop, path, field):
    response = acme.get(f"{path}?{field}={2**64}")
    assert (response.status_code, response.json["error"]) == (422, "validation_error")
    assert field in response.json["errors"]


@pytest.mark.parametrize("position", [str(2**64), "1_0", " 1", "+1", "١"])
def test_a_forged_cursor_is_refused_not_read_as_a_position(acme, shop, position):
    # Beyond 64 bits (once a server error), or what int() would take but is no position we write.
    forged = base64.urlsafe_b64encode(f"m{position}".encode()).decode().rstrip("=")
    response = acme.get(f"/api/inventory/movements?cursor={forged}")
    assert response.status_code == 422, response.json
    assert "cursor" in response.json["errors"]


def test_the_ledger_shows_only_the_company_s_own_rows(acme, globex, shop):
    globe = make_product(globex, "GLOBEX-GLOBE", {make_warehouse(globex): 5})
    assert [row["product_id"] for row in ledger(globex)["items"]] == [globe]
    assert globe not in [row["product_id"] for row in ledger(acme)["items"]]
    assert ledger(globex, f"?product_id={shop.clock}")["items"] == []


@pytest.mark.parametrize("method", ["put", "patch", "delete", "post"])
def test_no_endpoint_edits_or_deletes_a_ledger_row(app, acme, shop, method):
    row = ledger(acme)["items"][-1]
    response = getattr(acme, method)(f"/api/inventory/movements/{row['id']}", json={"quantity_change": 99})
    assert response.status_code in (404, 405)
    assert response.json["error"] in ("not_found", "method_not_allowed")
    with app.app_context():
        stored = db.session.get(StockMovement, row["id"])
        assert (stored.quantity_change, stored.on_hand_after) == (row["quantity_change"], row["on_hand_after"])
    assert ledger(acme)["items"][-1] == row
