"""A company's users: roles, listing, changes, deactivation and the last-admin rule."""

import threading

import pytest
import sqlalchemy as sa

from app.auth.models import User
from app.companies.models import Company
from app.extensions import db
from tests.conftest import PASSWORD, unique_email

ROLES = ["admin", "manager", "staff", "viewer"]
NON_ADMIN_ROLES = ["manager", "staff", "viewer"]
SECRET_KEYS = {"password", "password_hash"}


def _login(client, email, password=PASSWORD):
    return client.post("/api/auth/token", json={"email": email, "password": password})


def _bearer(token):
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize("role", ROLES)
def test_an_admin_creates_a_user_with_each_role(acme, role):
    email = unique_email(role)
    response = acme.post("/api/users", json={"email": email.upper(), "password": PASSWORD, "name": " Bea ", "role": role})
    assert response.status_code == 201
    body = response.json
    assert set(body) >= {"id", "company_id", "email", "name", "role", "is_active", "created_at"}
    assert isinstance(body["id"], int)
    assert body["company_id"] == acme.company_id
    assert body["email"] == email
    assert body["name"] == "Bea"
    assert body["role"] == role
    assert body["is_active"] is True
    assert body["created_at"].endswith("Z")


def test_a_created_user_can_log_in_with_the_given_password(client, acme):
    email = unique_email()
    acme.post("/api/users", json={"email": email, "password": PASSWORD, "role": "staff"})
    assert _login(client, email).status_code == 200


def test_no_user_response_ever_contains_the_password_or_its_hash(acme):
    created = acme.post("/api/users", json={"email": unique_email(), "password": PASSWORD, "role": "viewer"})
    user_id = created.json["id"]
    responses = [
        created,
        acme.get(f"/api/users/{user_id}"),
        acme.patch(f"/api/users/{user_id}", json={"password": "a-brand-new-password"}),
        acme.patch(f"/api/users/{user_id}", json={"name": "Renamed"}),
    ]
    listed = acme.get("/api/users")
    assert all(response.status_code in (200, 201) for response in responses + [listed])
    for body in [response.json for response in responses] + listed.json["items"]:
        assert not SECRET_KEYS & set(body), body
    for response in responses + [listed]:
        assert PASSWORD not in response.get_data(as_text=True)
        assert "a-brand-new-password" not in response.get_data(as_text=True)


def test_creating_a_user_with_an_email_taken_in_any_case_is_refused(acme):
    response = acme.post("/api/users", json={"email": acme.email.upper(), "password": PASSWORD, "role": "staff"})
    assert response.status_code == 409
    assert response.json["error"] == "email_taken"


def test_emails_are_unique_across_companies_too(acme, globex):
    response = acme.post("/api/users", json={"email": globex.email, "password": PASSWORD, "role": "staff"})
    assert response.status_code == 409
    assert response.json["error"] == "email_taken"


def test_creating_a_user_with_an_unknown_role_is_refused(acme):
    response = acme.post("/api/users", json={"email": unique_email(), "password": PASSWORD, "role": "owner"})
    assert response.status_code == 422
    assert "role" in response.json["errors"]


def test_the_user_list_is_paginated_in_id_order_and_counts_the_admin(acme):
    created = [
        acme.post("/api/users", json={"email": unique_email(), "password": PASSWORD, "role": "staff"}).json["id"]
        for _ in range(3)
    ]
    first = acme.get("/api/users?per_page=2")
    second = acme.get("/api/users?per_page=2&page=2")
    assert first.status_code == second.status_code == 200
    assert {k: first.json[k] for k in ("page", "per_page", "total")} == {"page": 1, "per_page": 2, "total": 4}
    assert {k: second.json[k] for k in ("page", "per_page", "total")} == {"page": 2, "per_page": 2, "total": 4}
    ids = [user["id"] for user in first.json["items"] + second.json["items"]]
    assert ids == sorted(ids) == [acme.user_id, *created]
    assert acme.get("/api/users?per_page=2").json["items"] == first.json["items"]


def test_the_user_list_defaults_to_fifty_per_page(acme):
    body = acme.get("/api/users").json
    assert (body["page"], body["per_page"], body["total"]) == (1, 50, 1)
    assert [user["id"] for user in body["items"]] == [acme.user_id]


def test_the_user_list_refuses_more_than_200_per_page(acme):
    response = acme.get("/api/users?per_page=201")
    assert response.status_code == 422
    assert response.json["error"] == "validation_error"


def test_the_user_list_shows_only_the_callers_company(acme, globex):
    globex.add_user("staff")
    emails = [user["email"] for user in acme.get("/api/users").json["items"]]
    assert emails == [acme.email]


