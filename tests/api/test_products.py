"""Products: the case-study endpoint with its stock, ledger and supplier link in one transaction."""

import json
import threading
import time
from decimal import Decimal

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.inventory import service as inventory_service
from app.inventory.models import InventoryLevel, StockMovement
from app.products.models import Product
from app.suppliers import service as supplier_service
from app.suppliers.models import ProductSupplier

REAL_PLACE_INITIAL_STOCK = inventory_service.place_initial_stock
REAL_LINK = supplier_service.link
MISSING = 999_999
CLOCK = {"name": "Retro Clock", "sku": "RETRO-CLOCK", "price": "19.99"}
NOTHING = {"Product": 0, "InventoryLevel": 0, "StockMovement": 0, "ProductSupplier": 0}


def created(account, path, body):
    response = account.post(path, json=body)
    assert response.status_code == 201, response.json
    return response.json


def warehouse(account, name="Main"):
    return created(account, "/api/warehouses", {"name": name})["id"]


def supplier(account, name="Clockmakers Ltd"):
    return created(account, "/api/suppliers", {"name": name})["id"]


def product_type(account, name="Wall Clocks", threshold=5):
    return created(account, "/api/product-types", {"name": name, "low_stock_threshold": threshold})["id"]


def create_clock(account, **overrides):
    return created(account, "/api/products", {**CLOCK, **overrides})


def assert_refused(response, status, error, fields=None):
    assert (response.status_code, response.json["error"]) == (status, error), response.json
    if fields is not None:
        assert sorted(response.json["errors"]) == sorted(fields), response.json


def rows(app, model, *where) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def catalog_rows(app) -> dict:
    return {model.__name__: rows(app, model) for model in (Product, InventoryLevel, StockMovement, ProductSupplier)}


def statements_during(app, request):
    """The SQL statements the engine executes while `request()` runs, and the response."""
    with app.app_context():
        engine = db.engine
    executed = []

    def counter(conn, cursor, statement, parameters, context, executemany):
        executed.append(statement)

    sa.event.listen(engine, "before_cursor_execute", counter)
    try:
        return executed, request()
    finally:
        sa.event.remove(engine, "before_cursor_execute", counter)


@pytest.mark.parametrize("optional", [{}, {"description": None, "product_type_id": None, "low_stock_threshold": None}])
def test_a_product_needs_only_name_sku_and_price_and_answers_with_the_original_keys(acme, optional):
    response = acme.post("/api/products", json={**CLOCK, **optional})
    assert response.status_code == 201
    body = response.json
    assert (body["product_id"], body["message"]) == (body["id"], "Product created")
    assert {k: body[k] for k in ("sku", "name", "description", "price", "product_type_id", "low_stock_threshold")} == {
        **CLOCK, "description": None, "product_type_id": None, "low_stock_threshold": None}
    assert (body["is_bundle"], body["is_active"], body["inventory"], body["total_on_hand"], body["total_available"]) == (
        False, True, [], 0, 0)
    assert body["created_at"].endswith("Z") and body["updated_at"].endswith("Z")


def test_the_original_client_shape_places_stock_in_one_warehouse(acme):
    main = warehouse(acme)
    body = create_clock(acme, warehouse_id=main, initial_quantity=25)
    assert body["inventory"] == [{"warehouse_id": main, "on_hand": 25, "reserved": 0, "available": 25, "incoming": 0}]
    assert (body["total_on_hand"], body["total_available"]) == (25, 25)


def test_an_inventory_list_places_stock_in_several_warehouses(acme):
    main, backroom = warehouse(acme, "Main"), warehouse(acme, "Backroom")
    body = create_clock(acme, inventory=[{"warehouse_id": backroom, "quantity": 7}, {"warehouse_id": main, "quantity": 25}])
    assert {line["warehouse_id"]: line["on_hand"] for line in body["inventory"]} == {main: 25, backroom: 7}
    assert (body["total_on_hand"], body["total_available"]) == (32, 32)


