"""Factories for API tests: create through the API, assert it worked, return the new id."""


def make_warehouse(account, name="Main"):
    response = account.post("/api/warehouses", json={"name": name})
    assert response.status_code == 201, response.json
    return response.json["id"]


def make_product(account, sku, stock=None, price="9.99", **fields):
    """A product named after its SKU, with `stock` ({warehouse_id: quantity}) as initial inventory;
    `fields` are any other body fields (low_stock_threshold, product_type_id, supplier_id…)."""
    inventory = [{"warehouse_id": w, "quantity": q} for w, q in (stock or {}).items()]
    body = {"name": sku.title(), "sku": sku, "price": price, "inventory": inventory, **fields}
    response = account.post("/api/products", json=body)
    assert response.status_code == 201, response.json
    return response.json["id"]


def lines(*pairs):
    """[{product_id, quantity}] from (product_id, quantity) pairs: components or order items."""
    return [{"product_id": product_id, "quantity": quantity} for product_id, quantity in pairs]


def make_bundle(account, sku, *components, price="29.99"):
    response = account.post("/api/bundles", json={"name": sku.title(), "sku": sku, "price": price, "components": lines(*components)})
    assert response.status_code == 201, response.json
    return response.json["id"]


def make_product_type(account, name="Wall Clocks", threshold=5):
    response = account.post("/api/product-types", json={"name": name, "low_stock_threshold": threshold})
    assert response.status_code == 201, response.json
    return response.json["id"]


def make_supplier(account, name="Clockmakers Ltd", **fields):
    """A supplier; `fields` are contact_email, contact_phone, lead_time_days."""
    response = account.post("/api/suppliers", json={"name": name, **fields})
    assert response.status_code == 201, response.json
    return response.json["id"]


def link_supplier(account, product_id, supplier_id, **terms):
    """Link a product to a supplier on `terms` (lead_time_days, min_order_qty, is_primary…); returns the link."""
    response = account.put(f"/api/products/{product_id}/suppliers/{supplier_id}", json=terms)
    assert response.status_code == 200, response.json
    return response.json
