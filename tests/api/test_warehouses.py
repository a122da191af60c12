"""Warehouses: creating, naming, listing, changing and deleting a company's places of stock."""

import pytest

READ_ONLY_ROLES = ["staff", "viewer"]


def _create(account, name, **extra):
    response = account.post("/api/warehouses", json={"name": name, **extra})
    assert response.status_code == 201, response.json
    return response.json


def test_creating_a_warehouse_returns_it(acme):
    response = acme.post("/api/warehouses", json={"name": "Main", "address": "1 Dock Road"})
    assert response.status_code == 201
    body = response.json
    assert set(body) >= {"id", "company_id", "name", "address", "is_active", "created_at"}
    assert isinstance(body["id"], int)
    assert body["company_id"] == acme.company_id
    assert body["name"] == "Main"
    assert body["address"] == "1 Dock Road"
    assert body["is_active"] is True
    assert body["created_at"].endswith("Z")


def test_a_warehouse_created_without_an_address_has_a_null_address(acme):
    assert _create(acme, "Main")["address"] is None


def test_a_warehouse_name_is_trimmed(acme):
    assert _create(acme, "   Main Depot  ")["name"] == "Main Depot"


def test_a_warehouse_needs_a_name(acme):
    for body in ({}, {"name": ""}, {"name": "   "}):
        response = acme.post("/api/warehouses", json=body)
        assert response.status_code == 422, body
        assert response.json["error"] == "validation_error"
        assert "name" in response.json["errors"]


def test_a_second_warehouse_with_the_same_name_in_any_case_is_refused(acme):
    _create(acme, "Main")
    for name in ("Main", "MAIN", "  main "):
        response = acme.post("/api/warehouses", json={"name": name})
        assert response.status_code == 409, name
        assert response.json["error"] == "name_taken"
    assert acme.get("/api/warehouses").json["total"] == 1


def test_two_companies_can_each_have_a_warehouse_called_main(acme, globex):
    _create(acme, "Main")
    response = globex.post("/api/warehouses", json={"name": "Main"})
    assert response.status_code == 201
    assert response.json["company_id"] == globex.company_id


def test_renaming_to_another_warehouses_name_in_any_case_is_refused(acme):
    _create(acme, "Main")
    overflow = _create(acme, "Overflow")
    response = acme.patch(f"/api/warehouses/{overflow['id']}", json={"name": "mAiN"})
    assert response.status_code == 409
    assert response.json["error"] == "name_taken"
    assert acme.get(f"/api/warehouses/{overflow['id']}").json["name"] == "Overflow"


def test_renaming_a_warehouse_to_its_own_name_in_another_case_is_allowed(acme):
    main = _create(acme, "main depot")
    response = acme.patch(f"/api/warehouses/{main['id']}", json={"name": "Main Depot"})
    assert response.status_code == 200
    assert response.json["name"] == "Main Depot"


def test_a_renamed_warehouses_old_name_is_free_again(acme):
    main = _create(acme, "Main")
    acme.patch(f"/api/warehouses/{main['id']}", json={"name": "Central"})
    assert acme.post("/api/warehouses", json={"name": "main"}).status_code == 201


def test_getting_a_warehouse_returns_it(acme):
    created = _create(acme, "Main", address="1 Dock Road")
    response = acme.get(f"/api/warehouses/{created['id']}")
    assert response.status_code == 200
    assert response.json == created


def test_another_companys_warehouse_is_not_found(acme, globex):
    theirs = _create(globex, "Main")
    for response in (
        acme.get(f"/api/warehouses/{theirs['id']}"),
        acme.patch(f"/api/warehouses/{theirs['id']}", json={"name": "Stolen"}),
        acme.delete(f"/api/warehouses/{theirs['id']}"),
    ):
        assert response.status_code == 404
        assert response.json["error"] == "not_found"
    assert globex.get(f"/api/warehouses/{theirs['id']}").json["name"] == "Main"


def test_an_unknown_warehouse_is_not_found(acme):
    response = acme.get("/api/warehouses/999999")
    assert response.status_code == 404
    assert response.json["error"] == "not_found"


def test_patch_changes_the_address(acme):
    main = _create(acme, "Main", address="1 Dock Road")
    response = acme.patch(f"/api/warehouses/{main['id']}", json={"address": " 2 Quay Street "})
    assert response.status_code == 200
    assert response.json["address"] == "2 Quay Street"
    assert response.json["name"] == "Main"
    assert acme.get(f"/api/warehouses/{main['id']}").json["address"] == "2 Quay Street"


def test_patch_can_clear_the_address(acme):
    main = _create(acme, "Main", address="1 Dock Road")
    response = acme.patch(f"/api/warehouses/{main['id']}", json={"address": None})
    assert response.status_code == 200
    assert response.json["address"] is None


def test_patch_deactivates_and_reactivates_a_warehouse(acme):
    main = _create(acme, "Main")
    off = acme.patch(f"/api/warehouses/{main['id']}", json={"is_active": False})
    assert off.status_code == 200
    assert off.json["is_active"] is False
    assert acme.get(f"/api/warehouses/{main['id']}").json["is_active"] is False
    on = acme.patch(f"/api/warehouses/{main['id']}", json={"is_active": True})
    assert on.status_code == 200
    assert on.json["is_active"] is True


def test_patch_refuses_a_non_boolean_is_active(acme):
    main = _create(acme, "Main")
    for value in (0, "false", None):
        response = acme.patch(f"/api/warehouses/{main['id']}", json={"is_active": value})
        assert response.status_code == 422, value
        assert "is_active" in response.json["errors"]
    assert acme.get(f"/api/warehouses/{main['id']}").json["is_active"] is True