def test_each_initial_quantity_is_recorded_in_the_ledger_as_a_receive(app, acme):
    main, backroom = warehouse(acme, "Main"), warehouse(acme, "Backroom")
    body = create_clock(acme, inventory=[{"warehouse_id": main, "quantity": 25}, {"warehouse_id": backroom, "quantity": 7}])
    with app.app_context():
        for line in body["inventory"]:
            ledger = db.session.scalars(sa.select(StockMovement).where(
                StockMovement.product_id == body["id"], StockMovement.warehouse_id == line["warehouse_id"])).all()
            assert sum(row.quantity_change for row in ledger) == line["on_hand"]
            assert [(row.type, row.on_hand_after) for row in ledger] == [("receive", line["on_hand"])]


def test_a_zero_initial_quantity_creates_a_level_without_a_ledger_row(app, acme):
    body = create_clock(acme, warehouse_id=warehouse(acme), initial_quantity=0)
    assert [line["on_hand"] for line in body["inventory"]] == [0]
    assert (rows(app, InventoryLevel), rows(app, StockMovement)) == (1, 0)


def test_a_product_type_carries_the_threshold_and_a_product_may_override_it(acme):
    clocks = product_type(acme, threshold=5)
    inherited = create_clock(acme, product_type_id=clocks)
    overriding = create_clock(acme, sku="ALARM-CLOCK", product_type_id=clocks, low_stock_threshold=2)
    assert (inherited["product_type_id"], inherited["low_stock_threshold"]) == (clocks, None)
    assert (overriding["product_type_id"], overriding["low_stock_threshold"]) == (clocks, 2)
    cleared = acme.patch(f"/api/products/{overriding['id']}", json={"low_stock_threshold": None})
    assert cleared.json["low_stock_threshold"] is None


def test_a_product_created_with_a_null_supplier_or_type_has_none(acme):
    product = create_clock(acme, supplier_id=None, product_type_id=None)
    assert product["product_type_id"] is None
    assert acme.get(f"/api/products/{product['id']}/suppliers").json["items"] == []


def test_a_product_created_with_a_supplier_has_it_as_primary(acme):
    maker = supplier(acme)
    links = acme.get(f"/api/products/{create_clock(acme, supplier_id=maker)['id']}/suppliers").json["items"]
    assert [(link["supplier_id"], link["is_primary"]) for link in links] == [(maker, True)]


@pytest.mark.parametrize("price, answered", [("19.99", "19.99"), (19.99, "19.99"), (5, "5.00"), ("5", "5.00"), (0, "0.00")])
def test_price_is_stored_as_a_decimal_and_answered_with_two_places(app, acme, price, answered):
    assert create_clock(acme, price=price)["price"] == answered
    with app.app_context():
        stored = db.session.scalar(sa.select(Product.price))
    assert isinstance(stored, Decimal) and stored == Decimal(answered)


@pytest.mark.parametrize(
    "price",
    ["19.999", 19.999, "-0.01", -1, "100000000.00", 100000000, True, False, None, "abc", "", [19.99],
     float("nan"), float("inf"), float("-inf"),
     # Found by the contract fuzz: too many digits to round to cents, these were 500s.
     -1.1687928594209983e84, "1e30"],
)
def test_an_invalid_price_is_refused(app, acme, price):
    raw = json.dumps({**CLOCK, "price": price})  # NaN and Infinity go out as the bare literals NaN, Infinity
    assert_refused(acme.post("/api/products", data=raw, content_type="application/json"), 422, "validation_error", ["price"])
    assert rows(app, Product) == 0


@pytest.mark.parametrize("literal", ["19.999999999999999999999", "1.0000000000000001", "0.001e0", "1999e-3",
                                     "19.990000000000000000001e0", "1e9999999999999999999", "-1e-9999999999999999999"])
