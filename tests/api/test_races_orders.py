"""Races of orders (MySQL): orders over the same products never deadlock or oversell, and of two status
changes of one order exactly one wins."""

import collections
import random

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.inventory.models import StockMovement
from tests.api.races import (
    answer,
    assert_no_server_errors,
    assert_stock_invariants,
    created,
    levels_of,
    product,
    run_together,
    tally,
    warehouse,
)

pytestmark = [pytest.mark.mysql, pytest.mark.slow]


# ---------------------------------------------------------------------------------------------
# (b) orders over the same products, lines in opposite orders
# ---------------------------------------------------------------------------------------------


def test_concurrent_orders_in_opposite_line_order_never_deadlock_or_oversell(app, acme):
    main = warehouse(acme, "Main")
    a, b = product(acme, {main: 20}), product(acme, {main: 20})
    forward = [{"product_id": a, "quantity": 1}, {"product_id": b, "quantity": 1}]
    backward = [{"product_id": b, "quantity": 1}, {"product_id": a, "quantity": 1}]
    double_a = [{"product_id": a, "quantity": 2}]
    # Per round: A is asked for 10 + 10 + 4×2 = 28 units, B for 20; stock is added between rounds
    # so every round ends with some products short while others still succeed.
    mix = [forward] * 10 + [backward] * 10 + [double_a] * 4
    reserved_by_answers, everything, unavailable = collections.Counter(), [], 0

    def order(items):
        body = {"warehouse_id": main, "items": items}
        return lambda client: answer(client.post("/api/orders", json=body, headers=acme.headers))

    for round_number in range(4):
        random.Random(round_number).shuffle(mix)
        answers = run_together(app, [order(items) for items in mix])
        everything += answers
        assert_no_server_errors(answers, f"round {round_number}")
        unexpected = [x for x in answers if (x["status"], x["error"]) not in
                      {(201, None), (409, "insufficient_stock"), (503, "unavailable")}]
        assert not unexpected, unexpected
        unavailable += sum(1 for x in answers if x["status"] == 503)
        for items, x in zip(mix, answers):
            if x["status"] == 201:
                assert x["body"]["status"] == "pending"
                for line in items:
                    reserved_by_answers[line["product_id"]] += line["quantity"]
        levels = assert_stock_invariants(app, acme.company_id)
        on_hand = {p: levels[(p, main)][0] for p in (a, b)}
        assert on_hand == {a: 20 + 12 * round_number, b: 20 + 12 * round_number}  # orders take no stock
        assert {p: levels[(p, main)][1] for p in (a, b)} == {a: reserved_by_answers[a], b: reserved_by_answers[b]}
        assert all(levels[(p, main)][1] <= levels[(p, main)][0] for p in (a, b))
        for p in (a, b):
            assert created(acme, "/api/inventory/movements", {"type": "receive", "product_id": p, "warehouse_id": main,
                                                              "quantity": 12})
    # Every round was short somewhere, and each round let some orders through.
    assert any(x["status"] == 409 for x in everything)
    assert sum(1 for x in everything if x["status"] == 201) >= 20
    assert unavailable <= len(everything) // 50, f"{unavailable} of {len(everything)} orders answered 503"


# ---------------------------------------------------------------------------------------------
# (c) two concurrent status changes of one order: exactly one wins
# ---------------------------------------------------------------------------------------------


def test_concurrent_status_changes_of_one_order_let_exactly_one_win(app, acme):
    main = warehouse(acme, "Main")
    a, b = product(acme, {main: 50}), product(acme, {main: 50})
    on_hand = {a: 50, b: 50}
    winners = collections.Counter()

    for round_number in range(6):
        order = created(acme, "/api/orders", {"warehouse_id": main, "items": [
            {"product_id": a, "quantity": 2}, {"product_id": b, "quantity": 3}]})
        assert levels_of(app, acme.company_id)[(a, main)][1] == 2
        statuses = ["shipped", "cancelled"] * 5
        random.Random(round_number).shuffle(statuses)

        def change(status):
            return lambda client: answer(client.patch(f"/api/orders/{order['id']}/status", json={"status": status},
                                                      headers=acme.headers))

        answers = run_together(app, [change(status) for status in statuses])

        assert_no_server_errors(answers, f"round {round_number}")
        assert tally(answers) == {(200, None): 1, (409, "invalid_transition"): 9}, tally(answers)
        (winner,) = [(status, x) for status, x in zip(statuses, answers) if x["status"] == 200]
        assert winner[1]["body"]["status"] == winner[0]
        winners[winner[0]] += 1
        assert acme.get(f"/api/orders/{order['id']}").json["status"] == winner[0]
        if winner[0] == "shipped":
            on_hand[a] -= 2
            on_hand[b] -= 3
        with app.app_context():
            sales = sorted(db.session.execute(
                sa.select(StockMovement.product_id, StockMovement.quantity_change).where(StockMovement.order_id == order["id"])
            ).all())
        assert sales == (sorted([(a, -2), (b, -3)]) if winner[0] == "shipped" else [])
        levels = assert_stock_invariants(app, acme.company_id)
        assert levels == {(a, main): (on_hand[a], 0), (b, main): (on_hand[b], 0)}
    assert sum(winners.values()) == 6
