"""Registering, logging in, who-am-I and token revocation."""

import datetime as dt

import pytest
import sqlalchemy as sa

from app.auth.models import ApiToken
from app.extensions import db
from tests.conftest import PASSWORD, unique_email
from tests.dbstate import database_state


def test_register_creates_a_company_with_its_first_admin(client):
    response = client.post(
        "/api/auth/register",
        json={"company_name": "  Retro Clocks Ltd ", "email": "Owner@Retro.example", "password": PASSWORD, "name": "Ada"},
    )
    assert response.status_code == 201
    body = response.json
    assert body["company"]["name"] == "Retro Clocks Ltd"
    assert body["user"] == {**body["user"], "email": "owner@retro.example", "name": "Ada", "role": "admin"}
    assert body["token"].startswith("sf_") and len(body["token"]) > 40
    assert body["expires_at"].endswith("Z")


def test_register_refuses_an_email_already_used_in_any_case(client, acme):
    response = client.post(
        "/api/auth/register", json={"company_name": "Other", "email": acme.email.upper(), "password": PASSWORD}
    )
    assert response.status_code == 409
    assert response.json["error"] == "email_taken"
    assert response.json["errors"] == {"email": ["already registered"]}


@pytest.mark.parametrize("password", ["short", "pass\u0000word-long"])
def test_register_refuses_a_short_password_or_one_with_nul(app, client, password):
    before = database_state(app)
    response = client.post("/api/auth/register", json={"company_name": "X", "email": unique_email(), "password": password})
    assert response.status_code == 422
    assert list(response.json["errors"]) == ["password"]
    assert database_state(app) == before


def test_a_new_password_with_nul_is_refused_for_a_user_too(app, acme):
    before = database_state(app)
    response = acme.post("/api/users", json={"email": unique_email(), "password": "pass\u0000word1", "role": "staff"})
    assert (response.status_code, list(response.json["errors"])) == (422, ["password"])
    response = acme.patch(f"/api/users/{acme.user_id}", json={"password": "pass\u0000word1"})
    assert (response.status_code, list(response.json["errors"])) == (422, ["password"])
    assert database_state(app) == before


def test_tokens_are_stored_only_as_sha256_digests(app, acme):
    with app.app_context():
        stored = db.session.scalars(sa.select(ApiToken.token_hash)).all()
    assert acme.token not in stored
    assert all(len(digest) == 64 for digest in stored)


def test_login_returns_a_new_token_that_works(client, acme):
    response = client.post("/api/auth/token", json={"email": acme.email, "password": PASSWORD})
    assert response.status_code == 200
    token = response.json["token"]
    assert token != acme.token
    me = client.get("/api/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200
    assert me.json["user"]["id"] == acme.user_id
    assert me.json["company"] == {"id": acme.company_id, "name": "Acme Supplies"}


def test_login_answers_the_same_for_unknown_email_and_wrong_password(client, acme):
    wrong_password = client.post("/api/auth/token", json={"email": acme.email, "password": "not-the-password"})
    unknown_email = client.post("/api/auth/token", json={"email": unique_email(), "password": "not-the-password"})
    assert wrong_password.status_code == unknown_email.status_code == 401
    assert wrong_password.json == unknown_email.json
    assert wrong_password.headers["WWW-Authenticate"] == "Bearer"


def test_requests_without_a_valid_token_get_401_with_www_authenticate(client):
    for headers in ({}, {"Authorization": "Bearer nope"}, {"Authorization": "Basic abc"}, {"Authorization": "Bearer"}):
        response = client.get("/api/auth/me", headers=headers)
        assert response.status_code == 401
        assert response.json["error"] == "unauthorized"
        assert response.headers["WWW-Authenticate"] == "Bearer"


def test_a_revoked_token_stops_working(client, acme):
    assert acme.delete("/api/auth/token").status_code == 204
    assert acme.get("/api/auth/me").status_code == 401


def test_revoking_one_token_leaves_the_others_working(client, acme):
    second = client.post("/api/auth/token", json={"email": acme.email, "password": PASSWORD}).json["token"]
    acme.delete("/api/auth/token")
    assert client.get("/api/auth/me", headers={"Authorization": f"Bearer {second}"}).status_code == 200


def test_an_expired_token_is_refused(app, client, acme):
    with app.app_context():
        db.session.execute(sa.update(ApiToken).values(expires_at=dt.datetime(2020, 1, 1)))
        db.session.commit()
    assert acme.get("/api/auth/me").status_code == 401


def test_token_lifetime_follows_token_ttl_days(database_url, client):
    from app import create_app
    from config import TestConfig

    short_lived = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=database_url, TOKEN_TTL_DAYS=1).test_client()
    body = short_lived.post(
        "/api/auth/register", json={"company_name": "Brief", "email": unique_email(), "password": PASSWORD}
    ).json
    expires = dt.datetime.fromisoformat(body["expires_at"].replace("Z", "+00:00"))
    remaining = expires - dt.datetime.now(dt.timezone.utc)
    assert dt.timedelta(hours=23) < remaining <= dt.timedelta(days=1)


def test_me_is_available_to_every_role(acme):
    viewer = acme.add_user("viewer")
    response = viewer.get("/api/auth/me")
    assert response.status_code == 200
    assert response.json["user"]["role"] == "viewer"