def test_a_json_number_with_more_than_two_places_is_refused_not_rounded_by_a_float(app, acme, literal):
    raw = json.dumps({**CLOCK, "price": "PRICE"}).replace('"PRICE"', literal)
    assert_refused(acme.post("/api/products", data=raw, content_type="application/json"), 422, "validation_error", ["price"])
    assert rows(app, Product) == 0


@pytest.mark.parametrize("literal, answered", [("1999e-2", "19.99"), ("1.5E1", "15.00"), ("19.990", "19.99")])
def test_a_json_number_in_exponent_form_is_read_exactly(acme, literal, answered):
    raw = json.dumps({**CLOCK, "price": "PRICE"}).replace('"PRICE"', literal)
    response = acme.post("/api/products", data=raw, content_type="application/json")
    assert (response.status_code, response.json["price"]) == (201, answered)


@pytest.mark.parametrize("sku, stored", [("  RETRO-CLOCK  ", "RETRO-CLOCK"), ("r", "r"), ("a.b_c-9", "a.b_c-9"), ("X" * 64, "X" * 64)])
def test_a_valid_sku_is_stored_trimmed(acme, sku, stored):
    assert create_clock(acme, sku=sku)["sku"] == stored


@pytest.mark.parametrize("sku", ["", "   ", "RETRO CLOCK", "RETRO/CLOCK", "ÜHR-1", "X" * 65, 123, None])
def test_an_invalid_sku_is_refused(acme, sku):
    assert_refused(acme.post("/api/products", json={**CLOCK, "sku": sku}), 422, "validation_error", ["sku"])


@pytest.mark.parametrize("owner", ["acme", "globex"])
@pytest.mark.parametrize("duplicate", ["RETRO-CLOCK", "retro-clock", " Retro-Clock "])
def test_a_duplicate_sku_in_any_case_and_any_company_is_refused_with_sku_taken(request, app, acme, owner, duplicate):
    first, main = request.getfixturevalue(owner), warehouse(acme)
    create_clock(first, warehouse_id=warehouse(first, "First"), initial_quantity=5)
    response = acme.post("/api/products", json={"name": "Copy", "sku": duplicate, "price": "1", "warehouse_id": main, "initial_quantity": 9})
    assert_refused(response, 409, "sku_taken")
    assert response.json["errors"] == {"sku": ["already in use"]}
    assert catalog_rows(app) == {**NOTHING, "Product": 1, "InventoryLevel": 1, "StockMovement": 1}


@pytest.mark.parametrize(
    "body, field",
    [({"name": None}, "name"), ({"name": "   "}, "name"), ({"name": "x" * 201}, "name"), ({"description": 5}, "description"),
     ({"product_type_id": "1"}, "product_type_id"), ({"low_stock_threshold": -1}, "low_stock_threshold"),
     ({"low_stock_threshold": True}, "low_stock_threshold"), ({"supplier_id": 1.0}, "supplier_id"),
     ({"initial_quantity": 5}, "initial_quantity"), ({"warehouse_id": True, "initial_quantity": 1}, "warehouse_id"),
     ({"inventory": {"warehouse_id": 1}}, "inventory"), ({"inventory": [{"warehouse_id": 1}]}, "inventory"),
     ({"inventory": [{"warehouse_id": 1, "quantity": -1}]}, "inventory"), ({"colour": "red"}, "colour"),
     ({"inventory": [{"warehouse_id": 1, "quantity": 1}, {"warehouse_id": 1, "quantity": 2}]}, "inventory"),
     ({"warehouse_id": 1, "initial_quantity": 1, "inventory": [{"warehouse_id": 1, "quantity": 1}]}, "inventory")]
    + [({"warehouse_id": 1, "initial_quantity": bad}, "initial_quantity") for bad in (-1, True, 1.5, "3", 1_000_000_001)],
)
def test_an_invalid_field_is_refused_by_name(app, acme, body, field):
    assert_refused(acme.post("/api/products", json={**CLOCK, **body}), 422, "validation_error", [field])
    assert rows(app, Product) == 0


