"""POST /api/inventory/counts/import: a stock-take sheet as count movements, all or nothing."""

import pytest

from app.inventory import ledger
from tests.dbstate import database_state
from tests.factories import make_bundle, make_product, make_warehouse

pytestmark = pytest.mark.usefixtures("stored_alert_inputs_stay_current")
IMPORT = "/api/inventory/counts/import"


def send(account, text: str):
    return account.post(IMPORT, data=text.encode(), content_type="text/csv")


def on_hand(account, product_id) -> dict:
    return {row["warehouse_id"]: row["on_hand"] for row in account.get("/api/inventory", query_string={"product_id": product_id}).json["items"]}


def test_a_sheet_counts_each_row_by_warehouse_name_or_id(acme, main, backroom):
    clock = make_product(acme, "CLOCK-1", {main: 10})
    lamp = make_product(acme, "LAMP-1", {main: 4})
    response = send(acme, f"sku,warehouse,counted,expected\nclock-1,main,8,10\nLAMP-1,{main},4,\nLAMP-1,BACKROOM,3,\n")
    assert response.status_code == 201, response.json
    rows = [(row["type"], row["product_id"], row["warehouse_id"], row["quantity_change"], row["on_hand_after"], row["reason"])
            for row in response.json["movements"]]
    assert rows == [("count", clock, main, -2, 8, "stock-take import"), ("count", lamp, main, 0, 4, "stock-take import"),
                    ("count", lamp, backroom, 3, 3, "stock-take import")]
    assert len(response.json["levels"]) == 3
    assert on_hand(acme, clock) == {main: 8} and on_hand(acme, lamp) == {main: 4, backroom: 3}


@pytest.mark.parametrize("body, status, slug, key", [
    ("sku,warehouse,counted\nCLOCK-1,Main,5\nNOPE-1,Main,5\n", 422, "validation_error", "3.sku"),
    ("sku,warehouse,counted\nCLOCK-1,Attic,5\n", 422, "validation_error", "2.warehouse"),
    ("sku,warehouse,counted\nCLOCK-1,Main,-1\n", 422, "validation_error", "2.counted"),
    ("sku,warehouse,counted\nCLOCK-1,Main,9223372036854775808\n", 422, "validation_error", "2.counted"),
    ("sku,warehouse,counted\nCLOCK-1,Main,five\n", 422, "validation_error", "2.counted"),
    ("sku,warehouse,counted\nCLOCK-1,Main,5\nclock-1,main,6\n", 422, "validation_error", "3.sku"),
    ("sku,warehouse\nCLOCK-1,Main\n", 422, "validation_error", "1.counted"),
    ("sku,warehouse,counted\n=cmd|' /C calc'!A0,Main,5\n", 422, "validation_error", "2.sku"),
    # The count itself refused, as one count movement would be: named by line and column.
    ("sku,warehouse,counted,expected\nCLOCK-1,Main,5,10\nCLOCK-1,Backroom,1,3\n", 409, "stale_quantity", "3.expected"),
    ("sku,warehouse,counted\nCLOCK-1,Main,5\nKIT-1,Main,1\n", 422, "validation_error", "3.sku"),
])
def test_a_bad_sheet_changes_nothing(app, acme, main, backroom, body, status, slug, key):
    clock = make_product(acme, "CLOCK-1", {main: 10})
    make_bundle(acme, "KIT-1", (clock, 1))
    before = database_state(app)
    response = send(acme, body)
    assert response.status_code == status, response.json
    assert response.json["error"] == slug and key in response.json["errors"], response.json
    assert database_state(app) == before


def test_a_count_below_what_orders_hold_reserved_is_refused_as_one_count_movement_is(app, acme, main):
    clock = make_product(acme, "CLOCK-1", {main: 10})
    order = acme.post("/api/orders", json={"warehouse_id": main, "items": [{"product_id": clock, "quantity": 4}]})
    assert order.status_code == 201, order.json
    before = database_state(app)
    response = send(acme, "sku,warehouse,counted\nCLOCK-1,Main,3\n")
    assert (response.status_code, response.json["error"]) == (409, "insufficient_stock"), response.json
    assert "2.counted" in response.json["errors"]
    assert database_state(app) == before
    assert send(acme, "sku,warehouse,counted\nCLOCK-1,Main,4\n").status_code == 201


def test_an_archived_product_is_named_by_its_line(acme, main):
    product = make_product(acme, "OLD-1", {main: 1})
    acme.delete(f"/api/products/{product}")
    response = send(acme, "sku,warehouse,counted\nOLD-1,Main,0\n")
    assert response.status_code == 422 and response.json["error"] == "validation_error"
    assert response.json["errors"] == {"2.sku": [f"Product {product} is archived: it takes no new movements or orders"]}


