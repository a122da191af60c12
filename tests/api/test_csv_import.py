"""POST /api/products/import: a CSV sheet of products, created or updated by SKU, all or nothing."""

import datetime as dt
import io

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.inventory.models import InventoryLevel

from tests.dbstate import database_state
from tests.factories import create_product, link_supplier, make_product, make_product_type, make_supplier

pytestmark = pytest.mark.usefixtures("stored_alert_inputs_stay_current")
IMPORT = "/api/products/import"


def send(account, text: str | bytes, query=None, content_type="text/csv"):
    body = text.encode() if isinstance(text, str) else text
    return account.post(IMPORT, data=body, content_type=content_type, query_string=query or {})


def products(account) -> dict:
    items = account.get("/api/products", query_string={"per_page": 200}).json["items"]
    return {item["sku"]: item for item in items}


def links(account, product_id) -> list:
    return account.get(f"/api/products/{product_id}/suppliers").json["items"]


def test_an_import_creates_products_with_their_types_and_suppliers(acme):
    response = send(acme, (
        "sku,name,price,description,product_type,low_stock_threshold,supplier,supplier_sku,unit_cost,lead_time_days,min_order_qty,order_multiple\r\n"
        "WID-001,Widget,19.99,A widget,Gadgets,5,Acme Parts,AP-1,7.50,12,10,5\r\n"
        "WID-002,\"Widget, large\",24,,gadgets,,Acme Parts,,,,,\r\n"
        "WID-003,Plain,0.5,,,,,,,,,\r\n"
    ))
    assert response.status_code == 200, response.json
    assert response.json == {"created": 3, "updated": 0, "unchanged": 0, "dry_run": False}
    catalogue = products(acme)
    assert catalogue["WID-001"]["price"] == "19.99" and catalogue["WID-001"]["low_stock_threshold"] == 5
    assert catalogue["WID-002"]["name"] == "Widget, large" and catalogue["WID-002"]["price"] == "24.00"
    assert catalogue["WID-003"]["product_type_id"] is None and catalogue["WID-003"]["description"] is None
    types = acme.get("/api/product-types").json["items"]
    assert [(t["name"], t["low_stock_threshold"]) for t in types] == [("Gadgets", 10)]  # the company default
    assert catalogue["WID-001"]["product_type_id"] == catalogue["WID-002"]["product_type_id"] == types[0]["id"]
    suppliers = acme.get("/api/suppliers").json["items"]
    assert [s["name"] for s in suppliers] == ["Acme Parts"]
    [link] = links(acme, catalogue["WID-001"]["id"])
    assert (link["supplier_sku"], link["unit_cost"], link["lead_time_days"], link["min_order_qty"], link["order_multiple"],
            link["is_primary"]) == ("AP-1", "7.50", 12, 10, 5, True)
    [link] = links(acme, catalogue["WID-002"]["id"])
    assert (link["min_order_qty"], link["order_multiple"], link["unit_cost"], link["is_primary"]) == (1, 1, None, True)
    assert links(acme, catalogue["WID-003"]["id"]) == []


def test_an_import_updates_by_sku_and_an_empty_cell_keeps_the_value(acme):
    supplier = make_supplier(acme, "Old Supplier")
    kept = make_product(acme, "KEEP-1", price="3.00", description="stays")
    changed = make_product(acme, "CHG-1", price="5.00", supplier_id=supplier)
    response = send(acme, (
        "sku,name,price,description,supplier,unit_cost\n"
        "keep-1,Keep-1,,,,\n"  # same name (as the factory wrote it), price and description kept
        "CHG-1,Renamed,6.25,,New Supplier,2.00\n"
        "NEW-1,Fresh,1.00,,,\n"
    ))
    assert response.status_code == 200, response.json
    assert response.json == {"created": 1, "updated": 1, "unchanged": 1, "dry_run": False}
    catalogue = products(acme)
    assert catalogue["KEEP-1"]["id"] == kept and catalogue["KEEP-1"]["description"] == "stays" and catalogue["KEEP-1"]["price"] == "3.00"
    assert (catalogue["CHG-1"]["name"], catalogue["CHG-1"]["price"]) == ("Renamed", "6.25")
    # A second supplier: linked, not primary, since the product has one.
    assert [(link["supplier_name"], link["is_primary"], link["unit_cost"]) for link in links(acme, changed)] == [
        ("Old Supplier", True, None), ("New Supplier", False, "2.00")]
    again = send(acme, "sku,name,price,supplier,unit_cost\nCHG-1,Renamed,6.25,new supplier,2.00\n")
    assert again.json == {"created": 0, "updated": 0, "unchanged": 1, "dry_run": False}