def test_an_admin_gets_one_user(acme):
    staff = acme.add_user("staff")
    response = acme.get(f"/api/users/{staff.user_id}")
    assert response.status_code == 200
    assert response.json["id"] == staff.user_id
    assert response.json["email"] == staff.email
    assert response.json["role"] == "staff"


def test_another_companys_user_is_not_found(acme, globex):
    for response in (
        acme.get(f"/api/users/{globex.user_id}"),
        acme.patch(f"/api/users/{globex.user_id}", json={"name": "Hijacked"}),
        acme.delete(f"/api/users/{globex.user_id}"),
    ):
        assert response.status_code == 404
        assert response.json["error"] == "not_found"
    assert globex.get(f"/api/users/{globex.user_id}").json["name"] is None


def test_patch_changes_a_users_name(acme):
    staff = acme.add_user("staff")
    response = acme.patch(f"/api/users/{staff.user_id}", json={"name": "Grace"})
    assert response.status_code == 200
    assert response.json["name"] == "Grace"
    assert acme.get(f"/api/users/{staff.user_id}").json["name"] == "Grace"


def test_patch_changes_a_users_role_and_it_takes_effect_at_once(acme):
    staff = acme.add_user("staff")
    assert staff.get("/api/users").status_code == 403
    response = acme.patch(f"/api/users/{staff.user_id}", json={"role": "admin"})
    assert response.status_code == 200
    assert response.json["role"] == "admin"
    assert staff.get("/api/users").status_code == 200


def test_patch_password_changes_the_login_password(client, acme):
    staff = acme.add_user("staff")
    response = acme.patch(f"/api/users/{staff.user_id}", json={"password": "a-brand-new-password"})
    assert response.status_code == 200
    assert _login(client, staff.email).status_code == 401
    assert _login(client, staff.email, "a-brand-new-password").status_code == 200


def test_a_new_password_revokes_every_token_the_user_had(client, acme):
    staff = acme.add_user("staff")
    second_token = _login(client, staff.email).json["token"]
    assert acme.patch(f"/api/users/{staff.user_id}", json={"password": "a-brand-new-password"}).status_code == 200
    for headers in (staff.headers, _bearer(second_token)):
        assert client.get("/api/auth/me", headers=headers).status_code == 401
    fresh = _login(client, staff.email, "a-brand-new-password").json["token"]
    assert client.get("/api/auth/me", headers=_bearer(fresh)).status_code == 200


def test_an_admin_changing_their_own_password_keeps_the_token_in_use_only(client, acme):
    other_session = _login(client, acme.email).json["token"]
    assert acme.patch(f"/api/users/{acme.user_id}", json={"password": "a-brand-new-password"}).status_code == 200
    assert acme.get("/api/auth/me").status_code == 200
    assert client.get("/api/auth/me", headers=_bearer(other_session)).status_code == 401


def test_changing_only_the_name_revokes_nothing(client, acme):
    staff = acme.add_user("staff")
    assert acme.patch(f"/api/users/{staff.user_id}", json={"name": "Sam"}).status_code == 200
    assert staff.get("/api/auth/me").status_code == 200


def test_delete_deactivates_the_user_and_keeps_them_listed(acme):
    staff = acme.add_user("staff")
    response = acme.delete(f"/api/users/{staff.user_id}")
    assert response.status_code == 204
    assert acme.get(f"/api/users/{staff.user_id}").json["is_active"] is False
    listed = {user["id"]: user for user in acme.get("/api/users").json["items"]}
    assert listed[staff.user_id]["is_active"] is False


def test_delete_revokes_every_token_of_the_user(client, acme):
    staff = acme.add_user("staff")
    second_token = _login(client, staff.email).json["token"]
    acme.delete(f"/api/users/{staff.user_id}")
    for headers in (staff.headers, _bearer(second_token)):
        response = client.get("/api/auth/me", headers=headers)
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"] == "Bearer"


def test_a_deleted_user_can_no_longer_log_in(client, acme):
    staff = acme.add_user("staff")
    acme.delete(f"/api/users/{staff.user_id}")
    response = _login(client, staff.email)
    assert response.status_code == 401
    assert response.json["error"] == "unauthorized"


def test_patch_is_active_false_also_revokes_the_users_tokens(acme):
    staff = acme.add_user("staff")
    response = acme.patch(f"/api/users/{staff.user_id}", json={"is_active": False})
    assert response.status_code == 200
    assert response.json["is_active"] is False
    assert staff.get("/api/auth/me").status_code == 401


