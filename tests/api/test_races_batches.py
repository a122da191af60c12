"""Races of batches (MySQL): 20 clients post batches over overlapping levels at once; no deadlock
escapes as a 500, nothing is oversold, and the ledger still adds up to every level."""

import random

import pytest

from tests.api.races import answer, assert_no_server_errors, assert_stock_invariants, product, run_together, tally, warehouse

pytestmark = [pytest.mark.mysql, pytest.mark.slow]


def test_twenty_concurrent_batches_over_overlapping_levels(app, acme):
    main, backroom = warehouse(acme, "Main"), warehouse(acme, "Backroom")
    products = [product(acme, {main: 30, backroom: 30}) for _ in range(6)]
    generator = random.Random(7)

    def batch():
        items = []
        for _ in range(generator.randint(5, 40)):
            item = {"product_id": generator.choice(products), "warehouse_id": generator.choice((main, backroom)),
                    "quantity": generator.randint(1, 4)}
            kind = generator.choice(("sale", "sale", "receive", "transfer"))
            if kind == "transfer":
                item["to_warehouse_id"] = backroom if item["warehouse_id"] == main else main
            items.append({"type": kind, **item})
        return items

    bodies = [{"movements": batch()} for _ in range(20)]
    answers = run_together(app, [
        lambda client, body=body: answer(client.post("/api/inventory/movements/batch", json=body, headers=acme.headers))
        for body in bodies
    ])

    assert_no_server_errors(answers, "20 batches")
    assert set(tally(answers)) <= {(201, None), (409, "insufficient_stock")}, tally(answers)
    assert any(a["status"] == 201 for a in answers)
    levels = assert_stock_invariants(app, acme.company_id)
    # Only what the applied batches moved: 30 + their receipts − their sales, per product overall.
    applied = [body for body, a in zip(bodies, answers) if a["status"] == 201]
    for product_id in products:
        expected = 60 + sum(i["quantity"] * {"receive": 1, "sale": -1, "transfer": 0}[i["type"]]
                            for body in applied for i in body["movements"] if i["product_id"] == product_id)
        assert levels[(product_id, main)][0] + levels[(product_id, backroom)][0] == expected


def test_imports_racing_with_edits_of_the_same_products_never_half_update_one(app, acme):
    """Imports and PATCHes of the same 10 products at once: every product ends as one writer left
    it, its name and price from the same request, never a mix."""
    main = warehouse(acme, "Main")
    products = {f"RACE-{n}": product(acme, {main: 5}, sku=f"RACE-{n}") for n in range(10)}
    sheets = [("sku,name,price\n" + "".join(f"{sku},import {i},{i}.00\n" for sku in products)).encode() for i in range(1, 6)]
    edits = [(product_id, {"name": f"edit {i}", "price": f"{i}.50"}) for i in range(1, 6) for product_id in products.values()]
    answers = run_together(app, [
        lambda client, sheet=sheet: answer(client.post("/api/products/import", data=sheet, content_type="text/csv", headers=acme.headers))
        for sheet in sheets
    ] + [
        lambda client, edit=edit: answer(client.patch(f"/api/products/{edit[0]}", json=edit[1], headers=acme.headers))
        for edit in edits
    ])
    assert_no_server_errors(answers, "imports and edits")
    assert set(tally(answers)) == {(200, None)}, tally(answers)
    for item in acme.get("/api/products", query_string={"q": "RACE-"}).json["items"]:
        writer, number = item["name"].split(" ")
        assert item["price"] == (f"{number}.00" if writer == "import" else f"{number}.50"), item


def test_imports_naming_the_same_new_type_and_supplier_at_once_create_each_once(app, acme):
    sheets = [f"sku,name,price,product_type,supplier\nNEW-{n},New {n},1.00,Gadgets,Acme Parts\n".encode() for n in range(4)]
    answers = run_together(app, [
        lambda client, sheet=sheet: answer(client.post("/api/products/import", data=sheet, content_type="text/csv", headers=acme.headers))
        for sheet in sheets
    ] + [lambda client: answer(client.post("/api/product-types", json={"name": "gadgets", "low_stock_threshold": 3}, headers=acme.headers))])
    assert_no_server_errors(answers, "imports and a product type")
    assert set(tally(answers)) <= {(200, None), (201, None), (409, "name_taken")}, tally(answers)
    assert [a["status"] for a in answers[:4]] == [200] * 4
    assert len(acme.get("/api/product-types").json["items"]) == 1
    assert len(acme.get("/api/suppliers").json["items"]) == 1
    assert acme.get("/api/products", query_string={"q": "NEW-"}).json["total"] == 4