def test_a_products_export_imports_back_unchanged(acme, main):
    gadgets = make_product_type(acme, "Gadgets", 4)
    supplier = make_supplier(acme, "Parts & Co")
    product = make_product(acme, "RT-1", {main: 3}, price="2.50", product_type_id=gadgets, low_stock_threshold=2)
    link_supplier(acme, product, supplier, unit_cost="1.25", min_order_qty=6)
    make_product(acme, "RT-2", price="1.00", name="=HYPERLINK(\"x\")")
    exported = acme.get("/api/products", query_string={"format": "csv"})
    assert exported.status_code == 200 and exported.mimetype == "text/csv"
    back = send(acme, exported.data)
    assert back.status_code == 200, back.json
    assert back.json == {"created": 0, "updated": 0, "unchanged": 2, "dry_run": False}


def test_a_dry_run_counts_and_writes_nothing(app, acme):
    make_product(acme, "WID-001", price="1.00")
    before = database_state(app)
    response = send(acme, "sku,name,price,product_type,supplier\nWID-001,Widget,2.00,New Type,New Supplier\nWID-002,Other,3,,\n",
                    query={"dry_run": "true"})
    assert response.status_code == 200, response.json
    assert response.json == {"created": 1, "updated": 1, "unchanged": 0, "dry_run": True}
    assert database_state(app) == before
    refused = send(acme, "sku,name,price\nWID-003,Bad,abc\n", query={"dry_run": "true"})
    assert refused.status_code == 422 and refused.json["errors"] == {"2.price": ["Not a valid amount."]}
    assert database_state(app) == before


@pytest.mark.parametrize("body, key, fragment", [
    # One bad row among good ones: named by line (the header is line 1) and column.
    ("sku,name,price\nA-1,Good,1.00\nA-2,Bad,1.234\n", "3.price", "2 decimal places"),
    ("sku,name,price\nA-1,Good,1.00\nA-1,Again,2.00\n", "3.sku", "first on line 2"),
    ("sku,name,price\nA-1,Good,1.00\na-1,Again,2.00\n", "3.sku", "first on line 2"),
    ("sku,name,price\nA 1,Good,1.00\n", "2.sku", "Not a valid SKU"),
    ("sku,name,price\nA-1,,1.00\n", "2.name", "Required for a new product"),
    ("sku,name,price\nA-1,Good,\n", "2.price", "Required for a new product"),
    ("sku,name,price,low_stock_threshold\nA-1,Good,1,9223372036854775808\n", "2.low_stock_threshold", "less than or equal to 1000000000"),
    ("sku,name,price,low_stock_threshold\nA-1,Good,1,1.0\n", "2.low_stock_threshold", "Not a valid integer"),
    ("sku,name,price,low_stock_threshold\nA-1,Good,1,-1\n", "2.low_stock_threshold", "greater than or equal to 0"),
    ("sku,name,price\nA-1,=1+2,1.00\n", "2.name", "formula"),
    ("sku,name,price\nA-1,@SUM(A1),1.00\n", "2.name", "formula"),
    # Also in a column the import reads past (an export's id, is_active, totals …).
    ("sku,name,price,id,is_active\nA-1,Good,1.00,=cmd|'/C calc'!A0,true\n", "2.id", "formula"),
    ("sku,name,price,is_active\nA-1,Good,1.00,@SUM(1)\n", "2.is_active", "formula"),
    ("sku,name,price\nA-1,Good,-1\n", "2.price", "between 0"),
    ("sku,name,price,unit_cost\nA-1,Good,1,2.00\n", "2.supplier", "Needed for unit_cost"),
    ("sku,name,price\nA-1,Good\n", "2", "2 cells where the header has 3"),
    ("sku,name\nA-1,Good\n", "1.price", "Missing column"),
    ("sku,name,price,colour\nA-1,Good,1,red\n", "1.colour", "Unknown column"),
    ("sku,name,price,price\nA-1,Good,1,2\n", "1.price", "appears twice"),
    ("sku;name;price\nA-1;Good;1\n", "1", "separate them with commas"),
    ("", "1", "header row is needed"),
    (b"sku,name,price\nA-1,G\xe9ant,1\n", "2", "UTF-8"),
    ("sku,name,price\nA-1,\"unclosed,1\n", "2", "Not valid CSV"),
])
def test_a_bad_file_is_refused_naming_line_and_column_and_nothing_changes(app, acme, body, key, fragment):
    make_product(acme, "KEEP-1", price="3.00")
    before = database_state(app)
    response = send(acme, body)
    assert response.status_code == 422, response.json
    assert response.json["error"] == "validation_error"
    assert key in response.json["errors"], response.json
    assert fragment in " ".join(response.json["errors"][key]), response.json
    assert database_state(app) == before