def test_required_fields_are_each_named_when_missing(acme):
    assert_refused(acme.post("/api/products", json={}), 422, "validation_error", ["name", "price", "sku"])


@pytest.mark.parametrize("owner", ["another company", "nobody"])
@pytest.mark.parametrize("field", ["warehouse_id", "inventory", "product_type_id", "supplier_id"])
def test_a_reference_that_is_not_the_company_s_is_refused_and_nothing_is_written(app, acme, globex, owner, field):
    stock = [{"warehouse_id": warehouse(acme), "quantity": 5}]
    if owner == "another company":
        other = {"warehouse": warehouse(globex, "Globex Main"), "type": product_type(globex), "supplier": supplier(globex)}
    else:
        other = dict.fromkeys(("warehouse", "type", "supplier"), MISSING)
    body = {"warehouse_id": {"warehouse_id": other["warehouse"], "initial_quantity": 5},
            "inventory": {"inventory": stock + [{"warehouse_id": other["warehouse"], "quantity": 3}]},
            "product_type_id": {"product_type_id": other["type"], "inventory": stock},
            "supplier_id": {"supplier_id": other["supplier"], "inventory": stock}}[field]
    assert_refused(acme.post("/api/products", json={**CLOCK, **body}), 422, "validation_error", [field])
    assert catalog_rows(app) == NOTHING
    create_clock(acme)  # the SKU was not kept either


def place_then_fail(company_id, product_id, stock, user_id):
    REAL_PLACE_INITIAL_STOCK(company_id, product_id, stock, user_id)
    flushed = db.session.scalar(sa.select(sa.func.count()).select_from(StockMovement).where(StockMovement.product_id == product_id))
    assert flushed == len(stock)  # the levels and ledger rows really reached the database
    raise RuntimeError("the disk caught fire")


def place_then_duplicate_a_level(company_id, product_id, stock, user_id):
    REAL_PLACE_INITIAL_STOCK(company_id, product_id, stock, user_id)
    db.session.add(InventoryLevel(company_id=company_id, product_id=product_id, warehouse_id=min(stock), on_hand=1))
    db.session.flush()  # violates unique (product_id, warehouse_id)


def link_then_fail(product, supplier, terms):
    REAL_LINK(product, supplier, terms)
    raise RuntimeError("the supplier link broke")


@pytest.mark.parametrize(
    "target, replacement",
    [("app.inventory.service.place_initial_stock", place_then_fail),
     ("app.inventory.service.place_initial_stock", place_then_duplicate_a_level),
     ("app.suppliers.service.link", link_then_fail)],
    ids=["exception-after-stock", "constraint-violation-after-stock", "exception-after-supplier-link"],
)
def test_a_failure_after_the_product_was_flushed_leaves_nothing_behind(app, acme, monkeypatch, target, replacement):
    main, backroom, maker = warehouse(acme, "Main"), warehouse(acme, "Backroom"), supplier(acme)
    monkeypatch.setattr(target, replacement)
    stock = [{"warehouse_id": main, "quantity": 25}, {"warehouse_id": backroom, "quantity": 7}]
    assert_refused(acme.post("/api/products", json={**CLOCK, "supplier_id": maker, "inventory": stock}), 500, "internal_error")
    assert catalog_rows(app) == NOTHING
    monkeypatch.undo()
    assert create_clock(acme, warehouse_id=main, initial_quantity=1)["total_on_hand"] == 1


def place_slowly(*args):
    REAL_PLACE_INITIAL_STOCK(*args)
    time.sleep(0.3)  # hold the transaction open: a check-then-insert would now let several through


