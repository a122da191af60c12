"""Hostile bodies and parameters: deep nesting, huge numbers, timestamps beyond UTC's range, lone
surrogates, money in exotic spellings. Each is a 4xx naming what is wrong, and nothing changes."""

import json

import pytest

from tests.conftest import PASSWORD, unique_email
from tests.dbstate import database_state
from tests.factories import make_product, make_warehouse

JSON = {"Content-Type": "application/json"}


def send(account, method, path, raw: str, **headers):
    return account.client.open(path, method=method, data=raw, headers={**account.headers, **JSON, **headers})


def assert_refused(response, status, slug, *fields):
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    assert response.is_json
    assert (response.json["code"], response.json["error"]) == (status, slug)
    for field in fields:
        assert field in response.json["errors"], response.json


@pytest.fixture
def stocked(acme):
    """acme's Main warehouse and a product with 10 units there."""
    main = make_warehouse(acme)
    return {"warehouse": main, "product": make_product(acme, "RETRO-CLOCK", {main: 10})}


# Deep nesting


@pytest.mark.parametrize("depth", [33, 1_000, 5_000, 100_000])
@pytest.mark.parametrize("path", ["/api/warehouses", "/api/products", "/api/inventory/movements", "/api/orders"])
def test_json_nested_past_32_levels_is_malformed(app, acme, path, depth):
    before = database_state(app)
    response = send(acme, "POST", path, "[" * depth + "]" * depth)
    assert_refused(response, 400, "malformed_json", "body")
    assert database_state(app) == before


def test_deep_json_is_malformed_under_an_idempotency_key_too(app, acme):
    before = database_state(app)
    body = '{"name": "Main", "address": ' + "[" * 5_000 + "]" * 5_000 + "}"
    assert_refused(send(acme, "POST", "/api/products", body, **{"Idempotency-Key": "deep-1"}), 400, "malformed_json")
    assert database_state(app) == before


def test_deep_json_is_malformed_where_no_token_is_needed(app, client):
    before = database_state(app)
    response = client.post("/api/auth/register", data='{"company_name": ' + "[" * 5_000 + "]" * 5_000 + "}", headers=JSON)
    assert response.status_code == 400 and response.json["error"] == "malformed_json"
    response = client.post("/api/auth/token", data="[" * 5_000 + "]" * 5_000, headers=JSON)
    assert response.status_code == 400 and response.json["error"] == "malformed_json"
    assert database_state(app) == before


def test_json_nested_32_levels_is_parsed_and_judged_by_its_fields(acme):
    value = "[" * 30 + "]" * 30
    response = send(acme, "POST", "/api/warehouses", '{"name": ' + value + "}")
    assert_refused(response, 422, "validation_error", "name")


# Huge integers


HUGE = "9" * 5_000


@pytest.mark.parametrize("field, template", [
    ("quantity", '{"type": "receive", "product_id": %(product)d, "warehouse_id": %(warehouse)d, "quantity": N}'),
    ("quantity", '{"type": "adjust", "product_id": %(product)d, "warehouse_id": %(warehouse)d, "quantity": -N, "reason": "x"}'),
    ("product_id", '{"type": "receive", "product_id": N, "warehouse_id": %(warehouse)d, "quantity": 1}'),
    ("expected_on_hand", '{"type": "count", "product_id": %(product)d, "warehouse_id": %(warehouse)d, "quantity": 1, "expected_on_hand": N}'),
])
def test_an_integer_of_thousands_of_digits_is_out_of_range(app, acme, stocked, field, template):
    before = database_state(app)
    response = send(acme, "POST", "/api/inventory/movements", (template % stocked).replace("N", HUGE))
    assert_refused(response, 422, "validation_error", field)
    assert response.json["errors"][field] == ["Out of range."]
    assert database_state(app) == before


@pytest.mark.parametrize("digits", [41, 4_301, 100_000])
def test_a_price_of_thousands_of_digits_is_out_of_range(app, acme, digits):
    before = database_state(app)
    response = send(acme, "POST", "/api/products", '{"name": "Clock", "sku": "HUGE-1", "price": 1%s}' % ("0" * digits))
    assert_refused(response, 422, "validation_error", "price")
    assert response.json["errors"]["price"] == ["Must be between 0 and 99999999.99."]
    assert database_state(app) == before


def test_huge_integers_in_paths_and_query_strings_are_refused(acme):
    assert acme.get("/api/warehouses/" + HUGE).status_code == 404
    assert_refused(acme.get("/api/warehouses?page=" + HUGE), 422, "validation_error", "page")
    assert_refused(acme.get("/api/inventory/movements?product_id=" + HUGE), 422, "validation_error", "product_id")


# Timestamps beyond UTC's range


