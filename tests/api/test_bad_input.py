"""Malformed, mistyped, oversized and misaddressed requests: refused with JSON errors, nothing changed."""

import json

import pytest
import sqlalchemy as sa

from app.auth.models import ApiToken, User
from app.common.pagination import MAX_PAGE
from app.companies.models import Company
from app.extensions import db
from app.warehouses.models import Warehouse
from tests.conftest import PASSWORD
from tests.dbstate import database_state
from tests.factories import make_product

MIB = 1024 * 1024
LONG = "x" * 10_000
LONG_EMAIL = "a" * (10_000 - len("@example.com")) + "@example.com"

REGISTER = ("POST", "/api/auth/register")
TOKEN = ("POST", "/api/auth/token")
CREATE_USER = ("POST", "/api/users")
UPDATE_USER = ("PATCH", "/api/users/{user}")
UPDATE_COMPANY = ("PATCH", "/api/companies/{company}")
CREATE_WAREHOUSE = ("POST", "/api/warehouses")
UPDATE_WAREHOUSE = ("PATCH", "/api/warehouses/{warehouse}")
WRITES = [REGISTER, TOKEN, CREATE_USER, UPDATE_USER, UPDATE_COMPANY, CREATE_WAREHOUSE, UPDATE_WAREHOUSE]

VALID = {
    REGISTER: ({"company_name": "Initech", "email": "founder@initech.example", "password": PASSWORD}, 201),
    TOKEN: ({"email": "{email}", "password": PASSWORD}, 200),
    CREATE_USER: ({"email": "new-hire@acme.example", "password": PASSWORD, "role": "staff"}, 201),
    UPDATE_USER: ({"name": "Renamed"}, 200),
    UPDATE_COMPANY: ({"name": "Renamed", "settings": {"recent_sales_days": 7}}, 200),
    CREATE_WAREHOUSE: ({"name": "Overflow"}, 201),
    UPDATE_WAREHOUSE: ({"name": "Renamed"}, 200),
}

REQUIRED = {
    REGISTER: ["company_name", "email", "password"],
    TOKEN: ["email", "password"],
    CREATE_USER: ["email", "password", "role"],
    CREATE_WAREHOUSE: ["name"],
}


def endpoints(*endpoints):
    return [pytest.param(method, path, id=f"{method} {path}") for method, path in endpoints]


def valid(endpoint, **changes) -> dict:
    """The endpoint's valid body with some fields changed; a field set to `...` is left out."""
    body = {**VALID[endpoint][0], **changes}
    return {key: value for key, value in body.items() if value is not ...}


def case(endpoint, body, field, id=None):
    return pytest.param(*endpoint, body, field, id=id or f"{endpoint[0]} {endpoint[1]} {field}")


def fill(value, ids):
    """The body with every "{email}" replaced by acme's admin's email."""
    if value == "{email}":
        return ids["email"]
    if isinstance(value, dict):
        return {key: fill(item, ids) for key, item in value.items()}
    if isinstance(value, list):
        return [fill(item, ids) for item in value]
    return value


def assert_error(response, status, slug):
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    assert response.is_json, response.get_data(as_text=True)[:500]
    body = response.json
    assert (body["code"], body["error"]) == (status, slug)
    assert body["status"] and body["message"]


def assert_invalid(response, *fields):
    assert_error(response, 422, "validation_error")
    errors = response.json["errors"]
    # field → list of messages; a nested field's are listed under its top-level field, each after its
    # path within it: `settings.recent_sales_days` is {"settings": ["recent_sales_days: …"]}
    assert all(isinstance(messages, list) and all(isinstance(m, str) for m in messages) for messages in errors.values()), errors
    for field in fields:
        top, _, rest = field.partition(".")
        assert top in errors and (not rest or any(m.startswith(f"{rest}: ") for m in errors[top])), f"{field!r} not named in {errors}"


@pytest.fixture
def ids(acme):
    warehouse = acme.post("/api/warehouses", json={"name": "Main", "address": "1 Dock Road"})
    assert warehouse.status_code == 201, warehouse.json
    staff = acme.add_user("staff")
    return {"company": acme.company_id, "warehouse": warehouse.json["id"], "user": staff.user_id, "email": acme.email}


