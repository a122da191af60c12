"""A manager sets up warehouses, product types, suppliers, products and bundles over HTTP."""

from tests.e2e.conftest import ledger, make_bundle, make_product, make_warehouse, random_sku


def test_a_new_warehouse_is_active_and_belongs_to_the_callers_company(retro):
    warehouse = retro.created("/api/warehouses", {"name": "Harbour Depot", "address": "1 Harbour Road"})
    assert (warehouse["company_id"], warehouse["name"], warehouse["address"], warehouse["is_active"]) == (
        retro.company_id, "Harbour Depot", "1 Harbour Road", True)
    assert warehouse["created_at"].endswith("Z")


def test_a_warehouse_name_is_taken_within_the_company_whatever_its_case(retro):
    make_warehouse(retro, "Harbour Depot")
    response = retro.post("/api/warehouses", json={"name": "HARBOUR DEPOT"})
    assert (response.status_code, response.json()["error"]) == (409, "name_taken")


def test_warehouses_are_listed_in_a_page_envelope_in_id_order(retro):
    ids = [make_warehouse(retro, name) for name in ("North", "South", "East")]
    page = retro.ok("/api/warehouses", params={"per_page": 2})
    assert ([w["id"] for w in page["items"]], page["page"], page["per_page"], page["total"]) == (ids[:2], 1, 2, 3)


def test_a_product_type_carries_its_low_stock_threshold(retro):
    product_type = retro.created("/api/product-types", {"name": "Alarm clocks", "low_stock_threshold": 20})
    assert retro.ok(f"/api/product-types/{product_type['id']}")["low_stock_threshold"] == 20


def test_suppliers_are_searched_by_name(retro):
    tick_tock = retro.created("/api/suppliers", {"name": "Tick Tock Supply", "contact_email": "orders@ticktock.example", "lead_time_days": 7})
    retro.created("/api/suppliers", {"name": "Battery Barn"})
    found = retro.ok("/api/suppliers", params={"q": "tick"})["items"]
    assert [(s["id"], s["contact_email"], s["lead_time_days"]) for s in found] == [(tick_tock["id"], "orders@ticktock.example", 7)]


def test_a_supplier_with_an_invalid_email_is_refused_naming_the_field(retro):
    response = retro.post("/api/suppliers", json={"name": "Nowhere Ltd", "contact_email": "not-an-email"})
    assert (response.status_code, response.json()["error"]) == (422, "validation_error")
    assert list(response.json()["errors"]) == ["contact_email"]


def test_a_product_created_with_inventory_is_stocked_in_each_warehouse(retro):
    main, backroom = make_warehouse(retro, "Main"), make_warehouse(retro, "Backroom")
    sku = random_sku("RETRO-CLOCK")
    product = retro.created("/api/products", {
        "name": "Retro alarm clock", "sku": sku, "price": "24.90",
        "inventory": [{"warehouse_id": main, "quantity": 40}, {"warehouse_id": backroom, "quantity": 12}]})
    assert (product["sku"], product["price"], product["is_bundle"], product["is_active"]) == (sku, "24.90", False, True)
    assert product["inventory"] == [{"warehouse_id": main, "on_hand": 40, "reserved": 0, "available": 40, "incoming": 0},
                                    {"warehouse_id": backroom, "on_hand": 12, "reserved": 0, "available": 12, "incoming": 0}]
    assert (product["total_on_hand"], product["total_available"]) == (52, 52)


def test_a_product_created_in_the_original_shape_answers_with_the_original_keys(retro):
    main = make_warehouse(retro, "Main")
    product = retro.created("/api/products", {
        "name": "AA battery", "sku": random_sku("BATTERY-AA"), "price": 0.99, "warehouse_id": main, "initial_quantity": 12})
    assert (product["product_id"], product["message"]) == (product["id"], "Product created")
    assert product["price"] == "0.99"
    assert product["inventory"] == [{"warehouse_id": main, "on_hand": 12, "reserved": 0, "available": 12, "incoming": 0}]


def test_initial_stock_is_recorded_as_receive_rows_in_the_ledger(retro):
    main = make_warehouse(retro, "Main")
    clock = make_product(retro, "Retro Clock", {main: 40})
    assert [(row["type"], row["quantity_change"], row["on_hand_after"]) for row in ledger(retro, product_id=clock)] == [
        ("receive", 40, 40)]


