"""Races of sales and transfers (MySQL): many clients sell, back-date, transfer and create levels at once;
nothing is oversold, every total is kept."""

import collections
import random

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.inventory.models import DailySale, InventoryLevel, StockMovement
from tests.api.alerting import ago
from tests.api.races import (
    assert_no_server_errors,
    assert_stock_invariants,
    mutation,
    product,
    run_together,
    tally,
    warehouse,
)

pytestmark = [pytest.mark.mysql, pytest.mark.slow]


# ---------------------------------------------------------------------------------------------
# (a) 50 clients sell one unit each of 20
# ---------------------------------------------------------------------------------------------


def test_fifty_concurrent_sales_of_twenty_units_sell_exactly_twenty(app, acme):
    main = warehouse(acme, "Main")
    widget = product(acme, {main: 20})
    sale = {"type": "sale", "product_id": widget, "warehouse_id": main, "quantity": 1}

    answers = run_together(app, [lambda client: mutation(acme, client, sale)] * 50)

    assert_no_server_errors(answers, "50 sales of 1")
    assert tally(answers) == {(201, None): 20, (409, "insufficient_stock"): 30}, tally(answers)
    # Each winner saw a different balance: the sales were applied one after another.
    after = sorted(a["body"]["levels"][0]["on_hand"] for a in answers if a["status"] == 201)
    assert after == list(range(20))
    assert all("available" in a["body"]["errors"] for a in answers if a["status"] == 409)
    level = acme.get(f"/api/inventory?product_id={widget}").json["items"]
    assert [(l["on_hand"], l["reserved"], l["available"]) for l in level] == [(0, 0, 0)]
    levels = assert_stock_invariants(app, acme.company_id)
    assert levels == {(widget, main): (0, 0)}
    with app.app_context():
        units = db.session.scalar(sa.select(sa.func.sum(DailySale.units)).where(DailySale.product_id == widget))
        rows = db.session.scalars(
            sa.select(StockMovement.quantity_change).where(StockMovement.product_id == widget, StockMovement.type == "sale")
        ).all()
    assert units == 20
    assert rows == [-1] * 20


def test_concurrent_sales_dated_on_different_days_keep_every_running_total(app, acme):
    """Forty sales of one level at once, dated today and up to ten days back in an order no thread
    controls: every day's units and running total, and the level's totals, are the ledger's."""
    main = warehouse(acme, "Main")
    widget = product(acme, {main: 200})
    rng = random.Random(7)
    sales = [{"type": "sale", "product_id": widget, "warehouse_id": main, "quantity": rng.randint(1, 4),
              "occurred_at": ago(rng.choice([0, 0, rng.uniform(0, 10)]))} for _ in range(40)]

    answers = run_together(app, [lambda client, sale=sale: mutation(acme, client, sale) for sale in sales])

    assert tally(answers) == {(201, None): 40}, tally(answers)
    assert_stock_invariants(app, acme.company_id)
    with app.app_context():
        units_sold, days = db.session.execute(
            sa.select(InventoryLevel.units_sold, sa.select(sa.func.count()).select_from(DailySale)
                      .where(DailySale.product_id == widget).scalar_subquery())
            .where(InventoryLevel.product_id == widget)).one()
    assert units_sold == sum(sale["quantity"] for sale in sales)
    assert days > 3  # the sales did land on several days, before and after each other


# ---------------------------------------------------------------------------------------------
# (d) transfers both ways between two warehouses
# ---------------------------------------------------------------------------------------------