@pytest.fixture
def send(acme, ids):
    """Send a request as acme's admin; `{company}`, `{warehouse}`, `{user}`, `{email}` are filled in."""

    def send(method, path, **kwargs):
        if "json" in kwargs:
            kwargs["data"] = json.dumps(fill(kwargs.pop("json"), ids))
            kwargs.setdefault("content_type", "application/json")
        return acme.client.open(path.format(**ids), method=method, headers=acme.headers, **kwargs)

    return send


@pytest.fixture
def snapshot(app, acme, ids):
    """Everything acme can see, plus row counts of every table a bad request could touch."""

    def snapshot():
        with app.app_context():
            counts = {
                model.__tablename__: db.session.scalar(sa.select(sa.func.count()).select_from(model))
                for model in (Company, User, ApiToken, Warehouse)
            }
            db.session.remove()
        return {
            "counts": counts,
            "company": acme.get(f"/api/companies/{acme.company_id}").json,
            "warehouses": acme.get("/api/warehouses?per_page=200").json,
            "users": acme.get("/api/users?per_page=200").json,
        }

    return snapshot


@pytest.mark.parametrize("method, path", endpoints(*WRITES))
def test_the_valid_bodies_used_below_are_accepted(send, method, path):
    body, status = VALID[(method, path)]
    assert send(method, path, json=body).status_code == status


@pytest.mark.parametrize(
    "data, content_type",
    [
        pytest.param("Depot on Dock Road", "text/plain", id="plain-text"),
        pytest.param("name=Depot&address=Dock+Road", "application/x-www-form-urlencoded", id="form-encoded"),
        pytest.param('{"name": "Depot",', "application/json", id="truncated-json"),
        pytest.param("{'name': 'Depot'}", "application/json", id="single-quoted-json"),
        pytest.param(b"\xff\xfe\x00\x01", "application/octet-stream", id="binary"),
    ],
)
@pytest.mark.parametrize("method, path", endpoints(*WRITES))
def test_a_body_that_is_not_json_is_400_malformed_json(send, snapshot, method, path, data, content_type):
    before = snapshot()
    assert_error(send(method, path, data=data, content_type=content_type), 400, "malformed_json")
    assert snapshot() == before


@pytest.mark.parametrize(
    "body",
    [
        pytest.param([{"name": "Depot"}], id="array"),
        pytest.param([], id="empty-array"),
        pytest.param("Depot", id="string"),
        pytest.param(42, id="integer"),
        pytest.param(3.5, id="float"),
        pytest.param(True, id="boolean"),
        pytest.param(None, id="null"),
    ],
)
@pytest.mark.parametrize("method, path", endpoints(*WRITES))
def test_a_json_body_that_is_not_an_object_is_422_on_body(send, snapshot, method, path, body):
    before = snapshot()
    assert_invalid(send(method, path, json=body), "body")
    assert snapshot() == before


@pytest.mark.parametrize(
    "method, path, body, field",
    [case(endpoint, valid(endpoint, **{field: ...}), field) for endpoint, fields in REQUIRED.items() for field in fields],
)
def test_each_missing_required_field_is_named(send, snapshot, method, path, body, field):
    before = snapshot()
    response = send(method, path, json=body)
    assert_invalid(response, field)
    assert set(response.json["errors"]) == {field}
    assert snapshot() == before


@pytest.mark.parametrize("method, path", endpoints(*REQUIRED))
def test_an_empty_object_names_every_required_field(send, snapshot, method, path):
    before = snapshot()
    response = send(method, path, json={})
    assert_invalid(response, *REQUIRED[(method, path)])
    assert set(response.json["errors"]) == set(REQUIRED[(method, path)])
    assert snapshot() == before


