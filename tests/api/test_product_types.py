"""Product types: kinds of product carrying the low-stock threshold their products inherit."""

import pytest

from tests.factories import create_product, create_product_type

READ_ONLY_ROLES = ["staff", "viewer"]


def test_creating_a_product_type_returns_it(acme):
    response = acme.post("/api/product-types", json={"name": "Wall Clocks", "low_stock_threshold": 5})
    assert response.status_code == 201
    body = response.json
    assert isinstance(body["id"], int)
    assert (body["name"], body["low_stock_threshold"]) == ("Wall Clocks", 5)


def test_a_product_type_name_is_trimmed(acme):
    assert create_product_type(acme, "  Wall Clocks  ")["name"] == "Wall Clocks"


def test_a_threshold_of_zero_is_allowed(acme):
    assert create_product_type(acme, threshold=0)["low_stock_threshold"] == 0


@pytest.mark.parametrize("name", ["WALL CLOCKS", "wall clocks", "Wall Clocks"])
def test_a_product_type_name_already_used_in_any_case_is_refused(acme, name):
    create_product_type(acme, "Wall Clocks")
    response = acme.post("/api/product-types", json={"name": name, "low_stock_threshold": 1})
    assert response.status_code == 409
    assert response.json["error"] == "name_taken"
    assert response.json["errors"] == {"name": ["already in use"]}
    assert acme.get("/api/product-types").json["total"] == 1


def test_another_company_may_use_the_same_name(acme, globex):
    create_product_type(acme, "Wall Clocks")
    assert create_product_type(globex, "Wall Clocks")["name"] == "Wall Clocks"


@pytest.mark.parametrize(
    "body, field",
    [
        ({"low_stock_threshold": 5}, "name"),
        ({"name": "", "low_stock_threshold": 5}, "name"),
        ({"name": "   ", "low_stock_threshold": 5}, "name"),
        ({"name": "x" * 121, "low_stock_threshold": 5}, "name"),
        ({"name": 42, "low_stock_threshold": 5}, "name"),
        ({"name": "Wall Clocks"}, "low_stock_threshold"),
        ({"name": "Wall Clocks", "low_stock_threshold": -1}, "low_stock_threshold"),
        ({"name": "Wall Clocks", "low_stock_threshold": "5"}, "low_stock_threshold"),
        ({"name": "Wall Clocks", "low_stock_threshold": 2.5}, "low_stock_threshold"),
        ({"name": "Wall Clocks", "low_stock_threshold": True}, "low_stock_threshold"),
        ({"name": "Wall Clocks", "low_stock_threshold": None}, "low_stock_threshold"),
        ({"name": "Wall Clocks", "low_stock_threshold": 5, "colour": "red"}, "colour"),
    ],
)
def test_an_invalid_product_type_is_refused_naming_the_field(acme, body, field):
    response = acme.post("/api/product-types", json=body)
    assert response.status_code == 422
    assert response.json["error"] == "validation_error"
    assert field in response.json["errors"]
    assert acme.get("/api/product-types").json["total"] == 0


def test_the_list_holds_only_the_company_types_ordered_by_id(acme, globex):
    ids = [create_product_type(acme, name)["id"] for name in ("Wall Clocks", "Alarm Clocks", "Cuckoo Clocks")]
    create_product_type(globex, "Globex Gadgets")
    body = acme.get("/api/product-types").json
    assert [item["id"] for item in body["items"]] == ids
    assert (body["page"], body["per_page"], body["total"]) == (1, 50, 3)


def test_the_list_is_paginated(acme):
    ids = [create_product_type(acme, f"Type {n}")["id"] for n in range(3)]
    second_page = acme.get("/api/product-types?page=2&per_page=2").json
    assert [item["id"] for item in second_page["items"]] == ids[2:]
    assert (second_page["page"], second_page["per_page"], second_page["total"]) == (2, 2, 3)


def test_one_product_type_can_be_read(acme):
    created = create_product_type(acme)
    response = acme.get(f"/api/product-types/{created['id']}")
    assert response.status_code == 200
    assert response.json == created


def test_patch_changes_the_threshold(acme):
    type_id = create_product_type(acme, threshold=5)["id"]
    response = acme.patch(f"/api/product-types/{type_id}", json={"low_stock_threshold": 12})
    assert response.status_code == 200
    assert (response.json["name"], response.json["low_stock_threshold"]) == ("Wall Clocks", 12)
    assert acme.get(f"/api/product-types/{type_id}").json["low_stock_threshold"] == 12


def test_patch_renames_a_product_type(acme):
    type_id = create_product_type(acme)["id"]
    response = acme.patch(f"/api/product-types/{type_id}", json={"name": "  Clocks for Walls "})
    assert response.status_code == 200
    assert response.json["name"] == "Clocks for Walls"


def test_a_product_type_may_change_the_case_of_its_own_name(acme):
    type_id = create_product_type(acme, "Wall Clocks")["id"]
    response = acme.patch(f"/api/product-types/{type_id}", json={"name": "WALL CLOCKS"})
    assert response.status_code == 200
    assert response.json["name"] == "WALL CLOCKS"


