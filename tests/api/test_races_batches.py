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