def test_concurrent_transfers_in_both_directions_keep_the_total(app, acme):
    north, south = warehouse(acme, "North"), warehouse(acme, "South")
    crate = product(acme, {north: 10, south: 10})

    def transfer(source, target):
        body = {"type": "transfer", "product_id": crate, "warehouse_id": source, "to_warehouse_id": target, "quantity": 3}
        return lambda client: mutation(acme, client, body)

    total_moved = 0
    for round_number in range(3):
        directions = [(north, south), (south, north)] * 10
        answers = run_together(app, [transfer(*direction) for direction in directions])

        assert_no_server_errors(answers, f"round {round_number}")
        unexpected = [x for x in answers if (x["status"], x["error"]) not in
                      {(201, None), (409, "insufficient_stock"), (503, "unavailable")}]
        assert not unexpected, unexpected
        assert sum(1 for x in answers if x["status"] == 503) <= 1, tally(answers)
        total_moved += sum(1 for x in answers if x["status"] == 201)
        levels = assert_stock_invariants(app, acme.company_id)
        assert levels[(crate, north)][0] + levels[(crate, south)][0] == 20
        assert levels[(crate, north)][0] >= 0 and levels[(crate, south)][0] >= 0
    with app.app_context():
        rows = db.session.scalar(sa.select(sa.func.count()).select_from(StockMovement).where(
            StockMovement.product_id == crate, StockMovement.type == "transfer"))
    assert rows == 2 * total_moved
    assert total_moved > 0


def test_concurrent_first_movements_into_a_new_level_create_it_once(app, acme):
    north, south = warehouse(acme, "North"), warehouse(acme, "South")
    crate = product(acme, {north: 30})
    receive = {"type": "receive", "product_id": crate, "warehouse_id": south, "quantity": 1}
    transfer = {"type": "transfer", "product_id": crate, "warehouse_id": north, "to_warehouse_id": south, "quantity": 2}
    jobs = [lambda client: mutation(acme, client, receive)] * 8 + [lambda client: mutation(acme, client, transfer)] * 8

    answers = run_together(app, jobs)

    assert_no_server_errors(answers, "first movements into a new level")
    assert sum(1 for x in answers if x["status"] == 503) <= 1, tally(answers)
    assert set(tally(answers)) <= {(201, None), (503, "unavailable")}, tally(answers)
    received = sum(1 for x in answers[:8] if x["status"] == 201)
    moved = sum(2 for x in answers[8:] if x["status"] == 201)
    levels = assert_stock_invariants(app, acme.company_id)
    assert levels == {(crate, north): (30 - moved, 0), (crate, south): (received + moved, 0)}


def test_refused_movements_racing_to_create_a_level_do_not_break_the_others(app, acme):
    """Requests that create a missing level and are then refused (a transfer short at its source, a
    count with a stale expected_on_hand) roll their insert back while others wait on it to insert
    the same level: the waiters then collide with one another, a deadlock on the INSERT that must
    be retried like any other, never answered 500."""
    north, south = warehouse(acme, "North"), warehouse(acme, "South")
    everything = []
    for round_number in range(6):
        crate = product(acme, {north: 5})
        receive = {"type": "receive", "product_id": crate, "warehouse_id": south, "quantity": 1}
        short = {"type": "transfer", "product_id": crate, "warehouse_id": north, "to_warehouse_id": south, "quantity": 50}
        stale = {"type": "count", "product_id": crate, "warehouse_id": south, "quantity": 3, "expected_on_hand": 999}
        kinds = ["receive"] * 8 + ["short"] * 4 + ["stale"] * 4
        random.Random(round_number).shuffle(kinds)
        bodies = {"receive": receive, "short": short, "stale": stale}
        answers = run_together(app, [lambda client, body=bodies[kind]: mutation(acme, client, body) for kind in kinds])
        everything += answers

        by_kind = {k: collections.Counter((x["status"], x["error"]) for kind, x in zip(kinds, answers) if kind == k)
                   for k in bodies}
        assert_no_server_errors(answers, f"round {round_number}: {by_kind}")
        assert set(by_kind["receive"]) <= {(201, None), (503, "unavailable")}, by_kind
        assert set(by_kind["short"]) <= {(409, "insufficient_stock"), (503, "unavailable")}, by_kind
        assert set(by_kind["stale"]) <= {(409, "stale_quantity"), (503, "unavailable")}, by_kind
        received = by_kind["receive"][(201, None)]
        levels = assert_stock_invariants(app, acme.company_id)
        assert levels[(crate, north)] == (5, 0)
        assert levels.get((crate, south), (0, 0)) == (received, 0)
    unavailable = sum(1 for x in everything if x["status"] == 503)
    assert unavailable <= len(everything) // 50, f"{unavailable} of {len(everything)} answered 503"
