"""Rate limits: register/login per client address, the rest of the API per token."""

import pytest

from app import create_app
from config import TestConfig
from tests.conftest import PASSWORD, unique_email


@pytest.fixture
def limited_app(database_url):
    return create_app(
        TestConfig, SQLALCHEMY_DATABASE_URI=database_url, RATELIMIT_AUTH="3 per minute", RATELIMIT_API="5 per minute"
    )


def _register(client, address="10.0.0.1"):
    return client.post(
        "/api/auth/register",
        json={"company_name": "Limited", "email": unique_email(), "password": PASSWORD},
        environ_base={"REMOTE_ADDR": address},
    )


def test_registration_is_limited_per_client_address(limited_app):
    client = limited_app.test_client()
    statuses = [_register(client).status_code for _ in range(4)]
    assert statuses == [201, 201, 201, 429]
    assert _register(client, address="10.0.0.2").status_code == 201


def test_register_log_in_and_sign_in_share_one_budget_per_address(limited_app):
    client = limited_app.test_client()
    credentials = {"email": "x@example.com", "password": "wrong-password"}
    statuses = [client.post("/api/auth/token", json=credentials).status_code,
                client.post("/api/auth/session", json=credentials).status_code,
                _register(client, "127.0.0.1").status_code,
                client.post("/api/auth/session", json=credentials).status_code,
                _register(client, "127.0.0.1").status_code]
    assert statuses == [401, 401, 201, 429, 429]


def test_a_limited_request_gets_429_json_with_retry_after(limited_app):
    client = limited_app.test_client()
    for _ in range(3):
        client.post("/api/auth/token", json={"email": "x@example.com", "password": "wrong-password"})
    response = client.post("/api/auth/token", json={"email": "x@example.com", "password": "wrong-password"})
    assert response.status_code == 429
    assert response.json["error"] == "rate_limited"
    assert int(response.headers["Retry-After"]) > 0


def test_api_calls_are_limited_per_token(limited_app):
    client = limited_app.test_client()
    first = _register(client, "10.0.1.1").json["token"]
    second = _register(client, "10.0.1.2").json["token"]
    as_first = [client.get("/api/auth/me", headers={"Authorization": f"Bearer {first}"}).status_code for _ in range(6)]
    assert as_first == [200] * 5 + [429]
    assert client.get("/api/auth/me", headers={"Authorization": f"Bearer {second}"}).status_code == 200


def test_a_token_has_one_budget_for_every_api_path(limited_app):
    client = limited_app.test_client()
    headers = {"Authorization": f"Bearer {_register(client, '10.0.3.1').json['token']}"}
    paths = ["/api/auth/me", "/api/products", "/api/warehouses", "/api/orders", "/api/suppliers", "/api/product-types"]
    statuses = [client.get(path, headers=headers).status_code for path in paths]
    assert statuses == [200] * 5 + [429]
    created = client.post("/api/warehouses", json={"name": "Over budget"}, headers=headers)
    assert (created.status_code, created.json["error"]) == (429, "rate_limited")


def test_health_probes_are_not_rate_limited(limited_app):
    client = limited_app.test_client()
    assert {client.get("/health").status_code for _ in range(10)} == {200}


def test_api_calls_are_limited_per_token_whatever_the_case_of_its_scheme(limited_app):
    """The limiter reads the header as authentication does: `bearer` is `Bearer`."""
    client = limited_app.test_client()
    token = _register(client, "10.0.2.1").json["token"]
    schemes = ["bearer", "BEARER", "Bearer", "bEaReR", "bearer", "Bearer"]
    statuses = [client.get("/api/auth/me", headers={"Authorization": f"{scheme} {token}"},
                           environ_base={"REMOTE_ADDR": f"10.0.2.{n}"}).status_code
                for n, scheme in enumerate(schemes, start=10)]
    assert statuses == [200] * 5 + [429]