def test_concurrent_creates_of_one_sku_let_exactly_one_through(app, acme, backend, monkeypatch):
    if backend == "sqlite":
        pytest.skip("SQLite serializes writers: the race is only meaningful on MySQL")
    monkeypatch.setattr("app.inventory.service.place_initial_stock", place_slowly)
    main, threads_count = warehouse(acme), 10
    barrier, answers, failures = threading.Barrier(threads_count), [], []

    def create(n):
        sku = "".join(c.upper() if (n >> i) & 1 else c for i, c in enumerate("retro-clock"))  # a different case each
        try:
            client = app.test_client()
            barrier.wait(timeout=30)
            response = client.post("/api/products", headers=acme.headers, json={
                "name": f"Clock {n}", "sku": sku, "price": "19.99", "warehouse_id": main, "initial_quantity": 5})
            answers.append((response.status_code, response.json.get("error")))
        except Exception as error:  # noqa: BLE001 (asserted below)
            failures.append(error)

    threads = [threading.Thread(target=create, args=(n,)) for n in range(threads_count)]
    [thread.start() for thread in threads]
    [thread.join(timeout=60) for thread in threads]
    assert failures == []
    assert sorted(answers) == [(201, None)] + [(409, "sku_taken")] * (threads_count - 1)
    assert rows(app, Product, Product.sku_key == "RETRO-CLOCK") == 1
    assert catalog_rows(app) == {**NOTHING, "Product": 1, "InventoryLevel": 1, "StockMovement": 1}


def catalog(acme, globex):
    """Acme: four active products (one a bundle) and an archived one, in this order; Globex: one clock."""
    ids = {"warehouse": warehouse(acme), "type": product_type(acme), "supplier": supplier(acme)}
    clock = create_clock(acme, name="Retro Clock", sku="RETRO-CLOCK", product_type_id=ids["type"],
                         supplier_id=ids["supplier"], warehouse_id=ids["warehouse"], initial_quantity=3)
    create_clock(acme, name="Desk Lamp", sku="LAMP-01")
    create_clock(acme, name="Clockwork Mouse", sku="MOUSE_7")
    acme.delete(f"/api/products/{create_clock(acme, name='Old Radio', sku='RADIO-1')['id']}")
    created(acme, "/api/bundles", {"name": "Desk Set", "sku": "DESK-SET", "price": "25.00",
                                   "components": [{"product_id": clock["id"], "quantity": 1}]})
    create_clock(globex, name="Globex Clock", sku="GLOBEX-CLOCK")
    return ids


@pytest.mark.parametrize(
    "query, names",
    [("", ["Retro Clock", "Desk Lamp", "Clockwork Mouse", "Desk Set"]),
     ("q=clock", ["Retro Clock", "Clockwork Mouse"]), ("q=lamp-0", ["Desk Lamp"]), ("q=_", ["Clockwork Mouse"]),
     ("q=%25", []), ("sku=retro-clock", ["Retro Clock"]), ("sku=RETRO", []), ("sku=GLOBEX-CLOCK", []),
     ("sku=MOU%C5%BFE_7", []),  # a long s (ſ), which no SKU holds, is not an s
     ("product_type_id={type}", ["Retro Clock"]), ("supplier_id={supplier}", ["Retro Clock"]),
     ("warehouse_id={warehouse}", ["Retro Clock"]), ("is_bundle=true", ["Desk Set"]),
     ("is_bundle=false", ["Retro Clock", "Desk Lamp", "Clockwork Mouse"]), ("is_active=false", ["Old Radio"]),
     ("q=desk&is_bundle=false", ["Desk Lamp"]), ("product_type_id=999999", [])],
)
def test_the_list_filters_the_company_products_in_id_order(acme, globex, query, names):
    ids = catalog(acme, globex)
    body = acme.get("/api/products?" + query.format(**ids)).json
    assert [item["name"] for item in body["items"]] == names
    assert body["total"] == len(names)