@pytest.mark.parametrize(
    "method, path, body, field",
    [
        case(REGISTER, valid(REGISTER, company_name=123), "company_name"),
        case(REGISTER, valid(REGISTER, email=123), "email"),
        case(REGISTER, valid(REGISTER, name=["Ada"]), "name"),
        case(TOKEN, valid(TOKEN, password=12345678), "password"),
        case(CREATE_USER, valid(CREATE_USER, name=42), "name"),
        case(CREATE_USER, valid(CREATE_USER, role=1), "role"),
        case(CREATE_USER, valid(CREATE_USER, role=None), "role", id="POST /api/users role null"),
        case(UPDATE_USER, {"role": 4}, "role"),
        case(UPDATE_USER, {"name": 42}, "name"),
        case(UPDATE_COMPANY, {"name": 42}, "name"),
        case(UPDATE_COMPANY, {"name": None}, "name", id="PATCH company name null"),
        case(UPDATE_COMPANY, {"settings": "recent_sales_days=7"}, "settings"),
        case(UPDATE_COMPANY, {"settings": [7, 10]}, "settings", id="PATCH company settings list"),
        case(UPDATE_COMPANY, {"settings": None}, "settings", id="PATCH company settings null"),
        case(UPDATE_COMPANY, {"settings": {"recent_sales_days": "7"}}, "settings.recent_sales_days"),
        case(UPDATE_COMPANY, {"settings": {"recent_sales_days": 7.5}}, "settings.recent_sales_days"),
        case(UPDATE_COMPANY, {"settings": {"default_low_stock_threshold": "ten"}}, "settings.default_low_stock_threshold"),
        case(CREATE_WAREHOUSE, {"name": 123}, "name"),
        case(CREATE_WAREHOUSE, {"name": None}, "name", id="POST /api/warehouses name null"),
        case(CREATE_WAREHOUSE, {"name": "Depot", "address": 12}, "address"),
        case(UPDATE_WAREHOUSE, {"name": 42}, "name"),
        case(UPDATE_WAREHOUSE, {"address": {"line1": "Dock Road"}}, "address"),
    ],
)
def test_a_field_of_the_wrong_type_is_named(send, snapshot, method, path, body, field):
    before = snapshot()
    assert_invalid(send(method, path, json=body), field)
    assert snapshot() == before


@pytest.mark.parametrize(
    "method, path, body, field",
    [
        case(UPDATE_COMPANY, {"settings": {"recent_sales_days": True}}, "settings.recent_sales_days"),
        case(UPDATE_COMPANY, {"settings": {"default_low_stock_threshold": False}}, "settings.default_low_stock_threshold"),
        case(UPDATE_WAREHOUSE, {"is_active": 1}, "is_active", id="warehouse is_active 1"),
        case(UPDATE_WAREHOUSE, {"is_active": 0}, "is_active", id="warehouse is_active 0"),
        case(UPDATE_WAREHOUSE, {"is_active": "false"}, "is_active", id="warehouse is_active 'false'"),
        case(UPDATE_USER, {"is_active": 1}, "is_active", id="user is_active 1"),
        case(UPDATE_USER, {"is_active": 0}, "is_active", id="user is_active 0"),
    ],
)
def test_booleans_are_not_integers_and_integers_are_not_booleans(send, snapshot, method, path, body, field):
    before = snapshot()
    assert_invalid(send(method, path, json=body), field)
    assert snapshot() == before


@pytest.mark.parametrize(
    "method, path, body, field",
    [
        case(REGISTER, valid(REGISTER, company_name=LONG), "company_name"),
        case(REGISTER, valid(REGISTER, name=LONG), "name"),
        case(REGISTER, valid(REGISTER, email=LONG_EMAIL), "email"),
        case(REGISTER, valid(REGISTER, password=LONG), "password"),
        case(TOKEN, valid(TOKEN, email=LONG_EMAIL), "email"),
        case(TOKEN, valid(TOKEN, password=LONG), "password"),
        case(CREATE_USER, valid(CREATE_USER, name=LONG), "name"),
        case(CREATE_USER, valid(CREATE_USER, email=LONG_EMAIL), "email"),
        case(UPDATE_USER, {"name": LONG}, "name"),
        case(UPDATE_COMPANY, {"name": LONG}, "name"),
        case(CREATE_WAREHOUSE, {"name": LONG}, "name"),
        case(CREATE_WAREHOUSE, {"name": "Depot", "address": LONG}, "address"),
        case(UPDATE_WAREHOUSE, {"name": LONG}, "name"),
        case(UPDATE_WAREHOUSE, {"address": LONG}, "address"),
    ],
)
def test_a_string_of_ten_thousand_characters_is_refused(send, snapshot, method, path, body, field):
    before = snapshot()
    assert_invalid(send(method, path, json=body), field)
    assert snapshot() == before


@pytest.mark.parametrize("email", ["ada.example.com", "ada", "", "   "])
@pytest.mark.parametrize("method, path", endpoints(REGISTER, TOKEN, CREATE_USER))
def test_an_email_without_an_at_sign_is_refused(send, snapshot, method, path, email):
    before = snapshot()
    assert_invalid(send(method, path, json=valid((method, path), email=email)), "email")
    assert snapshot() == before