def test_renaming_to_a_name_already_used_in_another_case_is_refused(acme):
    create_product_type(acme, "Wall Clocks")
    type_id = create_product_type(acme, "Alarm Clocks")["id"]
    response = acme.patch(f"/api/product-types/{type_id}", json={"name": "wall clocks"})
    assert response.status_code == 409
    assert response.json["error"] == "name_taken"
    assert acme.get(f"/api/product-types/{type_id}").json["name"] == "Alarm Clocks"


@pytest.mark.parametrize(
    "body, field",
    [({"low_stock_threshold": -1}, "low_stock_threshold"), ({"low_stock_threshold": None}, "low_stock_threshold"),
     ({"low_stock_threshold": False}, "low_stock_threshold"), ({"name": ""}, "name"), ({"id": 7}, "id")],
)
def test_patch_validates_like_create(acme, body, field):
    type_id = create_product_type(acme)["id"]
    response = acme.patch(f"/api/product-types/{type_id}", json=body)
    assert response.status_code == 422
    assert field in response.json["errors"]


def test_deleting_an_unused_product_type_answers_204_and_it_is_gone(acme):
    type_id = create_product_type(acme)["id"]
    response = acme.delete(f"/api/product-types/{type_id}")
    assert response.status_code == 204
    assert acme.get(f"/api/product-types/{type_id}").status_code == 404


def test_a_product_type_used_by_a_product_cannot_be_deleted(acme):
    type_id = create_product_type(acme)["id"]
    product = create_product(acme, "RETRO-CLOCK", name="Retro Clock", price="19.99", product_type_id=type_id)
    response = acme.delete(f"/api/product-types/{type_id}")
    assert response.status_code == 409
    assert response.json["error"] == "in_use"
    assert acme.get(f"/api/product-types/{type_id}").status_code == 200
    assert acme.get(f"/api/products/{product['id']}").json["product_type_id"] == type_id


def test_a_product_type_used_only_by_an_archived_product_is_still_in_use(acme):
    type_id = create_product_type(acme)["id"]
    product = create_product(acme, "RETRO-CLOCK", name="Retro Clock", price="19.99", product_type_id=type_id)
    acme.delete(f"/api/products/{product['id']}")
    assert acme.delete(f"/api/product-types/{type_id}").status_code == 409


def test_a_product_type_can_be_deleted_once_its_products_moved_away(acme):
    type_id = create_product_type(acme)["id"]
    product = create_product(acme, "RETRO-CLOCK", name="Retro Clock", price="19.99", product_type_id=type_id)
    assert acme.patch(f"/api/products/{product['id']}", json={"product_type_id": None}).status_code == 200
    assert acme.delete(f"/api/product-types/{type_id}").status_code == 204


@pytest.mark.parametrize("method", ["get", "patch", "delete"])
def test_another_company_product_type_is_not_found(acme, globex, method):
    type_id = create_product_type(globex, "Globex Gadgets")["id"]
    kwargs = {"json": {"low_stock_threshold": 1}} if method == "patch" else {}
    response = getattr(acme, method)(f"/api/product-types/{type_id}", **kwargs)
    assert response.status_code == 404
    assert response.json["error"] == "not_found"
    assert globex.get(f"/api/product-types/{type_id}").json["low_stock_threshold"] == 5


@pytest.mark.parametrize("method", ["get", "patch", "delete"])
def test_a_missing_product_type_is_not_found(acme, method):
    kwargs = {"json": {"low_stock_threshold": 1}} if method == "patch" else {}
    assert getattr(acme, method)("/api/product-types/999999", **kwargs).status_code == 404


@pytest.mark.parametrize("role", READ_ONLY_ROLES)
def test_staff_and_viewers_can_read_product_types(acme, role):
    type_id = create_product_type(acme)["id"]
    member = acme.add_user(role)
    assert member.get("/api/product-types").json["total"] == 1
    assert member.get(f"/api/product-types/{type_id}").status_code == 200


@pytest.mark.parametrize("role", READ_ONLY_ROLES)
@pytest.mark.parametrize("method", ["post", "patch", "delete"])
def test_staff_and_viewers_cannot_change_product_types(acme, role, method):
    type_id = create_product_type(acme)["id"]
    member = acme.add_user(role)
    path = "/api/product-types" if method == "post" else f"/api/product-types/{type_id}"
    response = getattr(member, method)(path, json={"name": "Other", "low_stock_threshold": 1})
    assert response.status_code == 403
    assert response.json["error"] == "forbidden"
    unchanged = acme.get("/api/product-types").json["items"]
    assert [(t["id"], t["name"], t["low_stock_threshold"]) for t in unchanged] == [(type_id, "Wall Clocks", 5)]


def test_a_manager_can_create_change_and_delete_product_types(acme):
    manager = acme.add_user("manager")
    type_id = create_product_type(manager)["id"]
    assert manager.patch(f"/api/product-types/{type_id}", json={"low_stock_threshold": 9}).status_code == 200
    assert manager.delete(f"/api/product-types/{type_id}").status_code == 204