def test_another_companys_sku_and_warehouse_are_unknown(acme, globex, main):
    theirs = make_warehouse(globex, "Theirs")
    make_product(globex, "THEIRS-1", {theirs: 1})
    response = send(acme, f"sku,warehouse,counted\nTHEIRS-1,{theirs},0\n")
    assert response.status_code == 422 and set(response.json["errors"]) == {"2.sku", "2.warehouse"}


def test_staff_may_count_viewers_may_not(acme, main):
    make_product(acme, "CLOCK-1", {main: 1})
    assert acme.add_user("viewer").post(IMPORT, data=b"sku,warehouse,counted\nCLOCK-1,Main,2\n", content_type="text/csv").status_code == 403
    assert acme.add_user("staff").post(IMPORT, data=b"sku,warehouse,counted\nCLOCK-1,Main,2\n", content_type="text/csv").status_code == 201


def test_a_sheet_past_the_lock_chunk_locks_by_id_and_creates_levels(acme, main, backroom, monkeypatch):
    """More levels than one locking statement takes: resolved to ids, locked a chunk at a time."""
    monkeypatch.setattr(ledger, "LOCK_CHUNK", 3)
    products = [make_product(acme, f"C-{n}", {main: n}) for n in range(5)]
    body = "sku,warehouse,counted\n" + "".join(f"C-{n},{w},{n + 10}\n" for n in range(5) for w in ("Main", "Backroom"))
    response = send(acme, body)
    assert response.status_code == 201, response.json
    assert [on_hand(acme, product) for product in products] == [{main: n + 10, backroom: n + 10} for n in range(5)]


def test_a_sheet_of_a_header_alone_counts_nothing(app, acme, main):
    make_product(acme, "CLOCK-1", {main: 10})
    before = database_state(app)
    response = send(acme, "sku,warehouse,counted\n")
    assert response.status_code == 201 and response.json == {"movements": [], "levels": []}
    assert database_state(app) == before


def test_a_dry_run_answers_what_the_sheet_would_record_and_writes_nothing(app, acme, main, backroom):
    clock = make_product(acme, "CLOCK-1", {main: 10})
    lamp = make_product(acme, "LAMP-1", {main: 4}, low_stock_threshold=2)
    sheet = f"sku,warehouse,counted,expected\nclock-1,main,8,10\nLAMP-1,{main},4,\nLAMP-1,BACKROOM,3,\n"
    before = database_state(app)
    response = acme.post(IMPORT, data=sheet.encode(), content_type="text/csv", query_string={"dry_run": "true"})
    assert response.status_code == 200, response.json
    assert [(row["id"], row["product_id"], row["warehouse_id"], row["quantity_change"], row["on_hand_after"])
            for row in response.json["movements"]] == [(None, clock, main, -2, 8), (None, lamp, main, 0, 4), (None, lamp, backroom, 3, 3)]
    assert sorted((level["product_id"], level["warehouse_id"], level["on_hand"], level["id"] is None)
                  for level in response.json["levels"]) == sorted(
        [(clock, main, 8, False), (lamp, main, 4, False), (lamp, backroom, 3, True)])  # the lamp's level in Backroom is new
    # Each level as the inventory would show it, the new one too: the company default 10, the lamp's own 2.
    assert sorted((level["sku"], level["warehouse_id"], level["threshold"]) for level in response.json["levels"]) == sorted(
        [("CLOCK-1", main, 10), ("LAMP-1", main, 2), ("LAMP-1", backroom, 2)])
    assert database_state(app) == before
    assert acme.get("/api/events").json["items"] == []
    applied = send(acme, sheet)
    assert applied.status_code == 201
    assert [row["quantity_change"] for row in applied.json["movements"]] == [-2, 0, 3]


@pytest.mark.parametrize("sheet, status, key", [
    ("sku,warehouse,counted,expected\nCLOCK-1,Main,5,9\n", 409, "2.expected"),
    ("sku,warehouse,counted\nCLOCK-1,Main,5\nNOPE-1,Main,5\n", 422, "3.sku"),
])
def test_a_dry_run_refuses_what_the_import_would(app, acme, main, sheet, status, key):
    make_product(acme, "CLOCK-1", {main: 10})
    before = database_state(app)
    response = acme.post(IMPORT, data=sheet.encode(), content_type="text/csv", query_string={"dry_run": "true"})
    assert (response.status_code, list(response.json["errors"])) == (status, [key])
    assert database_state(app) == before
