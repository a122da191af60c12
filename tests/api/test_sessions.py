"""The dashboard's sign-in: a token in an HttpOnly cookie, with a CSRF token for what changes things."""

import pytest

from tests.conftest import PASSWORD


def sign_in(client, email, password=PASSWORD):
    return client.post("/api/auth/session", json={"email": email, "password": password})


def cookie_header(response) -> str:
    [cookie] = [value for value in response.headers.getlist("Set-Cookie") if value.startswith("stockflow_session=")]
    return cookie


def test_signing_in_sets_an_httponly_strict_cookie_and_answers_without_the_token(client, acme):
    response = sign_in(client, acme.email)
    assert response.status_code == 201
    body = response.json
    assert set(body) == {"user", "company", "csrf_token", "expires_at"}
    assert body["user"]["email"] == acme.email and body["company"]["id"] == acme.company_id
    assert len(body["csrf_token"]) == 64
    cookie = cookie_header(response)
    assert {"HttpOnly", "Path=/api", "SameSite=Strict"} <= {part.strip() for part in cookie.split(";")}
    token = cookie.split(";")[0].split("=", 1)[1]
    assert token.startswith("sf_") and token not in response.get_data(as_text=True)
    # The cookie authenticates reads, and the session's CSRF token can be read back after a reload.
    assert client.get("/api/auth/me").json["user"]["id"] == acme.user_id
    assert client.get("/api/auth/session").json["csrf_token"] == body["csrf_token"]


def test_a_write_with_the_cookie_needs_the_sessions_csrf_token(client, acme):
    csrf = sign_in(client, acme.email).json["csrf_token"]
    for headers in ({}, {"X-CSRF-Token": "0" * 64}, {"X-CSRF-Token": csrf.upper()}):
        response = client.post("/api/warehouses", json={"name": "Depot"}, headers=headers)
        assert response.status_code == 403, headers
        assert response.json["error"] == "csrf_failed"
    assert acme.get("/api/warehouses").json["total"] == 0
    assert client.post("/api/warehouses", json={"name": "Depot"}, headers={"X-CSRF-Token": csrf}).status_code == 201
    assert acme.get("/api/warehouses").json["total"] == 1


def test_a_bearer_token_needs_no_csrf_token_and_has_none(client, acme):
    assert acme.post("/api/warehouses", json={"name": "Depot"}).status_code == 201
    assert acme.get("/api/auth/session").json["csrf_token"] is None


def test_the_csrf_token_of_one_session_does_not_open_another(client, acme, register):
    other = register("Globex")
    csrf = sign_in(client, other.email).json["csrf_token"]
    sign_in(client, acme.email)  # the cookie is now acme's session
    response = client.post("/api/warehouses", json={"name": "Depot"}, headers={"X-CSRF-Token": csrf})
    assert response.status_code == 403 and response.json["error"] == "csrf_failed"


def test_signing_out_revokes_the_token_and_clears_the_cookie(client, acme):
    csrf = sign_in(client, acme.email).json["csrf_token"]
    assert client.delete("/api/auth/session").status_code == 403  # signing out is a write too
    response = client.delete("/api/auth/session", headers={"X-CSRF-Token": csrf})
    assert response.status_code == 204
    cleared = cookie_header(response)
    assert "stockflow_session=;" in cleared and "Expires=Thu, 01 Jan 1970" in cleared
    assert client.get("/api/auth/me").status_code == 401


def test_a_revoked_sessions_cookie_no_longer_authenticates(client, acme, app):
    response = sign_in(client, acme.email)
    token = cookie_header(response).split(";")[0].split("=", 1)[1]
    client.delete("/api/auth/session", headers={"X-CSRF-Token": response.json["csrf_token"]})
    client.set_cookie("stockflow_session", token, path="/api")
    assert client.get("/api/auth/me").status_code == 401


@pytest.mark.parametrize("body, field", [
    ({"email": "nobody@example.com"}, "password"),
    ({"password": PASSWORD}, "email"),
    ({"email": "a@b.c", "password": PASSWORD, "remember": True}, "remember"),
])
def test_a_bad_sign_in_body_is_refused_naming_the_field(client, body, field):
    response = client.post("/api/auth/session", json=body)
    assert response.status_code == 422 and field in response.json["errors"]
    assert not response.headers.getlist("Set-Cookie")


def test_a_wrong_password_sets_no_cookie(client, acme):
    response = sign_in(client, acme.email, "wrong-password")
    assert response.status_code == 401 and response.json["error"] == "unauthorized"
    assert not response.headers.getlist("Set-Cookie")
    assert client.get("/api/auth/session").status_code == 401


def test_with_both_a_bearer_header_and_the_cookie_the_header_wins_and_gets_no_csrf_token(client, acme, register):
    other = register("Globex")
    sign_in(client, other.email)
    body = acme.get("/api/auth/session").json
    assert body["user"]["id"] == acme.user_id and body["csrf_token"] is None
    assert acme.post("/api/warehouses", json={"name": "Depot"}).status_code == 201


@pytest.mark.parametrize("content_type, body", [
    # What a form on another site can send: text/plain that happens to parse as JSON…
    ("text/plain", '{"email": "%s", "password": "%s", "token_name": "="}'),
    # …or a form encoding, which is no JSON at all: refused as cross-site too, not as malformed.
    ("application/x-www-form-urlencoded", "email=%s&password=%s"),
])
def test_a_sign_in_not_sent_as_json_is_refused_as_cross_site(client, acme, content_type, body):
    response = client.post("/api/auth/session", data=body % (acme.email, PASSWORD), content_type=content_type)
    assert response.status_code == 403 and response.json["error"] == "csrf_failed"
    assert not response.headers.getlist("Set-Cookie")


def test_session_cookie_secure_marks_the_cookie_secure_over_plain_http(client, acme, app):
    app.config["SESSION_COOKIE_SECURE"] = True
    assert "Secure" in cookie_header(sign_in(client, acme.email)).split("; ")
    app.config["SESSION_COOKIE_SECURE"] = False
    assert "Secure" not in cookie_header(sign_in(client, acme.email)).split("; ")
    assert "Secure" in cookie_header(client.post("/api/auth/session", json={"email": acme.email, "password": PASSWORD},
                                                 base_url="https://localhost")).split("; ")