def test_a_sku_of_another_company_is_refused(app, acme, globex):
    make_product(globex, "THEIRS-1")
    before = database_state(app)
    response = send(acme, "sku,name,price\nMINE-1,Mine,1\ntheirs-1,Theirs,1\n")
    assert response.status_code == 422
    assert response.json["errors"] == {"3.sku": ["Already in use by another company: SKUs are unique across the platform."]}
    assert database_state(app) == before


def test_a_supplier_name_two_suppliers_share_is_refused_unless_the_product_is_linked_to_one(app, acme):
    first, second = make_supplier(acme, "Twin"), make_supplier(acme, "twin")
    linked = make_product(acme, "LINKED-1", price="1.00")
    link_supplier(acme, linked, second, unit_cost="2.00")
    before = database_state(app)
    response = send(acme, "sku,name,price,supplier\nA-1,A,1,TWIN\n")  # a new product: which twin?
    assert response.status_code == 422 and list(response.json["errors"]) == ["2.supplier"]
    assert database_state(app) == before
    response = send(acme, "sku,name,price,supplier,unit_cost\nLINKED-1,,,TWIN,2.50\n")  # the twin it is linked to
    assert response.json == {"created": 0, "updated": 1, "unchanged": 0, "dry_run": False}
    assert [(link["supplier_id"], link["unit_cost"]) for link in links(acme, linked)] == [(second, "2.50")]
    assert first not in [link["supplier_id"] for link in links(acme, linked)]


def test_an_export_naming_suppliers_that_share_a_name_imports_back_unchanged(app, acme, main):
    first, second = make_supplier(acme, "Acme Parts"), make_supplier(acme, "Acme Parts")
    for sku, supplier in (("P-1", first), ("P-2", second)):
        link_supplier(acme, make_product(acme, sku, {main: 5}, low_stock_threshold=2), supplier, unit_cost="1.00")
    with app.app_context():  # an earlier second than the import's, so that a rewrite would show
        db.session.execute(sa.update(InventoryLevel).values(updated_at=dt.datetime(2026, 1, 1)))
        db.session.commit()
    before = database_state(app)
    back = send(acme, acme.get("/api/products", query_string={"format": "csv"}).data)
    assert back.json == {"created": 0, "updated": 0, "unchanged": 2, "dry_run": False}, back.json
    assert database_state(app) == before  # the levels' updated_at too: no alert threshold moved


def test_a_bom_a_quoted_formula_and_a_multipart_upload_are_accepted(acme):
    response = send(acme, "\ufeffsku,name,price\nA-1,'=not a formula,1\nA-3,'+44 line,3\n")
    assert response.status_code == 200, response.json
    catalogue = products(acme)
    assert catalogue["A-1"]["name"] == "=not a formula" and catalogue["A-3"]["name"] == "+44 line"
    upload = acme.post(IMPORT, data={"file": (io.BytesIO(b"sku,name,price\nA-4,Four,4\n"), "sheet.csv")},
                       content_type="multipart/form-data")
    assert upload.status_code == 200 and upload.json["created"] == 1


def test_an_upload_of_two_files_or_none_is_refused(app, acme):
    before = database_state(app)
    sheets = [(io.BytesIO(b"sku,name,price\nA-1,One,1\n"), "one.csv"), (io.BytesIO(b"sku,name,price\nA-2,Two,bad\n"), "two.csv")]
    for data in ({"file": sheets}, {"note": "no file"}):
        response = acme.post(IMPORT, data=data, content_type="multipart/form-data")
        assert (response.status_code, list(response.json["errors"])) == (422, ["file"]), response.json
    assert database_state(app) == before