@pytest.mark.parametrize(
    "method, path, body, field",
    [
        *(case(endpoint, valid(endpoint, colour="blue"), "colour") for endpoint in WRITES),
        case(CREATE_WAREHOUSE, valid(CREATE_WAREHOUSE, company_id=1), "company_id"),
        case(CREATE_USER, valid(CREATE_USER, company_id=1), "company_id"),
        case(UPDATE_WAREHOUSE, {"id": 999}, "id"),
        case(UPDATE_COMPANY, {"settings": {"recent_sales_dayz": 7}}, "settings.recent_sales_dayz"),
    ],
)
def test_an_unknown_field_is_refused_and_named(send, snapshot, method, path, body, field):
    before = snapshot()
    assert_invalid(send(method, path, json=body), field)
    assert snapshot() == before


@pytest.mark.parametrize(
    "query, param",
    [
        ("page=-1", "page"),
        ("page=0", "page"),
        ("per_page=0", "per_page"),
        ("per_page=-5", "per_page"),
        ("per_page=201", "per_page"),
        ("per_page=1000", "per_page"),
        ("page=abc", "page"),
        ("page=1.5", "page"),
        ("page=true", "page"),
        ("per_page=ten", "per_page"),
        # Found by the contract fuzz: an offset past 64 bits was a database error, answered 500.
        ("page=4170395782397298176&per_page=33", "page"),
        (f"page={MAX_PAGE + 1}", "page"),
        # What Python's int() would take, but is no integer in a query string.
        ("per_page=1_0", "per_page"),
        ("per_page=%201%20", "per_page"),
        ("per_page=%2B3", "per_page"),
        ("page=%EF%BC%91", "page"),
        ("page=%D9%A1", "page"),
    ],
)
@pytest.mark.parametrize("path", ["/api/warehouses", "/api/users"])
def test_a_bad_page_or_per_page_is_422_naming_the_parameter(send, path, query, param):
    response = send("GET", f"{path}?{query}")
    assert_invalid(response, param)
    assert set(response.json["errors"]) == {param}


@pytest.mark.parametrize("path", ["/api/warehouses", "/api/users", "/api/products", "/api/orders"])
def test_the_last_page_accepted_is_empty_even_with_200_per_page(send, path):
    response = send("GET", f"{path}?page={MAX_PAGE}&per_page=200")
    assert response.status_code == 200, response.json
    assert (response.json["items"], response.json["page"]) == ([], MAX_PAGE)


@pytest.mark.parametrize("path", ["/api/warehouses", "/api/users"])
def test_per_page_200_is_the_largest_accepted(send, path):
    response = send("GET", f"{path}?per_page=200")
    assert response.status_code == 200
    assert response.json["per_page"] == 200


@pytest.mark.parametrize(
    "path",
    [
        "/api/warehouses/abc",
        "/api/warehouses/1.5",
        "/api/warehouses/-1",
        "/api/warehouses/0x1",
        "/api/warehouses/1e3",
        "/api/users/1.5",
        "/api/users/abc",
        "/api/users/-1",
        "/api/companies/-1",
        "/api/companies/abc",
        "/api/companies/1.0",
        # Other scripts' digits (a full-width 1, an Arabic-Indic 1), leading zeros: one resource, one URL.
        "/api/warehouses/01",
        "/api/warehouses/%EF%BC%91",
        "/api/warehouses/%D9%A1",
        "/api/users/%EF%BC%91",
        "/api/companies/%EF%BC%91",
    ],
)
@pytest.mark.parametrize("method", ["GET", "PATCH", "DELETE"])
def test_a_non_integer_id_in_the_path_is_a_json_404(send, snapshot, method, path):
    before = snapshot()
    assert_error(send(method, path, json={"name": "Renamed"}), 404, "not_found")
    assert snapshot() == before


