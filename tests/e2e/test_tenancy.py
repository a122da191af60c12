"""One company never sees another's data: their ids answer exactly as missing ones, 404."""

import pytest

from tests.e2e.conftest import level, make_product, make_warehouse


@pytest.fixture
def retro_shop(retro):
    """Retro's warehouse, supplier, product type, stocked clock and a pending order."""
    main = make_warehouse(retro, "Main")
    supplier = retro.created("/api/suppliers", {"name": "Tick Tock Supply"})["id"]
    product_type = retro.created("/api/product-types", {"name": "Alarm clocks", "low_stock_threshold": 5})["id"]
    clock = make_product(retro, "Retro Clock", {main: 10}, supplier_id=supplier)
    order = retro.created("/api/orders", {"warehouse_id": main, "items": [{"product_id": clock, "quantity": 1}]})["id"]
    return dict(main=main, supplier=supplier, product_type=product_type, clock=clock, order=order,
                level=level(retro, clock, main)["id"], company=retro.company_id)


@pytest.mark.parametrize("path", [
    "/api/companies/{company}", "/api/companies/{company}/alerts/low-stock", "/api/warehouses/{main}",
    "/api/product-types/{product_type}", "/api/suppliers/{supplier}", "/api/products/{clock}",
    "/api/products/{clock}/suppliers", "/api/inventory/{level}", "/api/orders/{order}",
])
def test_another_companys_object_is_not_found(globex, retro_shop, path):
    response = globex.get(path.format(**retro_shop))
    assert (response.status_code, response.json()["error"]) == (404, "not_found")


def test_another_companys_object_answers_exactly_as_a_missing_one(globex, retro_shop):
    theirs = globex.get(f"/api/products/{retro_shop['clock']}")
    missing = globex.get("/api/products/999999999")
    as_if_missing = {**missing.json(), "message": missing.json()["message"].replace("999999999", str(retro_shop["clock"]))}
    assert (theirs.status_code, theirs.json()) == (missing.status_code, as_if_missing)


def test_another_company_cannot_change_an_order_it_does_not_own(retro, globex, retro_shop):
    response = globex.patch(f"/api/orders/{retro_shop['order']}/status", json={"status": "cancelled"})
    assert response.status_code == 404
    assert retro.ok(f"/api/orders/{retro_shop['order']}")["status"] == "pending"


def test_another_company_cannot_move_stock_of_a_product_it_does_not_own(retro, globex, retro_shop):
    globex_main = make_warehouse(globex, "Main")
    response = globex.post("/api/inventory/movements", json={
        "type": "sale", "product_id": retro_shop["clock"], "warehouse_id": globex_main, "quantity": 1})
    assert (response.status_code, response.json()["error"]) == (422, "validation_error")
    assert list(response.json()["errors"]) == ["product_id"]
    assert level(retro, retro_shop["clock"], retro_shop["main"])["on_hand"] == 10


def test_lists_show_only_the_callers_company(globex, retro_shop):
    for path in ("/api/warehouses", "/api/products", "/api/suppliers", "/api/inventory", "/api/orders", "/api/inventory/movements"):
        assert globex.ok(path)["items"] == [], path


def test_listing_by_another_companys_supplier_finds_nothing(globex, retro_shop):
    assert globex.ok("/api/products", params={"supplier_id": retro_shop["supplier"]})["items"] == []