def test_the_list_is_paginated_in_a_stable_order(acme):
    ids = [create_clock(acme, sku=f"CLOCK-{n}")["id"] for n in range(5)]
    pages = [acme.get(f"/api/products?per_page=2&page={page}").json for page in (1, 2, 3)]
    assert [item["id"] for page in pages for item in page["items"]] == sorted(ids)
    assert [(p["page"], p["per_page"], p["total"]) for p in pages] == [(1, 2, 5), (2, 2, 5), (3, 2, 5)]
    assert acme.get("/api/products?per_page=201").status_code == 422


def test_the_detail_shows_stock_per_warehouse_and_totals(app, acme):
    main, backroom = warehouse(acme, "Main"), warehouse(acme, "Backroom")
    product_id = create_clock(acme, inventory=[{"warehouse_id": main, "quantity": 25}, {"warehouse_id": backroom, "quantity": 7}])["id"]
    with app.app_context():
        db.session.execute(sa.update(InventoryLevel).where(InventoryLevel.warehouse_id == main).values(reserved=4))
        db.session.commit()
    body = acme.get(f"/api/products/{product_id}").json
    assert {line.pop("warehouse_id"): line for line in body["inventory"]} == {
        main: {"on_hand": 25, "reserved": 4, "available": 21, "incoming": 0},
        backroom: {"on_hand": 7, "reserved": 0, "available": 7, "incoming": 0}}
    assert (body["total_on_hand"], body["total_available"]) == (32, 28)


def test_a_page_of_products_is_loaded_with_a_constant_number_of_queries(app, acme):
    main, backroom, maker = warehouse(acme, "Main"), warehouse(acme, "Backroom"), supplier(acme)
    for n in range(50):
        stocked = {"inventory": [{"warehouse_id": main, "quantity": n + 1}, {"warehouse_id": backroom, "quantity": 2}],
                   "supplier_id": maker} if n % 10 == 0 else {}
        create_clock(acme, name=f"Clock {n}", sku=f"CLOCK-{n:02d}", **stocked)
    page_of_50, fifty = statements_during(app, lambda: acme.get("/api/products?per_page=50"))
    page_of_5, five = statements_during(app, lambda: acme.get("/api/products?per_page=5"))
    assert [len(fifty.json["items"]), len(five.json["items"])] == [50, 5]
    assert len(fifty.json["items"][0]["inventory"]) == len(fifty.json["items"][40]["inventory"]) == 2
    assert len(page_of_50) <= 8, page_of_50
    assert len(page_of_50) == len(page_of_5)


@pytest.mark.parametrize("method", ["get", "patch", "delete"])
def test_another_company_product_is_not_found(acme, globex, method):
    product_id = create_clock(globex, sku="GLOBEX-CLOCK")["id"]
    kwargs = {"json": {"name": "Stolen"}} if method == "patch" else {}
    for target in (product_id, MISSING):
        assert_refused(getattr(acme, method)(f"/api/products/{target}", **kwargs), 404, "not_found")
    unchanged = globex.get(f"/api/products/{product_id}").json
    assert (unchanged["name"], unchanged["is_active"]) == ("Retro Clock", True)


def test_patch_changes_the_given_fields_only(acme):
    product = create_clock(acme, description="Ticks loudly")
    response = acme.patch(f"/api/products/{product['id']}", json={"name": " Retro Clock II ", "price": 24.5})
    assert response.status_code == 200
    assert (response.json["name"], response.json["price"], response.json["description"]) == ("Retro Clock II", "24.50", "Ticks loudly")
    assert acme.get(f"/api/products/{product['id']}").json["price"] == "24.50"