@pytest.mark.parametrize("big", [2**31, 2**63, 10**20])
@pytest.mark.parametrize(
    "method, path",
    [
        *((method, "/api/warehouses/{big}") for method in ("GET", "PATCH", "DELETE")),
        *((method, "/api/users/{big}") for method in ("GET", "PATCH", "DELETE")),
        *((method, "/api/companies/{big}") for method in ("GET", "PATCH")),
    ],
)
def test_an_id_too_large_for_any_row_is_a_plain_404(send, snapshot, method, path, big):
    before = snapshot()
    assert_error(send(method, path.replace("{big}", str(big)), json={"name": "Renamed"}), 404, "not_found")
    assert snapshot() == before


@pytest.mark.parametrize("path", [
    "/api/nope", "/api/warehouses/{warehouse}/stock", "/nope", "/api/",
    # Not redirected to the path with one slash (werkzeug's answer to that is an HTML page).
    "/api//warehouses", "//api/warehouses", "/api/warehouses//{warehouse}",
])
def test_an_unknown_path_is_a_json_404(send, path):
    assert_error(send("GET", path), 404, "not_found")


@pytest.mark.parametrize(
    "method, path",
    [
        ("DELETE", "/api/auth/me"),
        ("GET", "/api/auth/register"),
        ("PUT", "/api/warehouses"),
        ("DELETE", "/api/warehouses"),
        ("PUT", "/api/warehouses/{warehouse}"),
        ("POST", "/api/warehouses/{warehouse}"),
        ("PATCH", "/api/users"),
        ("PUT", "/api/users/{user}"),
        ("POST", "/api/companies/{company}"),
        ("DELETE", "/api/companies/{company}"),
    ],
)
def test_a_method_the_path_does_not_take_is_a_json_405_with_allow(send, snapshot, method, path):
    before = snapshot()
    response = send(method, path, json={"name": "Renamed"})
    assert_error(response, 405, "method_not_allowed")
    assert method not in response.headers["Allow"]
    # The same methods in the same order as OPTIONS answers them, not in a set's order.
    assert response.headers["Allow"] == send("OPTIONS", path).headers["Allow"]
    assert snapshot() == before


@pytest.mark.parametrize("path, allowed", [
    ("/api/warehouses", ["GET", "HEAD", "OPTIONS", "POST"]),
    ("/api/warehouses/{warehouse}", ["DELETE", "GET", "HEAD", "OPTIONS", "PATCH"]),
    ("/api/auth/token", ["DELETE", "OPTIONS", "POST"]),
])
def test_options_answers_the_allowed_methods_in_json(send, snapshot, path, allowed):
    before = snapshot()
    response = send("OPTIONS", path)
    assert (response.status_code, response.is_json, response.json) == (200, True, {"allow": allowed})
    assert response.headers["Allow"] == ", ".join(allowed)
    assert snapshot() == before


@pytest.mark.parametrize("content_type", ["application/json", "text/plain"])
@pytest.mark.parametrize("method, path", endpoints(*WRITES))
def test_a_body_over_one_mib_is_413(send, snapshot, method, path, content_type):
    before = snapshot()
    data = json.dumps({"name": "x" * MIB})
    assert_error(send(method, path, data=data, content_type=content_type), 413, "payload_too_large")
    assert snapshot() == before


def test_a_body_of_exactly_one_mib_is_read_and_validated(send, snapshot):
    before = snapshot()
    shell = '{"name": "Big", "address": ""}'
    data = shell.replace('""', '"' + "a" * (MIB - len(shell)) + '"')
    assert len(data.encode()) == MIB
    assert_invalid(send("POST", "/api/warehouses", data=data, content_type="application/json"), "address")
    assert snapshot() == before


@pytest.mark.parametrize(
    "settings, field",
    [
        ({"recent_sales_days": 0}, "recent_sales_days"),
        ({"recent_sales_days": 366}, "recent_sales_days"),
        ({"recent_sales_days": -30}, "recent_sales_days"),
        ({"default_low_stock_threshold": -1}, "default_low_stock_threshold"),
    ],
)
def test_settings_out_of_range_are_refused(send, snapshot, settings, field):
    before = snapshot()
    assert_invalid(send(*UPDATE_COMPANY, json={"settings": settings}), f"settings.{field}")
    assert snapshot() == before


@pytest.mark.parametrize(
    "settings",
    [{"recent_sales_days": 1}, {"recent_sales_days": 365}, {"default_low_stock_threshold": 0}],
)
def test_settings_at_the_edges_of_their_range_are_accepted(send, settings):
    response = send(*UPDATE_COMPANY, json={"settings": settings})
    assert response.status_code == 200
    assert response.json["settings"] == {**response.json["settings"], **settings}


