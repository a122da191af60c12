"""CSV exports: `?format=csv` or `Accept: text/csv` on the lists answer every matching row, streamed,
with the lists' filters, and text a spreadsheet would run as a formula neutralised."""

import csv
import io

import pytest

from app.common import pagination
from tests.api.alerting import move, request_alerts, sell
from tests.factories import link_supplier, make_product, make_supplier, make_warehouse


def sheet(response) -> list[dict]:
    assert response.status_code == 200, response.data[:500]
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith("attachment; filename=")
    return list(csv.DictReader(io.StringIO(response.data.decode())))


@pytest.fixture
def small_chunks(monkeypatch):
    """Exports read 2 rows per query, so that a few rows cross several chunks."""
    monkeypatch.setattr(pagination, "EXPORT_CHUNK", 2)


@pytest.mark.usefixtures("small_chunks")
def test_the_products_export_has_every_matching_product_not_one_page(acme, main):
    ids = [make_product(acme, f"P-{n}", {main: n}) for n in range(5)]
    make_product(acme, "ELSEWHERE", {make_warehouse(acme, "Other"): 1})
    rows = sheet(acme.get("/api/products", query_string={"format": "csv", "per_page": 1, "warehouse_id": main}))
    assert [int(row["id"]) for row in rows] == ids
    assert [row["total_on_hand"] for row in rows] == ["0", "1", "2", "3", "4"]
    assert list(rows[0])[:3] == ["id", "sku", "name"]
    by_accept = sheet(acme.client.get("/api/products", headers={**acme.headers, "Accept": "text/csv"}))
    assert len(by_accept) == 6


def test_json_stays_the_default_and_a_bad_format_is_422(acme):
    make_product(acme, "P-1")
    assert acme.client.get("/api/products", headers={**acme.headers, "Accept": "*/*"}).mimetype == "application/json"
    assert acme.get("/api/products", query_string={"format": "json"}).json["total"] == 1
    for bad in ({"format": "xml"}, {"format": "CSV "}):
        response = acme.get("/api/products", query_string=bad)
        assert response.status_code == 422 and "format" in response.json["errors"]


def test_text_that_a_spreadsheet_would_run_is_neutralised_and_numbers_stay_numbers(acme, main):
    names = ["=HYPERLINK(\"http://evil\")", "+cmd", "-2+3", "@SUM(A1)", "Plain = fine"]
    for n, name in enumerate(names):
        product = make_product(acme, f"F-{n}", {main: 5}, name=name)
    move(acme, "adjust", product, main, -3, reason="=1+1 damaged")
    rows = sheet(acme.get("/api/products", query_string={"format": "csv"}))
    assert [row["name"] for row in rows] == ["'" + name for name in names[:-1]] + ["Plain = fine"]
    ledger = sheet(acme.get("/api/inventory/movements", query_string={"format": "csv"}))
    assert ledger[0]["quantity_change"] == "-3" and ledger[0]["reason"] == "'=1+1 damaged"


@pytest.mark.usefixtures("small_chunks")
def test_the_ledger_export_is_newest_first_filtered_and_complete(acme, main):
    product = make_product(acme, "L-1", {main: 100})
    for _ in range(4):
        sell(acme, product, main, 1)
    move(acme, "receive", product, main, 7)
    listed = acme.get("/api/inventory/movements", query_string={"limit": 500}).json["items"]
    rows = sheet(acme.get("/api/inventory/movements", query_string={"format": "csv", "limit": 1}))
    assert [int(row["id"]) for row in rows] == [item["id"] for item in listed]
    assert rows[0]["type"] == "receive" and rows[0]["on_hand_after"] == "103"
    assert rows[0]["occurred_at"].endswith("Z") and "company_id" not in rows[0]
    sales = sheet(acme.get("/api/inventory/movements", query_string={"format": "csv", "type": "sale"}))
    assert [row["quantity_change"] for row in sales] == ["-1"] * 4


def test_the_levels_export_follows_the_filters(acme, main):
    low = make_product(acme, "LOW-1", {main: 1})
    make_product(acme, "HIGH-1", {main: 500})
    rows = sheet(acme.get("/api/inventory", query_string={"format": "csv", "below_threshold": "true"}))
    assert [(int(row["product_id"]), row["sku"], row["available"], row["threshold"]) for row in rows] == [(low, "LOW-1", "1", "10")]


