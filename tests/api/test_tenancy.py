"""Companies never see each other's objects, and roles gate what a company's own users may do."""

import pytest

MISSING_ID = 2_000_000_000

FOREIGN_REQUESTS = [
    ("GET", "/api/warehouses/{warehouse}", None),
    ("PATCH", "/api/warehouses/{warehouse}", {"name": "Taken over", "address": "Elsewhere", "is_active": False}),
    ("PATCH", "/api/warehouses/{warehouse}", {}),
    ("DELETE", "/api/warehouses/{warehouse}", None),
    ("GET", "/api/users/{user}", None),
    ("PATCH", "/api/users/{user}", {"name": "Taken over", "role": "viewer", "is_active": False, "password": "hijacked-pass"}),
    ("DELETE", "/api/users/{user}", None),
    ("GET", "/api/users/{admin}", None),
    ("PATCH", "/api/users/{admin}", {"role": "viewer"}),
    ("DELETE", "/api/users/{admin}", None),
    ("GET", "/api/companies/{company}", None),
    ("PATCH", "/api/companies/{company}", {"name": "Taken over"}),
    ("PATCH", "/api/companies/{company}", {"settings": {"default_low_stock_threshold": 0, "recent_sales_days": 7}}),
    ("GET", "/api/companies/{company}/replenishment", None),
    ("POST", "/api/companies/{company}/replenishment/purchase-orders", {}),
    ("GET", "/api/suppliers/{supplier}", None),
    ("PATCH", "/api/suppliers/{supplier}", {"name": "Taken over"}),
    ("DELETE", "/api/suppliers/{supplier}", None),
    ("GET", "/api/purchase-orders/{purchase_order}", None),
    ("PATCH", "/api/purchase-orders/{purchase_order}", {"reference": "Taken over"}),
    ("PATCH", "/api/purchase-orders/{purchase_order}/status", {"status": "cancelled"}),
    ("PATCH", "/api/purchase-orders/{purchase_order}/status", {"status": "closed"}),
    ("GET", "/api/purchase-orders/{purchase_order}/receipts", None),
    ("POST", "/api/purchase-orders/{purchase_order}/receipts", {"lines": [{"line_id": 1, "quantity": 1}]}),
]


def cases(table):
    return [pytest.param(method, path, body, id=f"{method} {path} {sorted(body or {})}") for method, path, body in table]


def send(account, method, path, body=None):
    return account.client.open(path, method=method, headers=account.headers, json=body)


def state_of(account) -> dict:
    """Everything an admin can read about their company."""
    return {
        "company": account.get(f"/api/companies/{account.company_id}").json,
        "warehouses": account.get("/api/warehouses?per_page=200").json,
        "users": account.get("/api/users?per_page=200").json,
        "suppliers": account.get("/api/suppliers?per_page=200").json,
        "purchase_orders": account.get("/api/purchase-orders?per_page=200").json,
        "inventory": account.get("/api/inventory?per_page=200").json,
    }


@pytest.fixture
def acme_ids(acme):
    main = acme.post("/api/warehouses", json={"name": "Main", "address": "1 Road Runner Way"})
    overflow = acme.post("/api/warehouses", json={"name": "Overflow"})
    assert main.status_code == overflow.status_code == 201
    staff = acme.add_user("staff")
    supplier = acme.post("/api/suppliers", json={"name": "Tick & Co"}).json["id"]
    product = acme.post("/api/products", json={"name": "Clock", "sku": "TENANT-CLOCK", "price": "9.99"}).json["id"]
    order = acme.post("/api/purchase-orders", json={"supplier_id": supplier, "warehouse_id": main.json["id"],
                                                    "lines": [{"product_id": product, "quantity": 5, "unit_cost": "2.00"}]})
    assert order.status_code == 201, order.json
    assert acme.patch(f"/api/purchase-orders/{order.json['id']}/status", json={"status": "ordered"}).status_code == 200
    return {
        "company": acme.company_id,
        "supplier": supplier,
        "product": product,
        "purchase_order": order.json["id"],
        "line": order.json["lines"][0]["id"],
        "warehouse": main.json["id"],
        "warehouses": [main.json["id"], overflow.json["id"]],
        "user": staff.user_id,
        "admin": acme.user_id,
        "users": [acme.user_id, staff.user_id],
        "staff": staff,
    }


