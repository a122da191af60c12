"""Property-based hostility: every write endpoint's valid body, with one value (or key, or the whole
body) replaced by something hostile — nesting thousands deep, integers of thousands of digits,
timestamps beyond UTC's range, lone surrogates, names that grow when case-folded, sums past their
columns, money in exotic spellings. Whatever comes, the answer is never a 5xx, always JSON, and a
4xx leaves every row of the database as it was.

Derandomized, so CI runs the same examples every time; FUZZ_EXAMPLES=500 digs deeper, and
FUZZ_SEED=n (with derandomization off) looks elsewhere.
"""

import json
import os
import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import PASSWORD
from tests.dbstate import database_state
from tests.factories import link_supplier, make_bundle, make_product, make_product_type, make_supplier, make_warehouse

pytestmark = pytest.mark.slow

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "25"))
SEED = os.environ.get("FUZZ_SEED")
HOLE = "@@HOSTILE@@"


def as_json(value) -> str:
    return json.dumps(value)  # escapes lone surrogates as \udxxx: valid JSON text, invalid Unicode


FOLDING = "ßﬃİΐŉǰ"
hostile = st.one_of(
    # Nesting past the parser's bounds, as arrays and as objects.
    st.integers(33, 4_000).map(lambda depth: "[" * depth + "]" * depth),
    st.integers(33, 2_000).map(lambda depth: '{"a":' * depth + "1" + "}" * depth),
    # Integer literals of thousands of digits, either sign.
    st.tuples(st.sampled_from(["", "-"]), st.integers(20, 6_000)).map(lambda t: t[0] + "9" * t[1]),
    # Numbers at and past every column's edge.
    st.sampled_from([2**31 - 1, 2**31, 2**32, 2**63 - 1, 2**63, -(2**63) - 1, 10**12, 10**15, 10**18, 10**22, -1, 0,
                     1.5, 1e308, -1e308, 5e-324]).map(as_json),
    st.sampled_from(["1e400", "-1e400", "NaN", "Infinity", "-Infinity"]),
    # Timestamps valid in their offset, outside UTC's range, or not dates at all.
    st.sampled_from(["0001-01-01T00:00:00+00:01", "9999-12-31T23:59:59-00:01", "0001-01-01T00:00:00Z",
                     "9999-12-31T23:59:59Z", "0000-01-01T00:00:00Z", "2026-02-30T00:00:00Z", "2026-11-21T24:00:00Z",
                     "2026-11-21T10:00:00+24:00", "2026-11-21", "+002026-11-21T10:00:00Z"]).map(as_json),
    # Lone surrogates, alone or inside text.
    st.tuples(st.text(max_size=10), st.sampled_from(["\ud800", "\udbff", "\udc00", "\udfff"]), st.text(max_size=10))
    .map(lambda t: as_json("".join(t))),
    # Names that grow when case-folded, at and past their length limits.
    st.tuples(st.sampled_from(FOLDING), st.sampled_from([1, 64, 65, 119, 120, 121, 200, 254, 255, 256]))
    .map(lambda t: as_json(t[0] * t[1])),
    # Money in spellings Decimal would take.
    st.sampled_from(["1e3", "١٢", "１２", "1_000", "-0", "99999999.995", "100000000", "0.001", " 1 "]).map(as_json),
    # Wrong shapes.
    st.sampled_from(["null", "true", "false", "[]", "{}", '""', '" "', as_json("x" * 10_000)]),
    st.text(max_size=40).map(as_json),
)


