"""Helpers of the purchasing tests: draft, place and receive purchase orders through the API."""


def po_lines(*pairs) -> list[dict]:
    """[{product_id, quantity[, unit_cost]}] from (product_id, quantity[, unit_cost]) tuples."""
    return [{"product_id": pair[0], "quantity": pair[1], **({"unit_cost": pair[2]} if len(pair) > 2 else {})}
            for pair in pairs]


def draft(account, supplier_id, warehouse_id, *pairs, **fields):
    """POST a draft purchase order; the caller checks the answer."""
    body = {"supplier_id": supplier_id, "warehouse_id": warehouse_id, "lines": po_lines(*pairs), **fields}
    return account.post("/api/purchase-orders", json=body)


def drafted(account, supplier_id, warehouse_id, *pairs, **fields) -> dict:
    response = draft(account, supplier_id, warehouse_id, *pairs, **fields)
    assert response.status_code == 201, response.json
    return response.json


def set_status(account, order_id, status, **kwargs):
    return account.patch(f"/api/purchase-orders/{order_id}/status", json={"status": status}, **kwargs)


def placed(account, supplier_id, warehouse_id, *pairs, **fields) -> dict:
    """A purchase order drafted and placed (ordered)."""
    order = drafted(account, supplier_id, warehouse_id, *pairs, **fields)
    response = set_status(account, order["id"], "ordered")
    assert response.status_code == 200, response.json
    return response.json


def receive(account, order, *quantities, **fields):
    """POST a receipt of `quantities`, one per line of `order` in order (0: leave the line out)."""
    lines = [{"line_id": line["id"], "quantity": quantity} for line, quantity in zip(order["lines"], quantities) if quantity]
    return account.post(f"/api/purchase-orders/{order['id']}/receipts", json={"lines": lines, **fields})


def incoming(account, product_id, warehouse_id) -> int | None:
    """The level's incoming, or None when the product has no level there."""
    items = account.get("/api/inventory", query_string={"product_id": product_id, "warehouse_id": warehouse_id}).json["items"]
    return items[0]["incoming"] if items else None