def test_a_product_that_fails_to_create_leaves_nothing_behind(retro):
    main = make_warehouse(retro, "Main")
    sku = random_sku("LAVA-LAMP")
    response = retro.post("/api/products", json={
        "name": "Lava lamp", "sku": sku, "price": "30.00",
        "inventory": [{"warehouse_id": main, "quantity": 5}, {"warehouse_id": 999_999, "quantity": 5}]})
    assert response.status_code == 422, response.text
    assert retro.ok("/api/products", params={"sku": sku})["total"] == 0
    assert retro.ok("/api/inventory", params={"warehouse_id": main})["total"] == 0


def test_a_sku_is_unique_across_companies_whatever_its_case(retro, globex):
    sku = random_sku("RETRO-CLOCK")
    make_product(retro, "Retro Clock", sku=sku)
    response = globex.post("/api/products", json={"name": "Copycat clock", "sku": sku.lower(), "price": "5.00"})
    assert (response.status_code, response.json()["error"]) == (409, "sku_taken")


def test_a_product_created_with_a_supplier_is_linked_to_it_as_primary(retro):
    supplier = retro.created("/api/suppliers", {"name": "Tick Tock Supply"})
    clock = make_product(retro, "Retro Clock", supplier_id=supplier["id"])
    links = retro.ok(f"/api/products/{clock}/suppliers")["items"]
    assert [(link["supplier_id"], link["supplier_name"], link["is_primary"]) for link in links] == [
        (supplier["id"], "Tick Tock Supply", True)]


def test_linking_a_supplier_records_its_terms_for_the_product(retro):
    supplier = retro.created("/api/suppliers", {"name": "Tick Tock Supply"})
    clock = make_product(retro, "Retro Clock")
    response = retro.put(f"/api/products/{clock}/suppliers/{supplier['id']}", json={
        "supplier_sku": "TT-CLK-1", "unit_cost": "7.50", "lead_time_days": 5, "min_order_qty": 24, "is_primary": True})
    assert response.status_code == 200, response.text
    link = response.json()
    assert (link["supplier_sku"], link["unit_cost"], link["lead_time_days"], link["min_order_qty"], link["is_primary"]) == (
        "TT-CLK-1", "7.50", 5, 24, True)


def test_making_a_supplier_primary_clears_the_flag_on_the_other_links(retro):
    first = retro.created("/api/suppliers", {"name": "Tick Tock Supply"})["id"]
    second = retro.created("/api/suppliers", {"name": "Clockwork Wholesale"})["id"]
    clock = make_product(retro, "Retro Clock", supplier_id=first)
    assert retro.put(f"/api/products/{clock}/suppliers/{second}", json={"is_primary": True}).status_code == 200
    links = retro.ok(f"/api/products/{clock}/suppliers")["items"]
    assert sorted((link["supplier_id"], link["is_primary"]) for link in links) == [(first, False), (second, True)]


def test_a_bundles_availability_is_what_its_scarcest_component_allows(retro):
    main = make_warehouse(retro, "Main")
    clock = make_product(retro, "Retro Clock", {main: 10})
    battery = make_product(retro, "AA Battery", {main: 7}, price="0.99")
    response = retro.post("/api/bundles", json={
        "name": "Alarm kit", "sku": random_sku("ALARM-KIT"), "price": "24.99",
        "components": [{"product_id": clock, "quantity": 1}, {"product_id": battery, "quantity": 2}]})
    assert response.status_code == 201, response.text
    kit = response.json()
    assert kit["is_bundle"] is True
    assert [(c["product_id"], c["quantity"]) for c in kit["components"]] == [(clock, 1), (battery, 2)]
    assert kit["availability"] == [{"warehouse_id": main, "available": 3}]


def test_a_bundle_containing_itself_through_another_bundle_is_refused(retro):
    clock = make_product(retro, "Retro Clock")
    kit = make_bundle(retro, "Alarm kit", (clock, 1))
    gift_box = make_bundle(retro, "Gift box", (kit, 2))
    response = retro.put(f"/api/bundles/{kit}/components", json={"components": [{"product_id": gift_box, "quantity": 1}]})
    assert (response.status_code, response.json()["error"]) == (422, "bundle_cycle")


def test_archiving_a_product_hides_it_from_the_default_listing(retro):
    clock = make_product(retro, "Retro Clock")
    assert retro.delete(f"/api/products/{clock}").status_code == 204
    assert clock not in [p["id"] for p in retro.ok("/api/products")["items"]]
    assert retro.ok(f"/api/products/{clock}")["is_active"] is False