def endpoints(world) -> dict[str, tuple[str, str, dict, dict]]:
    """Every write endpoint: (method, path, a valid body, extra headers), with the world's ids."""
    email = f"fuzz-{uuid.uuid4().hex[:8]}@example.com"
    w, p, b, s = world["warehouse"], world["product"], world["bundle"], world["supplier"]
    movement = {"type": "receive", "product_id": p, "warehouse_id": w, "quantity": 1, "reason": "fuzz",
                "reference": "FZ-1", "occurred_at": "2026-01-01T00:00:00Z"}
    return {
        "register": ("POST", "/api/auth/register", {"company_name": "Fuzz", "email": email, "password": PASSWORD, "name": "F"}, {}),
        "log in": ("POST", "/api/auth/token", {"email": world["email"], "password": PASSWORD, "token_name": "t"}, {}),
        "add user": ("POST", "/api/users", {"email": email, "password": PASSWORD, "role": "staff", "name": "F"}, {}),
        "change user": ("PATCH", f"/api/users/{world['user']}", {"name": "F", "role": "viewer", "is_active": True, "password": PASSWORD}, {}),
        "company": ("PATCH", f"/api/companies/{world['company']}",
                    {"name": "F", "settings": {"default_low_stock_threshold": 3, "recent_sales_days": 7}}, {}),
        "add warehouse": ("POST", "/api/warehouses", {"name": "Depot", "address": "1 Road"}, {}),
        "change warehouse": ("PATCH", f"/api/warehouses/{w}", {"name": "Main", "address": "2 Road", "is_active": True}, {}),
        "add type": ("POST", "/api/product-types", {"name": "Clocks", "low_stock_threshold": 4}, {}),
        "change type": ("PATCH", f"/api/product-types/{world['type']}", {"name": "Lamps", "low_stock_threshold": 2}, {}),
        "add supplier": ("POST", "/api/suppliers", {"name": "Acme Parts", "contact_email": "p@acme.example",
                                                    "contact_phone": "+44 1", "lead_time_days": 3}, {}),
        "change supplier": ("PATCH", f"/api/suppliers/{s}", {"name": "Parts", "lead_time_days": 5}, {}),
        "add product": ("POST", "/api/products", {
            "name": "Clock", "sku": "FUZZ-NEW", "price": "9.99", "description": "d", "product_type_id": world["type"],
            "low_stock_threshold": 2, "supplier_id": s, "inventory": [{"warehouse_id": w, "quantity": 3}]},
            {"Idempotency-Key": "fuzz-product"}),
        "change product": ("PATCH", f"/api/products/{p}", {"name": "Clock", "price": "5.00", "low_stock_threshold": 1,
                                                          "product_type_id": world["type"], "is_active": True}, {}),
        "link supplier": ("PUT", f"/api/products/{p}/suppliers/{s}", {"supplier_sku": "X-1", "unit_cost": "2.50",
                                                                      "lead_time_days": 2, "min_order_qty": 5, "is_primary": True}, {}),
        "add bundle": ("POST", "/api/bundles", {"name": "Kit", "sku": "FUZZ-KIT", "price": "20.00",
                                                "components": [{"product_id": p, "quantity": 2}]}, {}),
        "bundle components": ("PUT", f"/api/bundles/{b}/components", {"components": [{"product_id": p, "quantity": 1}]}, {}),
        "level threshold": ("PATCH", f"/api/inventory/{world['level']}", {"low_stock_threshold": 7}, {}),
        "movement": ("POST", "/api/inventory/movements", movement, {"Idempotency-Key": "fuzz-movement"}),
        "count": ("POST", "/api/inventory/movements", {"type": "count", "product_id": p, "warehouse_id": w,
                                                       "quantity": 5, "expected_on_hand": 5}, {}),
        "order": ("POST", "/api/orders", {"warehouse_id": w, "items": [{"product_id": p, "quantity": 1}],
                                          "reference": "SO-1", "customer_name": "Ada"}, {}),
        "order status": ("PATCH", f"/api/orders/{world['order']}/status", {"status": "cancelled"}, {}),
        "draft purchase order": ("POST", "/api/purchase-orders", {
            "supplier_id": s, "warehouse_id": w, "lines": [{"product_id": p, "quantity": 5, "unit_cost": "2.00"}],
            "reference": "PO-1", "notes": "n", "expected_at": "2026-12-24T00:00:00Z"}, {"Idempotency-Key": "fuzz-po"}),
        "edit purchase order": ("PATCH", f"/api/purchase-orders/{world['draft']}", {
            "lines": [{"product_id": p, "quantity": 3}], "reference": "PO-2", "expected_at": None}, {}),
        "purchase order status": ("PATCH", f"/api/purchase-orders/{world['draft']}/status", {"status": "cancelled"}, {}),
        "receipt": ("POST", f"/api/purchase-orders/{world['placed']}/receipts", {
            "lines": [{"line_id": world["line"], "quantity": 1}], "reference": "DN-1",
            "occurred_at": "2026-01-01T00:00:00Z"}, {"Idempotency-Key": "fuzz-receipt"}),
        "replenishment drafts": ("POST", f"/api/companies/{world['company']}/replenishment/purchase-orders",
                                 {"supplier_id": s, "warehouse_id": w}, {}),
        "level reorder up to": ("PATCH", f"/api/inventory/{world['level']}", {"reorder_up_to": 500}, {}),
    }


@pytest.fixture
def world(acme):
    """One of everything, for the bodies to name."""
    main = make_warehouse(acme)
    product_type = make_product_type(acme)
    supplier = make_supplier(acme)
    product = make_product(acme, "RETRO-CLOCK", {main: 50})
    link_supplier(acme, product, supplier)
    bundle = make_bundle(acme, "GIFT-BOX", (product, 1))
    order = acme.post("/api/orders", json={"warehouse_id": main, "items": [{"product_id": product, "quantity": 1}]}).json["id"]
    level = acme.get("/api/inventory").json["items"][0]["id"]
    staff = acme.add_user("staff")
    lines = [{"product_id": product, "quantity": 1_000, "unit_cost": "2.00"}]
    draft = acme.post("/api/purchase-orders", json={"supplier_id": supplier, "warehouse_id": main, "lines": lines}).json
    placed = acme.post("/api/purchase-orders", json={"supplier_id": supplier, "warehouse_id": main, "lines": lines}).json
    assert acme.patch(f"/api/purchase-orders/{placed['id']}/status", json={"status": "ordered"}).status_code == 200
    return {"company": acme.company_id, "warehouse": main, "type": product_type, "supplier": supplier, "product": product,
            "bundle": bundle, "order": order, "level": level, "user": staff.user_id, "email": acme.email,
            "draft": draft["id"], "placed": placed["id"], "line": placed["lines"][0]["id"]}