def test_reactivating_a_user_lets_them_log_in_again_but_not_with_old_tokens(client, acme):
    staff = acme.add_user("staff")
    acme.delete(f"/api/users/{staff.user_id}")
    response = acme.patch(f"/api/users/{staff.user_id}", json={"is_active": True})
    assert response.status_code == 200
    assert response.json["is_active"] is True
    login = _login(client, staff.email)
    assert login.status_code == 200
    assert client.get("/api/auth/me", headers=_bearer(login.json["token"])).status_code == 200
    assert staff.get("/api/auth/me").status_code == 401


def test_the_only_admin_cannot_be_demoted(acme):
    response = acme.patch(f"/api/users/{acme.user_id}", json={"role": "manager"})
    assert response.status_code == 409
    assert response.json["error"] == "last_admin"
    assert acme.get(f"/api/users/{acme.user_id}").json["role"] == "admin"


def test_the_only_admin_cannot_be_deactivated_by_patch(acme):
    response = acme.patch(f"/api/users/{acme.user_id}", json={"is_active": False})
    assert response.status_code == 409
    assert response.json["error"] == "last_admin"
    me = acme.get(f"/api/users/{acme.user_id}")
    assert me.status_code == 200
    assert me.json["is_active"] is True


def test_the_only_admin_cannot_be_deleted_and_keeps_their_token(client, acme):
    response = acme.delete(f"/api/users/{acme.user_id}")
    assert response.status_code == 409
    assert response.json["error"] == "last_admin"
    assert acme.get("/api/auth/me").status_code == 200
    assert _login(client, acme.email).status_code == 200


def test_an_inactive_admin_does_not_count_as_the_company_keeping_an_admin(acme):
    other = acme.add_user("admin")
    assert acme.delete(f"/api/users/{other.user_id}").status_code == 204
    response = acme.patch(f"/api/users/{acme.user_id}", json={"role": "viewer"})
    assert response.status_code == 409
    assert response.json["error"] == "last_admin"


def test_an_admin_can_be_demoted_once_a_second_admin_exists(acme):
    acme.add_user("admin")
    response = acme.patch(f"/api/users/{acme.user_id}", json={"role": "manager"})
    assert response.status_code == 200
    assert response.json["role"] == "manager"
    assert acme.get("/api/users").status_code == 403


def test_an_admin_can_be_deleted_once_a_second_admin_exists(acme):
    second = acme.add_user("admin")
    assert acme.delete(f"/api/users/{acme.user_id}").status_code == 204
    assert acme.get("/api/auth/me").status_code == 401
    assert second.get(f"/api/users/{acme.user_id}").json["is_active"] is False


def test_an_admin_can_be_deactivated_by_patch_once_a_second_admin_exists(acme):
    second = acme.add_user("admin")
    response = second.patch(f"/api/users/{acme.user_id}", json={"is_active": False})
    assert response.status_code == 200
    assert response.json["is_active"] is False


@pytest.mark.parametrize("role", NON_ADMIN_ROLES)
def test_non_admin_roles_cannot_manage_users(acme, role):
    member = acme.add_user(role)
    responses = [
        member.get("/api/users"),
        member.post("/api/users", json={"email": unique_email(), "password": PASSWORD, "role": "viewer"}),
        member.get(f"/api/users/{acme.user_id}"),
        member.patch(f"/api/users/{member.user_id}", json={"role": "admin"}),
        member.delete(f"/api/users/{acme.user_id}"),
    ]
    for response in responses:
        assert response.status_code == 403, response.request.method
        assert response.json["error"] == "forbidden"
    assert acme.get(f"/api/users/{member.user_id}").json["role"] == role
    assert acme.get("/api/users").json["total"] == 2


def test_users_endpoints_require_a_token(client, acme):
    for response in (client.get("/api/users"), client.get(f"/api/users/{acme.user_id}")):
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"] == "Bearer"


def test_concurrent_registrations_with_one_email_create_exactly_one_user(app, backend):
    if backend == "sqlite":
        pytest.skip("concurrency is only meaningful on MySQL")
    email = unique_email("race")
    company_name = f"Race {email}"
    threads_count = 8
    barrier = threading.Barrier(threads_count)
    results: list = [None] * threads_count

    def register(index):
        client = app.test_client()
        barrier.wait()
        response = client.post(
            "/api/auth/register", json={"company_name": company_name, "email": email, "password": PASSWORD}
        )
        results[index] = (response.status_code, response.json)

    threads = [threading.Thread(target=register, args=(i,)) for i in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    statuses = sorted(status for status, _ in results)
    assert statuses == [201] + [409] * 7, results
    assert all(body["error"] == "email_taken" for status, body in results if status == 409)
    with app.app_context():
        users = db.session.scalar(sa.select(sa.func.count()).select_from(User).where(User.email == email))
        companies = db.session.scalar(
            sa.select(sa.func.count()).select_from(Company).where(Company.name == company_name)
        )
    assert users == 1
    assert companies == 1