def test_an_exported_sheet_imports_back_unchanged_whatever_quotes_and_formula_starts_its_text_holds(acme):
    names = ["=SUM(A1)", "'=quoted", "''+twice", "'plain", "-dash", "@at", "'"]
    for number, name in enumerate(names):
        make_product(acme, f"RT-{number}", name=name)
    exported = acme.get("/api/products", query_string={"format": "csv"}).get_data(as_text=True)
    assert "''=quoted" in exported and "'''+twice" in exported
    response = send(acme, exported)
    assert response.status_code == 200, response.json
    assert response.json == {"created": 0, "updated": 0, "unchanged": len(names), "dry_run": False}
    assert [products(acme)[f"RT-{number}"]["name"] for number in range(len(names))] == names
    # Typed by hand: `''=…` is the text `'=…`.
    assert send(acme, "sku,name,price\nRT-0,''=typed,1\n").status_code == 200
    assert products(acme)["RT-0"]["name"] == "'=typed"


def test_sizes_over_the_limits_are_413_and_change_nothing(app, acme, monkeypatch):
    from app.common import csvio
    before = database_state(app)
    too_big = send(acme, "sku,name,price\n" + "A-1,x,1\n" * (10 * 1024 * 1024 // 8 + 1))
    assert too_big.status_code == 413 and too_big.json["error"] == "payload_too_large"
    assert "10 MiB" in too_big.json["message"]
    monkeypatch.setattr(csvio, "MAX_IMPORT_ROWS", 3)
    too_many = send(acme, "sku,name,price\nA-1,a,1\nA-2,a,1\nA-3,a,1\nA-4,a,1\n")
    assert too_many.status_code == 413 and too_many.json["error"] == "payload_too_large"
    assert database_state(app) == before
    # A JSON body elsewhere keeps its 1 MiB limit.
    assert acme.post("/api/warehouses", data="x" * (1024 * 1024 + 1), content_type="application/json").status_code == 413


def test_only_managers_import(acme):
    staff = acme.add_user("staff")
    assert staff.post(IMPORT, data=b"sku,name,price\nA-1,a,1\n", content_type="text/csv").status_code == 403
    assert acme.add_user("manager").post(IMPORT, data=b"sku,name,price\nA-1,a,1\n", content_type="text/csv").status_code == 200


def test_a_threshold_change_by_import_moves_the_alert_threshold(acme, main):
    product = create_product(acme, "TH-1", {main: 5}, low_stock_threshold=2)
    response = send(acme, "sku,name,price,low_stock_threshold\nTH-1,,,7\n")
    assert response.json["updated"] == 1
    [level] = acme.get("/api/inventory", query_string={"product_id": product["id"]}).json["items"]
    assert level["threshold"] == 7
    typed = send(acme, "sku,name,price,product_type\nTH-1,,,Strict\n")
    assert typed.json["updated"] == 1


def test_every_problem_of_the_file_is_answered_at_once(acme):
    response = send(acme, "sku,name,price\nA-1,=cmd,1.00\nA-2,Fine,1.234\nA-3,Short\nA-4,Good,1\na-4,Again,1\n")
    assert response.status_code == 422
    assert set(response.json["errors"]) == {"2.name", "3.price", "4", "6.sku"}, response.json
    response = send(acme, "sku,name,price\nB-1,First,bad\nb-1,Again,1\n")  # a SKU repeating a line with a bad cell
    assert set(response.json["errors"]) == {"2.price", "3.sku"}, response.json


def test_a_header_of_thousands_of_columns_is_refused_at_once(acme):
    response = send(acme, "sku,name,price" + "," * 100_000 + "\nA-1,a,1\n")
    assert response.status_code == 422
    assert list(response.json["errors"]) == ["1"] and "100,003 columns" in response.json["errors"]["1"][0]


def test_a_nul_character_in_a_cell_is_refused_naming_its_line_and_column(app, acme):
    before = database_state(app)
    response = send(acme, "sku,name,price\nNUL-1,Plain,1.00\nNUL-2,Bad\0Name,2.00\n")
    assert response.status_code == 422, response.json
    assert list(response.json["errors"]) == ["3.name"] and "NUL" in response.json["errors"]["3.name"][0]
    assert database_state(app) == before