def positions(value, path=()):
    """Every position in a body a value can be put at: each existing value, and a new key in each object."""
    yield path
    if isinstance(value, dict):
        yield (*path, "@new")
        for key, item in value.items():
            yield from positions(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from positions(item, (*path, index))


def with_hole(body, position):
    """The body with the value at `position` replaced by HOLE (a new key "fuzz" for "@new")."""
    if not position:
        return HOLE
    head, *rest = position
    if head == "@new":
        return {**body, "fuzz": HOLE}
    copy = list(body) if isinstance(body, list) else dict(body)
    copy[head] = with_hole(body[head], tuple(rest))
    return copy


def hostile_body(data, body) -> str:
    """The valid body as JSON text, with one hostile value or key in it."""
    if data.draw(st.integers(0, 9), label="kind") == 0:  # a hostile key, one time in ten
        key = data.draw(st.sampled_from(["\ud800", "a\udfffb", "ß" * 300]), label="key")
        return json.dumps({**body, key: 1})
    position = data.draw(st.sampled_from(list(positions(body))), label="position")
    value = data.draw(hostile, label="value")
    return json.dumps(with_hole(body, position)).replace(json.dumps(HOLE), value)


SETTINGS = settings(
    max_examples=EXAMPLES, deadline=None, derandomize=SEED is None, database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
ENDPOINT_NAMES = list(endpoints({k: 1 for k in ("warehouse", "product", "bundle", "supplier", "user", "company", "type",
                                               "level", "order", "email", "draft", "placed", "line")}))


@pytest.mark.parametrize("name", ENDPOINT_NAMES)
@SETTINGS
@given(data=st.data())
def test_hostile_bodies_are_refused_cleanly_and_change_nothing(app, acme, world, name, data):
    method, path, body, headers = endpoints(world)[name]
    raw = hostile_body(data, body)
    before = database_state(app)
    response = acme.client.open(path, method=method, data=raw,
                                headers={**acme.headers, **headers, "Content-Type": "application/json"})
    assert response.status_code < 500, (name, raw[:300], response.get_data(as_text=True)[:500])
    assert response.is_json, (name, raw[:300], response.get_data(as_text=True)[:300])
    body_out = response.json
    if response.status_code >= 400:
        assert body_out["code"] == response.status_code and body_out["error"] and body_out["message"]
        assert database_state(app) == before, (name, raw[:300], response.status_code, body_out)


hostile_query_value = st.one_of(
    st.sampled_from(["0001-01-01T00:00:00+00:01", "9999-12-31T23:59:59-00:01", "0000-00-00", "2026-13-01T00:00:00Z",
                     "9" * 5_000, "-" + "9" * 5_000, "1e400", "NaN", "", "%00", "\u0000", "ß" * 300, "\ud800"]),
    st.text(max_size=30),
)
QUERIES = [
    ("/api/inventory/movements", ["since", "until", "product_id", "warehouse_id", "type", "limit", "cursor"]),
    ("/api/orders", ["since", "until", "status", "warehouse_id", "page", "per_page"]),
    ("/api/products", ["q", "sku", "product_type_id", "supplier_id", "warehouse_id", "is_bundle", "is_active", "page"]),
    ("/api/inventory", ["product_id", "warehouse_id", "below_threshold", "per_page"]),
    ("/api/suppliers", ["q", "page"]),
    ("/api/companies/{company}/alerts/low-stock", ["days", "warehouse_id", "product_type_id", "supplier_id", "page",
                                                   "needs_reorder"]),
    ("/api/purchase-orders", ["status", "supplier_id", "warehouse_id", "product_id", "overdue", "per_page"]),
    ("/api/companies/{company}/replenishment", ["days", "warehouse_id", "supplier_id"]),
]


@pytest.mark.parametrize("path, parameters", QUERIES, ids=[path for path, _ in QUERIES])
@SETTINGS
@given(data=st.data())
def test_hostile_query_strings_are_refused_cleanly(acme, path, parameters, data):
    parameter = data.draw(st.sampled_from(parameters), label="parameter")
    value = data.draw(hostile_query_value, label="value")
    response = acme.get(path.format(company=acme.company_id),
                        query_string={parameter: value.encode("utf-8", "surrogatepass")})
    assert response.status_code < 500, (path, parameter, value[:100], response.get_data(as_text=True)[:500])
    assert response.is_json