def test_a_settings_change_that_fails_leaves_the_other_setting_unchanged(send, snapshot):
    before = snapshot()
    response = send(*UPDATE_COMPANY, json={"settings": {"default_low_stock_threshold": 3, "recent_sales_days": 0}})
    assert_invalid(response, "settings.recent_sales_days")
    assert snapshot() == before


@pytest.mark.parametrize(
    "method, path, body",
    [
        pytest.param(*CREATE_USER, valid(CREATE_USER, role="owner"), id="create owner"),
        pytest.param(*CREATE_USER, valid(CREATE_USER, role="superuser"), id="create superuser"),
        pytest.param(*CREATE_USER, valid(CREATE_USER, role=""), id="create empty"),
        pytest.param(*UPDATE_USER, {"role": "owner"}, id="update owner"),
        pytest.param(*UPDATE_USER, {"role": "root"}, id="update root"),
    ],
)
def test_a_role_that_does_not_exist_is_refused(send, snapshot, method, path, body):
    before = snapshot()
    assert_invalid(send(method, path, json=body), "role")
    assert snapshot() == before


@pytest.mark.parametrize(
    "method, path, body, field",
    [
        case(CREATE_WAREHOUSE, {"name": ""}, "name", id="create empty"),
        case(CREATE_WAREHOUSE, {"name": "   "}, "name", id="create spaces"),
        case(CREATE_WAREHOUSE, {"name": "\t\n "}, "name", id="create tab-newline"),
        case(UPDATE_WAREHOUSE, {"name": ""}, "name", id="update empty"),
        case(UPDATE_WAREHOUSE, {"name": "    "}, "name", id="update spaces"),
        case(REGISTER, valid(REGISTER, company_name="  "), "company_name", id="register company spaces"),
        case(UPDATE_COMPANY, {"name": " \t"}, "name", id="company rename spaces"),
    ],
)
def test_an_empty_or_blank_name_is_refused(send, snapshot, method, path, body, field):
    before = snapshot()
    assert_invalid(send(method, path, json=body), field)
    assert snapshot() == before


@pytest.mark.parametrize(
    "method, path, body, field",
    [
        case(CREATE_WAREHOUSE, {"name": "Main\u0000Annex"}, "name"),
        case(CREATE_WAREHOUSE, {"name": "Depot", "address": "1 Dock Road\u0000"}, "address"),
        case(UPDATE_WAREHOUSE, {"name": "\u0000"}, "name"),
        case(UPDATE_COMPANY, {"name": "Acme\u0000"}, "name"),
        case(UPDATE_USER, {"name": "Ada\u0000Lovelace"}, "name"),
        case(REGISTER, valid(REGISTER, company_name="Initech\u0000"), "company_name"),
    ],
)
def test_text_with_a_nul_character_is_refused(send, snapshot, method, path, body, field):
    before = snapshot()
    response = send(method, path, json=body)
    assert_invalid(response, field)
    assert "NUL" in str(response.json["errors"])
    assert snapshot() == before


@pytest.mark.parametrize("path, query, param", [
    ("/api/companies/{company}/alerts/low-stock", "days=7&days=30", "days"),
    ("/api/companies/{company}/replenishment", "days=7&days=30", "days"),
    ("/api/orders", "status=pending&status=shipped", "status"),
    ("/api/purchase-orders", "status=draft&status=ordered", "status"),
    ("/api/events", "type=stock.low&type=stock.out", "type"),
    ("/api/products", "warehouse_id={warehouse}&warehouse_id={warehouse}", "warehouse_id"),
    ("/api/warehouses", "page=1&page=2", "page"),
])
def test_a_query_argument_given_twice_is_refused_naming_it(send, path, query, param):
    response = send("GET", f"{path}?{query}")
    assert_invalid(response, param)
    assert response.json["errors"] == {param: ["Give it once."]}