@pytest.mark.parametrize("moment", ["0001-01-01T00:00:00+00:01", "0001-01-01T00:59:59+01:00"])
def test_an_occurred_at_before_year_1_in_utc_is_refused(app, acme, stocked, moment):
    before = database_state(app)
    response = acme.post("/api/inventory/movements", json={
        "type": "receive", "product_id": stocked["product"], "warehouse_id": stocked["warehouse"], "quantity": 1,
        "occurred_at": moment})
    assert_refused(response, 422, "validation_error", "occurred_at")
    assert database_state(app) == before


@pytest.mark.parametrize("path", ["/api/inventory/movements", "/api/orders"])
@pytest.mark.parametrize("parameter", ["since", "until"])
@pytest.mark.parametrize("moment", ["0001-01-01T00:00:00+00:01", "9999-12-31T23:59:59-00:01"])
def test_since_and_until_beyond_utc_are_refused(acme, path, parameter, moment):
    response = acme.get(path, query_string={parameter: moment})
    assert_refused(response, 422, "validation_error", parameter)


def test_the_edges_of_utc_are_still_accepted_as_filters(acme):
    response = acme.get("/api/inventory/movements", query_string={"since": "0001-01-01T00:00:00Z", "until": "9999-12-31T23:59:59Z"})
    assert response.status_code == 200


# Lone surrogates


def test_a_lone_surrogate_is_refused_where_no_token_is_needed(app, client):
    before = database_state(app)
    for field in ("company_name", "email", "password", "name"):
        body = {"company_name": "Initech", "email": unique_email(), "password": PASSWORD, "name": "Bill"}
        raw = json.dumps(body).replace(json.dumps(body[field]), json.dumps(body[field] + "\ud800"))
        response = client.post("/api/auth/register", data=raw, headers=JSON)
        assert_refused(response, 422, "validation_error", field)
    response = client.post("/api/auth/token", data='{"email": "a@b.example", "password": "pass\\udfffword"}', headers=JSON)
    assert_refused(response, 422, "validation_error", "password")
    assert database_state(app) == before


def test_a_lone_surrogate_is_named_where_it_sits(app, acme, stocked):
    before = database_state(app)
    raw = '{"name": "Clock", "sku": "SURR-1", "price": "1.00", "inventory": [{"warehouse_id": %d, "quantity": 1}, ' \
          '{"warehouse_id": 1, "quantity": "\\ud83d"}]}' % stocked["warehouse"]
    assert_refused(send(acme, "POST", "/api/products", raw), 422, "validation_error", "inventory.1.quantity")
    assert_refused(send(acme, "POST", "/api/warehouses", '{"\\udc00": "Depot"}'), 422, "validation_error", "body")
    assert_refused(send(acme, "PATCH", f"/api/warehouses/{stocked['warehouse']}", '{"name": "a\\ud800b"}'),
                   422, "validation_error", "name")
    assert database_state(app) == before


def test_a_surrogate_pair_is_one_character_and_accepted(acme):
    response = send(acme, "POST", "/api/warehouses", '{"name": "Depot \\ud83d\\udce6"}')
    assert response.status_code == 201
    assert response.json["name"] == "Depot \U0001f4e6"


# Names whose case-folded form is longer than the name


@pytest.mark.parametrize("letter", ["ß", "ﬃ", "İ", "ΐ"])
def test_names_that_grow_when_case_folded_fit_at_full_length(acme, letter):
    name = letter * 120
    warehouse = acme.post("/api/warehouses", json={"name": name})
    assert warehouse.status_code == 201, warehouse.json
    assert warehouse.json["name"] == name
    product_type = acme.post("/api/product-types", json={"name": name, "low_stock_threshold": 1})
    assert product_type.status_code == 201, product_type.json
    assert acme.post("/api/warehouses", json={"name": name}).status_code == 409


# Money in exotic spellings


def test_minus_zero_is_zero(acme):
    response = acme.post("/api/products", json={"name": "Free Sample", "sku": "FREE-1", "price": "-0"})
    assert response.status_code == 201
    assert response.json["price"] == "0.00"
    assert acme.patch(f"/api/products/{response.json['id']}", json={"price": "-0.00"}).json["price"] == "0.00"


@pytest.mark.parametrize("price", ["1e3", "1E2", "١٢", "１２", "1_000", "0x10", "12,50", "1.2.3", "", " ", "+", ".", "--1", "Infinity", "NaN", "sNaN"])
def test_money_is_a_plain_decimal_in_ascii_digits(app, acme, price):
    before = database_state(app)
    response = acme.post("/api/products", json={"name": "Clock", "sku": "ODD-PRICE", "price": price})
    assert_refused(response, 422, "validation_error", "price")
    assert database_state(app) == before


@pytest.mark.parametrize("price, stored", [("12", "12.00"), ("12.5", "12.50"), (".5", "0.50"), ("7.", "7.00"), (" 3.10 ", "3.10"), (1e3, "1000.00"), (19.99, "19.99")])
def test_plain_decimals_and_json_numbers_are_money(acme, price, stored):
    response = acme.post("/api/products", json={"name": "Clock", "sku": "PLAIN-PRICE", "price": price})
    assert response.status_code == 201, response.json
    assert response.json["price"] == stored
