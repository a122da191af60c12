"""What counts as the same key, name or email is decided by the application, the same way on every
database: MySQL's default collation (case- and accent-insensitive, trailing spaces ignored) must
not decide it instead."""

import pytest

from tests.conftest import PASSWORD


def create_product(account, sku, key):
    return account.client.post("/api/products", json={"name": sku.title(), "sku": sku, "price": "1.00"},
                               headers={**account.headers, "Idempotency-Key": key})


@pytest.mark.parametrize("first, second", [("abc", "ABC"), ("abc", "abc "), ("clé", "cle"), ("Straße", "STRASSE")])
def test_idempotency_keys_that_differ_in_any_byte_are_different_keys(acme, first, second):
    one, two = create_product(acme, "KEY-ONE", first), create_product(acme, "KEY-TWO", second)
    assert (one.status_code, two.status_code) == (201, 201), (one.json, two.json)
    assert "Idempotent-Replayed" not in two.headers
    skus = {item["sku"] for item in acme.get("/api/products").json["items"]}
    assert skus == {"KEY-ONE", "KEY-TWO"}


def test_the_same_key_still_replays(acme):
    first, again = create_product(acme, "KEY-ONE", "Order-42"), create_product(acme, "KEY-ONE", "Order-42")
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json == first.json


@pytest.mark.parametrize("path, extra", [("/api/warehouses", {}), ("/api/product-types", {"low_stock_threshold": 3})])
def test_names_differing_only_by_accents_are_different_names(acme, path, extra):
    assert acme.post(path, json={"name": "Cafe", **extra}).status_code == 201
    assert acme.post(path, json={"name": "Café", **extra}).status_code == 201
    assert acme.post(path, json={"name": "Résumé", **extra}).status_code == 201
    assert acme.post(path, json={"name": "Resume", **extra}).status_code == 201


@pytest.mark.parametrize("path, extra", [("/api/warehouses", {}), ("/api/product-types", {"low_stock_threshold": 3})])
@pytest.mark.parametrize("first, second", [
    ("Main", "MAIN"), ("Straße", "STRASSE"), ("Café", "Cafe\u0301"), ("ΣΊΣΥΦΟΣ", "σίσυφος"), ("ﬃ", "FFI"),
])
def test_names_equal_when_case_folded_are_the_same_name(acme, path, extra, first, second):
    assert acme.post(path, json={"name": first, **extra}).status_code == 201
    taken = acme.post(path, json={"name": second, **extra})
    assert taken.status_code == 409
    assert taken.json["error"] == "name_taken"


def test_a_rename_to_a_case_folded_equal_of_another_name_is_taken(acme):
    acme.post("/api/warehouses", json={"name": "Straße"})
    other = acme.post("/api/warehouses", json={"name": "Depot"}).json["id"]
    response = acme.patch(f"/api/warehouses/{other}", json={"name": "STRASSE"})
    assert response.status_code == 409
    assert acme.get(f"/api/warehouses/{other}").json["name"] == "Depot"


def test_emails_differing_only_by_accents_are_different_accounts(client, acme):
    first = acme.post("/api/users", json={"email": "jose@acme.example", "password": PASSWORD, "role": "staff"})
    second = acme.post("/api/users", json={"email": "josé@acme.example", "password": PASSWORD, "role": "staff"})
    assert (first.status_code, second.status_code) == (201, 201), (first.json, second.json)
    assert client.post("/api/auth/token", json={"email": "josé@acme.example", "password": PASSWORD}).status_code == 200
    assert acme.post("/api/users", json={"email": "JOSÉ@acme.example", "password": PASSWORD, "role": "staff"}).status_code == 409