@pytest.fixture
def globex_ids(globex, acme_ids):
    main = globex.post("/api/warehouses", json={"name": "Globex Main"})
    assert main.status_code == 201
    viewer = globex.add_user("viewer")
    return {"warehouses": [main.json["id"]], "users": [globex.user_id, viewer.user_id]}


@pytest.mark.parametrize("method, path, body", cases(FOREIGN_REQUESTS))
def test_another_company_gets_404_on_each_object_and_changes_nothing(acme, globex, acme_ids, globex_ids, method, path, body):
    before = state_of(acme)
    response = send(globex, method, path.format(**acme_ids), body)
    assert response.status_code == 404, response.json
    assert response.json["error"] == "not_found"
    assert state_of(acme) == before
    assert acme_ids["staff"].get("/api/auth/me").status_code == 200


@pytest.mark.parametrize("method, path, body", cases(FOREIGN_REQUESTS))
def test_a_foreign_object_is_answered_exactly_like_one_that_does_not_exist(acme, globex, acme_ids, globex_ids, method, path, body):
    foreign_id = acme_ids[path.split("{")[1].split("}")[0]]
    foreign = send(globex, method, path.format(**acme_ids), body)
    missing = send(globex, method, path.format(**dict.fromkeys(acme_ids, MISSING_ID)), body)
    assert foreign.status_code == missing.status_code == 404
    assert {**foreign.json, "message": foreign.json["message"].replace(str(foreign_id), "{id}")} == {
        **missing.json,
        "message": missing.json["message"].replace(str(MISSING_ID), "{id}"),
    }
    assert sorted(foreign.headers.keys()) == sorted(missing.headers.keys())
    assert foreign.content_type == missing.content_type


@pytest.mark.parametrize("role", ["viewer", "staff", "manager"])
def test_every_role_of_another_company_gets_404_on_a_warehouse(globex, acme_ids, role):
    member = globex.add_user(role)
    response = member.get(f"/api/warehouses/{acme_ids['warehouse']}")
    assert response.status_code == 404
    assert response.json["error"] == "not_found"


@pytest.mark.parametrize("kind", ["warehouses", "users"])
def test_lists_hold_only_the_callers_objects_and_count_only_them(globex, acme_ids, globex_ids, kind):
    response = globex.get(f"/api/{kind}")
    assert response.status_code == 200
    listed = [item["id"] for item in response.json["items"]]
    assert listed == sorted(globex_ids[kind])
    assert not set(listed) & set(acme_ids[kind])
    assert response.json["total"] == len(globex_ids[kind])
    assert {item["company_id"] for item in response.json["items"]} == {globex.company_id}


@pytest.mark.parametrize("kind", ["warehouses", "users"])
def test_paging_through_a_list_never_reaches_another_company(globex, acme_ids, globex_ids, kind):
    seen = []
    for page in range(1, 6):
        body = globex.get(f"/api/{kind}?per_page=1&page={page}").json
        assert body["total"] == len(globex_ids[kind])
        seen += [item["id"] for item in body["items"]]
    assert seen == sorted(globex_ids[kind])


def test_warehouse_names_are_unique_only_within_a_company(acme, globex, acme_ids):
    response = globex.post("/api/warehouses", json={"name": "Main"})
    assert response.status_code == 201
    assert response.json["company_id"] == globex.company_id
    assert acme.get(f"/api/warehouses/{acme_ids['warehouse']}").json["company_id"] == acme.company_id


WAREHOUSE_WRITES = [
    ("POST", "/api/warehouses", {"name": "Side Door"}),
    ("PATCH", "/api/warehouses/{warehouse}", {"name": "Renamed"}),
    ("PATCH", "/api/warehouses/{warehouse}", {"is_active": False}),
    ("DELETE", "/api/warehouses/{warehouse}", None),
]


@pytest.mark.parametrize("method, path, body", cases(WAREHOUSE_WRITES))
@pytest.mark.parametrize("role", ["viewer", "staff"])
def test_viewers_and_staff_get_403_on_warehouse_writes(acme, acme_ids, role, method, path, body):
    member = acme.add_user(role)
    before = state_of(acme)
    response = send(member, method, path.format(**acme_ids), body)
    assert response.status_code == 403
    assert response.json["error"] == "forbidden"
    assert state_of(acme) == before


