"""Factories for API tests: create through the API and assert it worked.

`create_*` returns the created resource's body, `make_*` its id.
"""


def created(account, path, body) -> dict:
    response = account.post(path, json=body)
    assert response.status_code == 201, response.json
    return response.json


def create_warehouse(account, name="Main") -> dict:
    return created(account, "/api/warehouses", {"name": name})


def make_warehouse(account, name="Main") -> int:
    return create_warehouse(account, name)["id"]


def create_product(account, sku, stock=None, price="9.99", name=None, **fields) -> dict:
    """A product named after its SKU (or `name`), with `stock` ({warehouse_id: quantity}) as initial
    inventory; `fields` are any other body fields (low_stock_threshold, product_type_id, supplier_id…)."""
    inventory = [{"warehouse_id": w, "quantity": q} for w, q in (stock or {}).items()]
    body = {"name": name or sku.title(), "sku": sku, "price": price, "inventory": inventory, **fields}
    return created(account, "/api/products", body)


def make_product(account, sku, stock=None, price="9.99", **fields) -> int:
    return create_product(account, sku, stock, price, **fields)["id"]


def lines(*pairs):
    """[{product_id, quantity}] from (product, quantity) pairs, the product as an id or a created body:
    components or order items."""
    return [{"product_id": product["id"] if isinstance(product, dict) else product, "quantity": quantity}
            for product, quantity in pairs]


def create_bundle(account, sku, *components, price="29.99", name=None) -> dict:
    body = {"name": name or sku.title(), "sku": sku, "price": price, "components": lines(*components)}
    return created(account, "/api/bundles", body)


def make_bundle(account, sku, *components, price="29.99") -> int:
    return create_bundle(account, sku, *components, price=price)["id"]


def create_product_type(account, name="Wall Clocks", threshold=5) -> dict:
    return created(account, "/api/product-types", {"name": name, "low_stock_threshold": threshold})


def make_product_type(account, name="Wall Clocks", threshold=5) -> int:
    return create_product_type(account, name, threshold)["id"]


def create_supplier(account, name="Clockmakers Ltd", **fields) -> dict:
    """A supplier; `fields` are contact_email, contact_phone, lead_time_days."""
    return created(account, "/api/suppliers", {"name": name, **fields})


def make_supplier(account, name="Clockmakers Ltd", **fields) -> int:
    return create_supplier(account, name, **fields)["id"]


def link_supplier(account, product_id, supplier_id, **terms):
    """Link a product to a supplier on `terms` (lead_time_days, min_order_qty, is_primary…); returns the link."""
    response = account.put(f"/api/products/{product_id}/suppliers/{supplier_id}", json=terms)
    assert response.status_code == 200, response.json
    return response.json
