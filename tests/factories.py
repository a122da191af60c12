"""Factories for API tests: create through the API, assert it worked, return the new id."""


def make_warehouse(account, name="Main"):
    response = account.post("/api/warehouses", json={"name": name})
    assert response.status_code == 201, response.json
    return response.json["id"]


def make_product(account, sku, stock=None, price="9.99"):
    """A product named after its SKU, with `stock` ({warehouse_id: quantity}) as initial inventory."""
    inventory = [{"warehouse_id": w, "quantity": q} for w, q in (stock or {}).items()]
    response = account.post("/api/products", json={"name": sku.title(), "sku": sku, "price": price, "inventory": inventory})
    assert response.status_code == 201, response.json
    return response.json["id"]


def lines(*pairs):
    """[{product_id, quantity}] from (product_id, quantity) pairs: components or order items."""
    return [{"product_id": product_id, "quantity": quantity} for product_id, quantity in pairs]


def make_bundle(account, sku, *components, price="29.99"):
    response = account.post("/api/bundles", json={"name": sku.title(), "sku": sku, "price": price, "components": lines(*components)})
    assert response.status_code == 201, response.json
    return response.json["id"]