@pytest.mark.parametrize("method, path", endpoints(*WRITES))
def test_a_key_given_twice_in_a_body_is_refused_naming_it_whichever_value_comes_last(send, snapshot, ids, method, path):
    body = fill(VALID[(method, path)][0], ids)
    field, value = next(iter(body.items()))
    rest = json.dumps({key: item for key, item in body.items() if key != field})[1:-1]
    before = snapshot()
    for first, last in ((value, value), ("", value), (value, "")):
        # The valid body with its first field given twice: `{"name": "", ..., "name": "Overflow"}`.
        text = "{%s: %s, %s, %s: %s}" % (json.dumps(field), json.dumps(first), rest, json.dumps(field), json.dumps(last))
        response = send(method, path, data=text.replace(", , ", ", "), content_type="application/json")
        assert_invalid(response, field)
        assert response.json["errors"] == {field: ["Give it once."]}
    assert snapshot() == before


def test_a_key_given_twice_inside_a_batch_item_is_named_by_its_path(app, acme, send, ids):
    product = make_product(acme, "TWICE-1")
    before = database_state(app)
    text = ('{"movements": [{"type": "receive", "product_id": %d, "warehouse_id": %d, "quantity": 5, "type": "sale"}]}'
            % (product, ids["warehouse"]))
    response = send("POST", "/api/inventory/movements/batch", data=text, content_type="application/json")
    assert_invalid(response)
    assert response.json["errors"] == {"movements.0.type": ["Give it once."]}
    assert database_state(app) == before


@pytest.mark.parametrize("method, path", endpoints(*WRITES))
def test_a_write_with_a_query_argument_it_does_not_take_is_refused_naming_it(send, snapshot, method, path):
    before = snapshot()
    response = send(method, f"{path}?dryrun=true&page=1", json=VALID[(method, path)][0])
    assert_invalid(response, "dryrun", "page")
    assert response.json["errors"] == {"dryrun": ["Unknown query argument."], "page": ["Unknown query argument."]}
    assert snapshot() == before


def test_a_misspelt_dry_run_writes_nothing_and_reads_ignore_arguments_they_do_not_take(app, acme, send):
    before = database_state(app)
    sheet = {"data": b"sku,name,price\nQ-1,Query,1\n", "content_type": "text/csv"}
    for query in ("dryrun=true", "DRY_RUN=true", "dry_run=true&dryrun=true"):
        response = send("POST", f"/api/products/import?{query}", **sheet)
        assert_invalid(response, *(name for name in ("dryrun", "DRY_RUN") if name in query))
    assert send("DELETE", "/api/warehouses/{warehouse}?force=true").status_code == 422
    assert send("POST", "/api/inventory/movements/batch?dry_run=true", json={"movements": []}).json["errors"] == {
        "dry_run": ["Unknown query argument."]}
    assert database_state(app) == before
    assert send("POST", "/api/products/import?dry_run=true", **sheet).json["created"] == 1
    assert database_state(app) == before
    assert send("GET", "/api/warehouses?cache=123").status_code == 200


@pytest.mark.parametrize(
    "path, body, field",
    [
        ("/api/orders", {"warehouse_id": "{warehouse}", "items": [{"product_id": "{product}", "quantity": 0}]}, "items.0.quantity"),
        ("/api/orders", {"warehouse_id": "{warehouse}", "items": [{"product_id": "{product}", "quantity": 1}, ["{product}", 1]]}, "items.1"),
        ("/api/bundles", {"name": "Kit", "sku": "KIT-1", "price": "5.00",
                          "components": [{"product_id": "{product}", "quantity": True}]}, "components.0.quantity"),
        ("/api/products", {"name": "Clock", "sku": "CLK-2", "price": "5.00", "inventory": [None]}, "inventory.0"),
        ("/api/products", {"name": "Clock", "sku": "CLK-2", "price": "5.00",
                           "inventory": [{"warehouse_id": "{warehouse}", "quantity": -1}]}, "inventory.0.quantity"),
    ],
)
def test_a_nested_fields_messages_are_listed_under_its_top_level_field_after_its_path(app, acme, ids, path, body, field):
    """errors is field → list of messages: a nested field's messages are listed under its top-level
    field, each after its path within it (`{"items": ["0.quantity: …"]}`), rather than nested."""
    product = make_product(acme, "CLK-1", {ids["warehouse"]: 5})
    body = json.loads(json.dumps(body).replace('"{warehouse}"', str(ids["warehouse"])).replace('"{product}"', str(product)))
    before = database_state(app)
    response = acme.post(path, json=body)
    assert_invalid(response, field)
    assert list(response.json["errors"]) == [field.partition(".")[0]]
    assert database_state(app) == before