def test_a_manager_can_create_change_and_delete_a_warehouse(acme):
    manager = acme.add_user("manager")
    created = manager.post("/api/warehouses", json={"name": "Side Door", "address": "2 Back Lane"})
    assert created.status_code == 201
    assert created.json["company_id"] == acme.company_id
    path = f"/api/warehouses/{created.json['id']}"
    assert manager.patch(path, json={"name": "Front Door"}).json["name"] == "Front Door"
    assert manager.delete(path).status_code == 204
    assert acme.get(path).status_code == 404


ADMIN_ONLY = [
    ("GET", "/api/users", None),
    ("POST", "/api/users", {"email": "sneaky@acme.example", "password": "long-enough-pass", "role": "admin"}),
    ("GET", "/api/users/{admin}", None),
    ("PATCH", "/api/users/{user}", {"role": "admin"}),
    ("DELETE", "/api/users/{admin}", None),
    ("PATCH", "/api/companies/{company}", {"name": "Renamed"}),
    ("PATCH", "/api/companies/{company}", {"settings": {"recent_sales_days": 7}}),
]


@pytest.mark.parametrize("method, path, body", cases(ADMIN_ONLY))
@pytest.mark.parametrize("role", ["manager", "staff", "viewer"])
def test_only_admins_manage_users_and_company_settings(acme, acme_ids, role, method, path, body):
    member = acme.add_user(role)
    before = state_of(acme)
    response = send(member, method, path.format(**acme_ids), body)
    assert response.status_code == 403
    assert response.json["error"] == "forbidden"
    assert state_of(acme) == before


def test_a_manager_cannot_promote_themselves(acme, acme_ids):
    manager = acme.add_user("manager")
    response = manager.patch(f"/api/users/{manager.user_id}", json={"role": "admin"})
    assert response.status_code == 403
    assert acme.get(f"/api/users/{manager.user_id}").json["role"] == "manager"


def test_a_viewer_can_read_the_warehouses_and_the_company(acme, acme_ids):
    viewer = acme.add_user("viewer")
    warehouses = viewer.get("/api/warehouses")
    assert warehouses.status_code == 200
    assert warehouses.json == acme.get("/api/warehouses").json
    one = viewer.get(f"/api/warehouses/{acme_ids['warehouse']}")
    assert one.status_code == 200
    assert one.json["name"] == "Main"
    company = viewer.get(f"/api/companies/{acme.company_id}")
    assert company.status_code == 200
    assert company.json == acme.get(f"/api/companies/{acme.company_id}").json


def test_another_companys_supplier_warehouse_product_or_order_line_in_a_body_is_refused_as_unknown(
        acme, globex, acme_ids, globex_ids):
    """422 naming the field, as an id that does not exist: never a hint that it exists elsewhere."""
    supplier = globex.post("/api/suppliers", json={"name": "Globex Parts"}).json["id"]
    product = globex.post("/api/products", json={"name": "Gadget", "sku": "GLOBEX-GADGET", "price": "1.00"}).json["id"]
    valid = {"supplier_id": supplier, "warehouse_id": globex_ids["warehouses"][0],
             "lines": [{"product_id": product, "quantity": 2, "unit_cost": "1.00"}]}
    before = state_of(acme)
    for field, change in (("supplier_id", {"supplier_id": acme_ids["supplier"]}),
                          ("warehouse_id", {"warehouse_id": acme_ids["warehouse"]}),
                          ("lines.0.product_id", {"lines": [{"product_id": acme_ids["product"], "quantity": 1, "unit_cost": "1.00"}]})):
        response = globex.post("/api/purchase-orders", json={**valid, **change})
        assert (response.status_code, list(response.json["errors"])) == (422, [field]), change
    order = globex.post("/api/purchase-orders", json=valid).json
    globex.patch(f"/api/purchase-orders/{order['id']}/status", json={"status": "ordered"})
    response = globex.post(f"/api/purchase-orders/{order['id']}/receipts",
                           json={"lines": [{"line_id": acme_ids["line"], "quantity": 1}]})
    assert (response.status_code, list(response.json["errors"])) == (422, ["lines.0.line_id"])
    assert state_of(acme) == before


@pytest.mark.parametrize("path, name", [
    ("/api/purchase-orders/{id}/receipts", "Purchase order"), ("/api/webhooks/{id}", "Webhook subscription"),
    ("/api/product-types/{id}", "Product type"), ("/api/warehouses/{id}", "Warehouse"),
])
def test_a_404_names_the_object_in_words(acme, path, name):
    response = acme.get(path.format(id=MISSING_ID))
    assert (response.status_code, response.json["message"]) == (404, f"{name} {MISSING_ID} does not exist")