@pytest.mark.parametrize(
    "changes, field",
    [({"price": "1.001"}, "price"), ({"price": None}, "price"), ({"price": -1}, "price"), ({"sku": "RETRO CLOCK"}, "sku"),
     ({"sku": ""}, "sku"), ({"name": ""}, "name"), ({"low_stock_threshold": -1}, "low_stock_threshold"),
     ({"is_active": "false"}, "is_active"), ({"product_type_id": MISSING}, "product_type_id"),
     ({"warehouse_id": 1}, "warehouse_id"), ({"colour": "red"}, "colour")],
)
def test_patch_validates_like_create(acme, changes, field):
    product = create_clock(acme)
    assert_refused(acme.patch(f"/api/products/{product['id']}", json=changes), 422, "validation_error", [field])
    after = acme.get(f"/api/products/{product['id']}").json
    assert (after["name"], after["sku"], after["price"], after["low_stock_threshold"]) == ("Retro Clock", "RETRO-CLOCK", "19.99", None)


def test_patch_refuses_another_company_product_type(acme, globex):
    response = acme.patch(f"/api/products/{create_clock(acme)['id']}", json={"product_type_id": product_type(globex)})
    assert_refused(response, 422, "validation_error", ["product_type_id"])


@pytest.mark.parametrize("owner", ["acme", "globex"])
def test_patch_to_a_sku_taken_in_another_case_is_refused(request, acme, owner):
    create_clock(request.getfixturevalue(owner), sku="RETRO-CLOCK")
    lamp = create_clock(acme, name="Desk Lamp", sku="LAMP-01")
    assert_refused(acme.patch(f"/api/products/{lamp['id']}", json={"sku": "retro-clock"}), 409, "sku_taken")
    assert acme.get(f"/api/products/{lamp['id']}").json["sku"] == "LAMP-01"


def test_a_product_may_change_the_case_of_its_own_sku(acme):
    response = acme.patch(f"/api/products/{create_clock(acme)['id']}", json={"sku": " retro-clock "})
    assert (response.status_code, response.json["sku"]) == (200, "retro-clock")


def test_deleting_a_product_archives_it(app, acme):
    product_id = create_clock(acme, warehouse_id=warehouse(acme), initial_quantity=5)["id"]
    assert acme.delete(f"/api/products/{product_id}").status_code == 204
    assert acme.get("/api/products").json["items"] == []
    assert [item["id"] for item in acme.get("/api/products?is_active=false").json["items"]] == [product_id]
    detail = acme.get(f"/api/products/{product_id}")
    assert (detail.status_code, detail.json["is_active"], detail.json["total_on_hand"]) == (200, False, 5)
    assert catalog_rows(app) == {**NOTHING, "Product": 1, "InventoryLevel": 1, "StockMovement": 1}


def test_patch_is_active_true_restores_an_archived_product(acme):
    product_id = create_clock(acme)["id"]
    acme.delete(f"/api/products/{product_id}")
    response = acme.patch(f"/api/products/{product_id}", json={"is_active": True})
    assert (response.status_code, response.json["is_active"]) == (200, True)
    assert [item["id"] for item in acme.get("/api/products").json["items"]] == [product_id]


@pytest.mark.parametrize("role", ["staff", "viewer"])
def test_staff_and_viewers_read_products_but_cannot_write_them(app, acme, role):
    product_id = create_clock(acme)["id"]
    member = acme.add_user(role)
    assert member.get("/api/products").json["total"] == 1
    assert member.get(f"/api/products/{product_id}").status_code == 200
    for response in (member.post("/api/products", json={"name": "Lamp", "sku": "LAMP-01", "price": "5"}),
                     member.patch(f"/api/products/{product_id}", json={"name": "Renamed"}),
                     member.delete(f"/api/products/{product_id}")):
        assert_refused(response, 403, "forbidden")
    after = acme.get(f"/api/products/{product_id}").json
    assert (after["name"], after["is_active"], rows(app, Product)) == ("Retro Clock", True, 1)


def test_a_manager_can_create_change_and_archive_a_product(acme):
    manager = acme.add_user("manager")
    product_id = create_clock(manager, warehouse_id=warehouse(manager), initial_quantity=3)["id"]
    assert manager.patch(f"/api/products/{product_id}", json={"price": "21"}).json["price"] == "21.00"
    assert manager.delete(f"/api/products/{product_id}").status_code == 204