def test_the_list_has_the_envelope_and_defaults_to_fifty_per_page(acme):
    main = _create(acme, "Main")
    response = acme.get("/api/warehouses")
    assert response.status_code == 200
    assert response.json == {"items": [main], "page": 1, "per_page": 50, "total": 1}


def test_the_list_is_paginated_in_id_order(acme):
    created = [_create(acme, name)["id"] for name in ("Zeta", "Alpha", "Mid")]
    first = acme.get("/api/warehouses?per_page=2").json
    second = acme.get("/api/warehouses?per_page=2&page=2").json
    assert (first["page"], first["per_page"], first["total"]) == (1, 2, 3)
    assert (second["page"], second["per_page"], second["total"]) == (2, 2, 3)
    assert [w["id"] for w in first["items"] + second["items"]] == created == sorted(created)


def test_a_page_past_the_end_is_empty(acme):
    _create(acme, "Main")
    body = acme.get("/api/warehouses?page=5").json
    assert body["items"] == []
    assert body["total"] == 1


@pytest.mark.parametrize("query", ["per_page=201", "per_page=0", "page=0", "per_page=abc"])
def test_the_list_refuses_bad_page_arguments(acme, query):
    response = acme.get(f"/api/warehouses?{query}")
    assert response.status_code == 422
    assert response.json["error"] == "validation_error"


def test_the_list_accepts_200_per_page(acme):
    response = acme.get("/api/warehouses?per_page=200")
    assert response.status_code == 200
    assert response.json["per_page"] == 200


def test_the_list_filters_on_is_active(acme):
    active = _create(acme, "Main")
    closed = _create(acme, "Old Barn")
    acme.patch(f"/api/warehouses/{closed['id']}", json={"is_active": False})
    only_active = acme.get("/api/warehouses?is_active=true").json
    only_inactive = acme.get("/api/warehouses?is_active=false").json
    everything = acme.get("/api/warehouses").json
    assert [w["id"] for w in only_active["items"]] == [active["id"]]
    assert only_active["total"] == 1
    assert [w["id"] for w in only_inactive["items"]] == [closed["id"]]
    assert only_inactive["total"] == 1
    assert [w["id"] for w in everything["items"]] == [active["id"], closed["id"]]


def test_the_list_shows_only_the_callers_company(acme, globex):
    _create(globex, "Theirs")
    ours = _create(acme, "Ours")
    body = acme.get("/api/warehouses").json
    assert [w["id"] for w in body["items"]] == [ours["id"]]
    assert body["total"] == 1


def test_deleting_an_empty_warehouse_removes_it(acme):
    main = _create(acme, "Main")
    keep = _create(acme, "Keep")
    response = acme.delete(f"/api/warehouses/{main['id']}")
    assert response.status_code == 204
    assert response.get_data() == b""
    gone = acme.get(f"/api/warehouses/{main['id']}")
    assert gone.status_code == 404
    assert gone.json["error"] == "not_found"
    listed = acme.get("/api/warehouses").json
    assert [w["id"] for w in listed["items"]] == [keep["id"]]
    assert listed["total"] == 1


def test_deleting_a_warehouse_twice_is_not_found_the_second_time(acme):
    main = _create(acme, "Main")
    acme.delete(f"/api/warehouses/{main['id']}")
    assert acme.delete(f"/api/warehouses/{main['id']}").status_code == 404


def test_a_manager_can_create_change_and_delete_warehouses(acme):
    manager = acme.add_user("manager")
    created = manager.post("/api/warehouses", json={"name": "Main"})
    assert created.status_code == 201
    warehouse_id = created.json["id"]
    patched = manager.patch(f"/api/warehouses/{warehouse_id}", json={"address": "1 Dock Road"})
    assert patched.status_code == 200
    assert patched.json["address"] == "1 Dock Road"
    assert manager.delete(f"/api/warehouses/{warehouse_id}").status_code == 204


@pytest.mark.parametrize("role", READ_ONLY_ROLES)
def test_staff_and_viewers_cannot_change_warehouses(acme, role):
    main = _create(acme, "Main")
    member = acme.add_user(role)
    for response in (
        member.post("/api/warehouses", json={"name": "Side"}),
        member.patch(f"/api/warehouses/{main['id']}", json={"name": "Renamed"}),
        member.delete(f"/api/warehouses/{main['id']}"),
    ):
        assert response.status_code == 403, response.request.method
        assert response.json["error"] == "forbidden"
    assert acme.get("/api/warehouses").json["items"] == [main]


@pytest.mark.parametrize("role", READ_ONLY_ROLES)
def test_staff_and_viewers_can_read_warehouses(acme, role):
    main = _create(acme, "Main")
    member = acme.add_user(role)
    listed = member.get("/api/warehouses")
    assert listed.status_code == 200
    assert listed.json["items"] == [main]
    one = member.get(f"/api/warehouses/{main['id']}")
    assert one.status_code == 200
    assert one.json == main


def test_warehouses_require_a_token(client):
    for response in (client.get("/api/warehouses"), client.post("/api/warehouses", json={"name": "Main"})):
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"] == "Bearer"


def test_every_response_carries_a_request_id(client, acme):
    for response in (acme.get("/api/warehouses"), acme.get("/api/warehouses/999999"), client.get("/api/warehouses")):
        assert response.headers.get("X-Request-ID"), response.status_code
    first = acme.get("/api/warehouses").headers["X-Request-ID"]
    second = acme.get("/api/warehouses").headers["X-Request-ID"]
    assert first != second


def test_a_client_sent_request_id_is_echoed_back(acme):
    response = acme.client.get("/api/warehouses", headers={**acme.headers, "X-Request-ID": "abc-123"})
    assert response.headers["X-Request-ID"] == "abc-123"