def test_the_alerts_export_matches_the_alerts_in_order(acme, main):
    supplier = make_supplier(acme, "Parts & Co")
    for n in range(4):
        product = make_product(acme, f"A-{n}", {main: 20})
        link_supplier(acme, product, supplier, min_order_qty=5)
        sell(acme, product, main, 12 + n)
    alerts = request_alerts(acme, per_page=200).json["alerts"]
    rows = sheet(acme.get(f"/api/companies/{acme.company_id}/alerts/low-stock", query_string={"format": "csv", "per_page": 1}))
    assert [int(row["level_id"]) for row in rows] == [alert["level_id"] for alert in alerts] and len(rows) == 4
    assert rows[0]["supplier_name"] == "Parts & Co" and rows[0]["supplier_min_order_qty"] == "5"
    assert rows[0]["suggested_reorder_quantity"] == str(alerts[0]["suggested_reorder_quantity"])


@pytest.mark.parametrize("path, checked", [
    ("/api/products", {"page", "per_page"}), ("/api/inventory", {"page", "per_page"}), ("/api/inventory/movements", {"limit"}),
    ("alerts/low-stock", {"page", "per_page"}), ("replenishment", set()),
])
def test_an_export_ignores_paging_arguments_even_out_of_range(acme, main, path, checked):
    make_product(acme, "P-1", {main: 1})
    path = path if path.startswith("/") else f"/api/companies/{acme.company_id}/{path}"
    paging = {"page": 0, "per_page": 1000, "limit": 9999}
    refused = {key for key, value in paging.items() if acme.get(path, query_string={key: value}).status_code == 422}
    assert refused == checked  # the JSON list still checks its own
    sheet(acme.get(path, query_string={"format": "csv", **paging}))
    sheet(acme.client.get(path, query_string=paging, headers={**acme.headers, "Accept": "text/csv"}))


def test_another_companys_export_is_a_json_404(acme, globex):
    for path in ("alerts/low-stock", "replenishment"):
        response = acme.get(f"/api/companies/{globex.company_id}/{path}", query_string={"format": "csv"})
        assert response.status_code == 404 and response.json["error"] == "not_found"


def test_the_replenishment_export_has_a_row_per_line(acme, main):
    supplier = make_supplier(acme, "Parts & Co")
    linked = make_product(acme, "R-1", {main: 2})
    link_supplier(acme, linked, supplier, unit_cost="1.50")
    make_product(acme, "R-2", {main: 1})
    groups = acme.get(f"/api/companies/{acme.company_id}/replenishment").json["suppliers"]
    rows = sheet(acme.get(f"/api/companies/{acme.company_id}/replenishment", query_string={"format": "csv"}))
    assert [(row["sku"], row["supplier_name"], row["quantity"]) for row in rows] == [
        (line["sku"], (group["supplier"] or {}).get("name", ""), str(line["quantity"])) for group in groups for line in group["lines"]]
    assert rows[0]["unit_cost"] == "1.50"


def test_viewers_may_export_and_the_token_is_still_needed(acme, client):
    make_product(acme, "V-1")
    assert len(sheet(acme.add_user("viewer").get("/api/products", query_string={"format": "csv"}))) == 1
    assert client.get("/api/products?format=csv").status_code == 401


def test_cells_neutralise_every_formula_start_and_keep_numbers():
    from decimal import Decimal

    from app.common.csvio import cell
    assert [cell(text) for text in ("=1", "+1", "-1", "@a", "\tx", "\rx", "a=1")] == ["'=1", "'+1", "'-1", "'@a", "'\tx", "'\rx", "a=1"]
    # Text already quoted before a formula start gets one more quote, which the import takes off again.
    assert [cell(text) for text in ("'=1", "''@a", "'a", "'", "'-")] == ["''=1", "'''@a", "'a", "'", "''-"]
    assert [cell(value) for value in (-3, Decimal("-0.50"), 0.25, True, None)] == [-3, Decimal("-0.50"), 0.25, "true", ""]
