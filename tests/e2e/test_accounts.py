"""A company signs up, logs in, and works with bearer tokens over real HTTP."""

from tests.conftest import PASSWORD, unique_email


def test_registering_creates_a_company_whose_first_user_is_an_admin_with_a_token(anonymous):
    email = unique_email("ada")
    response = anonymous.post("/api/auth/register", json={
        "company_name": "Retro Clocks Ltd", "email": email, "password": PASSWORD, "name": "Ada"})
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["company"]["name"] == "Retro Clocks Ltd"
    assert (body["user"]["email"], body["user"]["name"], body["user"]["role"]) == (email, "Ada", "admin")
    assert len(body["token"]) >= 32


def test_logging_in_exchanges_email_and_password_for_a_token_that_identifies_the_user(retro, anonymous):
    response = anonymous.post("/api/auth/token", json={"email": retro.email, "password": PASSWORD})
    assert response.status_code == 200, response.text
    assert response.json()["expires_at"].endswith("Z")
    anonymous.token = response.json()["token"]
    me = anonymous.ok("/api/auth/me")
    assert (me["user"]["id"], me["company"]["id"]) == (retro.user_id, retro.company_id)


def test_a_wrong_password_and_an_unknown_email_get_the_same_401(retro, anonymous):
    wrong_password = anonymous.post("/api/auth/token", json={"email": retro.email, "password": "not-the-password"})
    unknown_email = anonymous.post("/api/auth/token", json={"email": unique_email("nobody"), "password": PASSWORD})
    assert (wrong_password.status_code, unknown_email.status_code) == (401, 401)
    assert wrong_password.json() == unknown_email.json()


def test_an_email_already_registered_in_another_case_is_taken(retro, anonymous):
    response = anonymous.post("/api/auth/register", json={
        "company_name": "Copycat Clocks", "email": retro.email.upper(), "password": PASSWORD})
    assert (response.status_code, response.json()["error"]) == (409, "email_taken")


def test_a_request_without_a_token_is_refused_with_a_bearer_challenge(anonymous):
    response = anonymous.get("/api/warehouses")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert response.json()["error"] == "unauthorized"


def test_a_revoked_token_no_longer_authenticates(retro):
    assert retro.delete("/api/auth/token").status_code == 204
    response = retro.get("/api/auth/me")
    assert (response.status_code, response.json()["error"]) == (401, "unauthorized")


def test_a_viewer_can_read_but_not_create_warehouses(retro, anonymous):
    email = unique_email("viewer")
    retro.created("/api/users", {"email": email, "password": PASSWORD, "role": "viewer"})
    anonymous.token = anonymous.post("/api/auth/token", json={"email": email, "password": PASSWORD}).json()["token"]
    assert anonymous.get("/api/warehouses").status_code == 200
    response = anonymous.post("/api/warehouses", json={"name": "Viewer's Shed"})
    assert (response.status_code, response.json()["error"]) == (403, "forbidden")


def test_every_response_echoes_the_clients_request_id(retro):
    response = retro.get("/api/auth/me", headers={"X-Request-ID": "e2e-trace-42"})
    assert response.headers["X-Request-ID"] == "e2e-trace-42"
