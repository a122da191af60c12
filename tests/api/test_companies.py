"""A company reading and changing its own name and alert settings."""

import pytest

DEFAULT_SETTINGS = {"default_low_stock_threshold": 10, "recent_sales_days": 30, "reorder_cover_days": 30}
NON_ADMIN_ROLES = ["manager", "staff", "viewer"]


def test_a_company_reads_itself_with_default_settings(acme):
    response = acme.get(f"/api/companies/{acme.company_id}")
    assert response.status_code == 200
    body = response.json
    assert set(body) >= {"id", "name", "settings", "created_at"}
    assert body["id"] == acme.company_id
    assert body["name"] == "Acme Supplies"
    assert body["settings"] == DEFAULT_SETTINGS
    assert body["created_at"].endswith("Z")


def test_another_companys_id_is_not_found(acme, globex):
    for response in (
        acme.get(f"/api/companies/{globex.company_id}"),
        acme.patch(f"/api/companies/{globex.company_id}", json={"name": "Taken Over"}),
    ):
        assert response.status_code == 404
        assert response.json["error"] == "not_found"
    assert globex.get(f"/api/companies/{globex.company_id}").json["name"] == "Globex Corporation"


def test_an_unknown_company_id_is_not_found(acme):
    assert acme.get(f"/api/companies/{acme.company_id + 1000}").status_code == 404


def test_an_admin_renames_the_company(acme):
    response = acme.patch(f"/api/companies/{acme.company_id}", json={"name": "  Acme Worldwide "})
    assert response.status_code == 200
    assert response.json["name"] == "Acme Worldwide"
    assert response.json["settings"] == DEFAULT_SETTINGS
    assert acme.get("/api/auth/me").json["company"]["name"] == "Acme Worldwide"


def test_patching_the_threshold_alone_keeps_the_sales_window(acme):
    response = acme.patch(f"/api/companies/{acme.company_id}", json={"settings": {"default_low_stock_threshold": 25}})
    assert response.status_code == 200
    assert response.json["settings"] == {**DEFAULT_SETTINGS, "default_low_stock_threshold": 25}
    assert response.json["name"] == "Acme Supplies"


def test_patching_the_sales_window_alone_keeps_the_threshold(acme):
    response = acme.patch(f"/api/companies/{acme.company_id}", json={"settings": {"recent_sales_days": 7}})
    assert response.status_code == 200
    assert response.json["settings"] == {**DEFAULT_SETTINGS, "recent_sales_days": 7}


def test_changed_settings_are_persisted(acme):
    acme.patch(f"/api/companies/{acme.company_id}", json={"settings": {"default_low_stock_threshold": 3}})
    acme.patch(f"/api/companies/{acme.company_id}", json={"settings": {"recent_sales_days": 90}})
    body = acme.get(f"/api/companies/{acme.company_id}").json
    assert body["settings"] == {**DEFAULT_SETTINGS, "default_low_stock_threshold": 3, "recent_sales_days": 90}


def test_changing_one_company_leaves_the_other_alone(acme, globex):
    acme.patch(f"/api/companies/{acme.company_id}", json={"name": "Acme 2", "settings": {"recent_sales_days": 5}})
    body = globex.get(f"/api/companies/{globex.company_id}").json
    assert body["name"] == "Globex Corporation"
    assert body["settings"] == DEFAULT_SETTINGS


def test_an_empty_patch_changes_nothing(acme):
    before = acme.get(f"/api/companies/{acme.company_id}").json
    response = acme.patch(f"/api/companies/{acme.company_id}", json={})
    assert response.status_code == 200
    assert response.json == before
    assert acme.get(f"/api/companies/{acme.company_id}").json == before


@pytest.mark.parametrize(
    "body",
    [
        {"settings": {"default_low_stock_threshold": -1}},
        {"settings": {"recent_sales_days": 0}},
        {"settings": {"recent_sales_days": 366}},
        {"settings": {"reorder_cover_days": 0}},
        {"settings": {"reorder_cover_days": 366}},
        {"settings": {"default_low_stock_threshold": True}},
        {"settings": {"default_low_stock_threshold": "10"}},
        {"name": ""},
    ],
)
def test_invalid_changes_are_refused_and_nothing_changes(acme, body):
    response = acme.patch(f"/api/companies/{acme.company_id}", json=body)
    assert response.status_code == 422
    assert response.json["error"] == "validation_error"
    after = acme.get(f"/api/companies/{acme.company_id}").json
    assert (after["name"], after["settings"]) == ("Acme Supplies", DEFAULT_SETTINGS)


@pytest.mark.parametrize("role", NON_ADMIN_ROLES)
def test_every_role_can_read_its_company(acme, role):
    member = acme.add_user(role)
    response = member.get(f"/api/companies/{acme.company_id}")
    assert response.status_code == 200
    assert response.json["settings"] == DEFAULT_SETTINGS


@pytest.mark.parametrize("role", NON_ADMIN_ROLES)
def test_only_an_admin_can_change_the_company(acme, role):
    member = acme.add_user(role)
    response = member.patch(
        f"/api/companies/{acme.company_id}", json={"name": "Mine Now", "settings": {"recent_sales_days": 1}}
    )
    assert response.status_code == 403
    assert response.json["error"] == "forbidden"
    body = acme.get(f"/api/companies/{acme.company_id}").json
    assert (body["name"], body["settings"]) == ("Acme Supplies", DEFAULT_SETTINGS)


def test_reading_a_company_requires_a_token(client, acme):
    response = client.get(f"/api/companies/{acme.company_id}")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"
