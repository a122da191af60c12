"""Stock under real concurrency (MySQL only): many clients, each with its own connection, at once.

Every test here releases its threads together through a barrier; each thread has its own test
client, so each request runs in its own app context with its own session and pooled connection,
exactly as concurrent requests to a server would. SQLite serializes writers, so these races only
mean something on MySQL.
"""

import collections
import random
import threading
import traceback
import uuid

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.idempotency.models import IdempotencyKey
from app.inventory import ledger
from app.inventory import service as inventory_service
from app.inventory.models import DailySale, InventoryLevel, StockMovement
from app.orders.models import Order, OrderReservation
from tests.api.alerting import ago, described, stale_alert_thresholds, stale_sales_figures

MYSQL_ONLY = "SQLite serializes writers: the race is only meaningful on MySQL"
JOIN_TIMEOUT = 180


# ---------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------


def skip_on_sqlite(backend):
    if backend == "sqlite":
        pytest.skip(MYSQL_ONLY)


def created(account, path, body):
    response = account.post(path, json=body)
    assert response.status_code == 201, response.json
    return response.json


def warehouse(account, name):
    return created(account, "/api/warehouses", {"name": name})["id"]


def product(account, stock=None, sku=None):
    """A product with `stock` ({warehouse_id: quantity}) placed as initial inventory."""
    sku = sku or f"RACE-{uuid.uuid4().hex[:10]}"
    inventory = [{"warehouse_id": w, "quantity": q} for w, q in (stock or {}).items()]
    return created(account, "/api/products", {"name": sku.title(), "sku": sku, "price": "5.00", "inventory": inventory})["id"]


def answer(response):
    """What a thread keeps of a response: status, error slug, body, replay header."""
    body = response.get_json(silent=True) or {}
    return {
        "status": response.status_code,
        "error": body.get("error") if response.status_code >= 400 else None,
        "body": body,
        "replayed": response.headers.get("Idempotent-Replayed"),
    }


def run_together(app, jobs):
    """Run every job(client) in its own thread with its own test client, released together by a
    barrier; return their results in job order. Any exception in a thread fails the test."""
    barrier = threading.Barrier(len(jobs))
    results, failures = [None] * len(jobs), []

    def work(index, job):
        client = app.test_client()
        try:
            barrier.wait(timeout=60)
            results[index] = job(client)
        except Exception:  # noqa: BLE001 (reported below)
            failures.append((index, traceback.format_exc()))

    threads = [threading.Thread(target=work, args=(i, job), daemon=True) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=JOIN_TIMEOUT)
    assert not [t for t in threads if t.is_alive()], "threads still running: a request hung (lock wait?)"
    assert not failures, "\n".join(f"thread {i}:\n{tb}" for i, tb in failures)
    return results


def tally(answers):
    return collections.Counter((a["status"], a["error"]) for a in answers)


def assert_no_server_errors(answers, context=""):
    errors = [a for a in answers if a["status"] >= 500 and a["status"] != 503]
    assert not errors, f"{context}: {len(errors)} server error(s), e.g. {errors[:3]}; all: {tally(answers)}"


def mutation(account, client, body, key=None):
    headers = dict(account.headers)
    if key is not None:
        headers["Idempotency-Key"] = key
    return answer(client.post("/api/inventory/movements", json=body, headers=headers))


def levels_of(app, company_id):
    """{(product_id, warehouse_id): (on_hand, reserved)} straight from the database."""
    with app.app_context():
        rows = db.session.execute(
            sa.select(InventoryLevel.product_id, InventoryLevel.warehouse_id, InventoryLevel.on_hand, InventoryLevel.reserved)
            .where(InventoryLevel.company_id == company_id)
        ).all()
    return {(p, w): (on_hand, reserved) for p, w, on_hand, reserved in rows}


def assert_stock_invariants(app, company_id):
    """Check, in the database, every rule that must survive any interleaving of writers:

    - per level: on_hand = Σ ledger quantity_change; on_hand ≥ 0; 0 ≤ reserved ≤ on_hand;
      reserved = Σ reservations of the company's pending orders;
    - per level, the ledger read in id order is a running balance (each row's on_hand_after is the
      sum of the changes up to it), i.e. the writers were serialized on the level;
    - the stored sales figures are the ledger's: daily_sales units and running totals per level
      and day, each level's units sold and latest sale day;
    - shipped orders have exactly one sale row per reservation; pending and cancelled orders none;
    - transfer rows come in pairs (one out, one in) of the same product and quantity.
    Returns the levels as {(product_id, warehouse_id): (on_hand, reserved)}.
    """
    with app.app_context():
        session = db.session
        levels = levels_of(app, company_id)
        ledger = session.execute(
            sa.select(StockMovement.id, StockMovement.product_id, StockMovement.warehouse_id, StockMovement.type,
                      StockMovement.quantity_change, StockMovement.on_hand_after, StockMovement.order_id,
                      StockMovement.transfer_id)
            .where(StockMovement.company_id == company_id).order_by(StockMovement.id)
        ).all()
        pending = dict(
            ((p, w), int(total)) for p, w, total in session.execute(
                sa.select(OrderReservation.product_id, OrderReservation.warehouse_id, sa.func.sum(OrderReservation.quantity))
                .join(Order, Order.id == OrderReservation.order_id)
                .where(Order.company_id == company_id, Order.status == "pending")
                .group_by(OrderReservation.product_id, OrderReservation.warehouse_id)
            )
        )
        orders = dict(session.execute(sa.select(Order.id, Order.status).where(Order.company_id == company_id)).all())
        reservations = collections.defaultdict(collections.Counter)
        for order_id, product_id, quantity in session.execute(
            sa.select(OrderReservation.order_id, OrderReservation.product_id, OrderReservation.quantity)
            .where(OrderReservation.company_id == company_id)
        ):
            reservations[order_id][product_id] += quantity

    problems = stale_sales_figures(app, company_id)
    balance = collections.Counter()
    order_sales = collections.defaultdict(collections.Counter)
    transfers = collections.defaultdict(list)
    for row in ledger:
        key = (row.product_id, row.warehouse_id)
        balance[key] += row.quantity_change
        if row.on_hand_after != balance[key]:
            problems.append(f"ledger row {row.id} of {key}: on_hand_after {row.on_hand_after}, running sum {balance[key]}")
        if row.type == "sale":
            if row.order_id is not None:
                order_sales[row.order_id][row.product_id] -= row.quantity_change
        if row.type == "transfer":
            transfers[row.transfer_id].append((row.product_id, row.quantity_change))

    for key in set(levels) | set(balance) | set(pending):
        if key not in levels:
            problems.append(f"{key}: ledger rows or reservations but no level")
            continue
        on_hand, reserved = levels[key]
        if on_hand != balance[key]:
            problems.append(f"{key}: on_hand {on_hand} != Σ ledger {balance[key]}")
        if on_hand < 0:
            problems.append(f"{key}: on_hand {on_hand} < 0")
        if not 0 <= reserved <= on_hand:
            problems.append(f"{key}: reserved {reserved} outside 0..on_hand {on_hand}")
        if reserved != pending.get(key, 0):
            problems.append(f"{key}: reserved {reserved} != Σ pending reservations {pending.get(key, 0)}")
    for order_id, status in orders.items():
        expected = reservations[order_id] if status == "shipped" else collections.Counter()
        if +order_sales[order_id] != +expected:
            problems.append(f"order {order_id} ({status}): sale rows {dict(order_sales[order_id])}, expected {dict(expected)}")
    for transfer_id, rows in transfers.items():
        changes = sorted(change for _, change in rows)
        if len(rows) != 2 or len({p for p, _ in rows}) != 1 or changes[0] != -changes[1] or changes[1] <= 0:
            problems.append(f"transfer {transfer_id}: rows {rows}")
    assert not problems, "\n".join(problems)
    return levels


# ---------------------------------------------------------------------------------------------
# (a) 50 clients sell one unit each of 20
# ---------------------------------------------------------------------------------------------


def test_fifty_concurrent_sales_of_twenty_units_sell_exactly_twenty(app, backend, acme):
    skip_on_sqlite(backend)
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


def test_concurrent_sales_dated_on_different_days_keep_every_running_total(app, backend, acme):
    """Forty sales of one level at once, dated today and up to ten days back in an order no thread
    controls: every day's units and running total, and the level's totals, are the ledger's."""
    skip_on_sqlite(backend)
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
# (b) orders over the same products, lines in opposite orders
# ---------------------------------------------------------------------------------------------


def test_concurrent_orders_in_opposite_line_order_never_deadlock_or_oversell(app, backend, acme):
    skip_on_sqlite(backend)
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


def test_concurrent_status_changes_of_one_order_let_exactly_one_win(app, backend, acme):
    skip_on_sqlite(backend)
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


# ---------------------------------------------------------------------------------------------
# (d) transfers both ways between two warehouses
# ---------------------------------------------------------------------------------------------


def test_concurrent_transfers_in_both_directions_keep_the_total(app, backend, acme):
    skip_on_sqlite(backend)
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


def test_concurrent_first_movements_into_a_new_level_create_it_once(app, backend, acme):
    skip_on_sqlite(backend)
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


def test_refused_movements_racing_to_create_a_level_do_not_break_the_others(app, backend, acme):
    """Requests that create a missing level and are then refused (a transfer short at its source, a
    count with a stale expected_on_hand) roll their insert back while others wait on it to insert
    the same level: the waiters then collide with one another, a deadlock on the INSERT that must
    be retried like any other, never answered 500."""
    skip_on_sqlite(backend)
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


# ---------------------------------------------------------------------------------------------
# (e) one Idempotency-Key, many concurrent retries: one effect
# ---------------------------------------------------------------------------------------------


def test_concurrent_retries_of_one_keyed_sale_apply_it_once(app, backend, acme):
    skip_on_sqlite(backend)
    main = warehouse(acme, "Main")
    widget = product(acme, {main: 10})
    sale = {"type": "sale", "product_id": widget, "warehouse_id": main, "quantity": 3, "reference": "INV-1"}

    answers = run_together(app, [lambda client: mutation(acme, client, sale, key="sale-inv-1")] * 8)

    assert_no_server_errors(answers, "keyed sale")
    assert [x["status"] for x in answers] == [201] * 8, tally(answers)
    assert all(x["body"] == answers[0]["body"] for x in answers)
    assert sorted(x["replayed"] or "" for x in answers) == [""] + ["true"] * 7
    assert answers[0]["body"]["levels"][0]["on_hand"] == 7
    assert assert_stock_invariants(app, acme.company_id) == {(widget, main): (7, 0)}
    with app.app_context():
        sales = db.session.scalar(sa.select(sa.func.count()).select_from(StockMovement).where(
            StockMovement.product_id == widget, StockMovement.type == "sale"))
        keys = db.session.scalar(sa.select(sa.func.count()).select_from(IdempotencyKey).where(
            IdempotencyKey.company_id == acme.company_id, IdempotencyKey.key_digest == IdempotencyKey.digest("sale-inv-1")))
    assert (sales, keys) == (1, 1)


def test_concurrent_retries_of_one_keyed_order_reserve_once(app, backend, acme):
    skip_on_sqlite(backend)
    main = warehouse(acme, "Main")
    widget = product(acme, {main: 10})
    body = {"warehouse_id": main, "items": [{"product_id": widget, "quantity": 4}], "reference": "PO-7"}

    def place(client):
        return answer(client.post("/api/orders", json=body, headers={**acme.headers, "Idempotency-Key": "po-7"}))

    answers = run_together(app, [place] * 8)

    assert_no_server_errors(answers, "keyed order")
    assert [x["status"] for x in answers] == [201] * 8, tally(answers)
    assert len({x["body"]["id"] for x in answers}) == 1
    assert all(x["body"] == answers[0]["body"] for x in answers)
    assert sum(1 for x in answers if x["replayed"] == "true") == 7
    assert assert_stock_invariants(app, acme.company_id) == {(widget, main): (10, 4)}
    with app.app_context():
        orders = db.session.scalar(sa.select(sa.func.count()).select_from(Order).where(Order.company_id == acme.company_id))
    assert orders == 1


# ---------------------------------------------------------------------------------------------
# (f) a storm of everything at once
# ---------------------------------------------------------------------------------------------

STORM_THREADS = 30
STORM_STEPS = 12
ALLOWED = {
    "receive": {(201, None)},
    "sale": {(201, None), (409, "insufficient_stock")},
    "bundle_sale": {(201, None), (409, "insufficient_stock")},
    "transfer": {(201, None), (409, "insufficient_stock")},
    "order": {(201, None), (409, "insufficient_stock")},
    "ship": {(200, None), (409, "invalid_transition")},
    "cancel": {(200, None), (409, "invalid_transition")},
}


def test_a_storm_of_mixed_operations_keeps_every_invariant(app, backend, acme):
    skip_on_sqlite(backend)
    houses = [warehouse(acme, "East"), warehouse(acme, "West")]
    products = [product(acme, {houses[0]: 15, houses[1]: 15}), product(acme, {houses[0]: 15}), product(acme, {houses[1]: 5})]
    kit = created(acme, "/api/bundles", {"name": "Kit", "sku": f"KIT-{uuid.uuid4().hex[:8]}", "price": "9.00",
                                         "components": [{"product_id": products[0], "quantity": 1},
                                                        {"product_id": products[1], "quantity": 2}]})["id"]
    orders, orders_lock = [], threading.Lock()
    log, log_lock = [], threading.Lock()

    def step(client, rng):
        op = rng.choices(list(ALLOWED), weights=[3, 3, 1, 3, 4, 2, 2])[0]
        house, other = rng.sample(houses, 2)
        item = rng.choice(products)
        if op in ("ship", "cancel"):
            with orders_lock:
                if not orders:
                    op = "receive"
                else:
                    order_id = rng.choice(orders)
        if op == "receive":
            x = mutation(acme, client, {"type": "receive", "product_id": item, "warehouse_id": house,
                                        "quantity": rng.randint(1, 5)})
        elif op == "sale":  # one in three dated up to a week back
            dated = {"occurred_at": ago(rng.uniform(0, 7))} if rng.random() < 1 / 3 else {}
            x = mutation(acme, client, {"type": "sale", "product_id": item, "warehouse_id": house,
                                        "quantity": rng.randint(1, 4), **dated})
        elif op == "bundle_sale":
            x = mutation(acme, client, {"type": "sale", "product_id": kit, "warehouse_id": house, "quantity": 1})
        elif op == "transfer":
            x = mutation(acme, client, {"type": "transfer", "product_id": item, "warehouse_id": house,
                                        "to_warehouse_id": other, "quantity": rng.randint(1, 4)})
        elif op == "order":
            lines = [{"product_id": p, "quantity": rng.randint(1, 3)} for p in rng.sample(products + [kit], rng.randint(1, 3))]
            x = answer(client.post("/api/orders", json={"warehouse_id": house, "items": lines}, headers=acme.headers))
            if x["status"] == 201:
                with orders_lock:
                    orders.append(x["body"]["id"])
        else:
            status = "shipped" if op == "ship" else "cancelled"
            x = answer(client.patch(f"/api/orders/{order_id}/status", json={"status": status}, headers=acme.headers))
        with log_lock:
            log.append((op, x))

    def worker(seed):
        def run(client):
            rng = random.Random(seed)
            for _ in range(STORM_STEPS):
                step(client, rng)
        return run

    run_together(app, [worker(seed) for seed in range(STORM_THREADS)])

    answers = [x for _, x in log]
    by_op = {op: collections.Counter((x["status"], x["error"]) for o, x in log if o == op) for op in ALLOWED}
    assert len(log) == STORM_THREADS * STORM_STEPS
    assert_no_server_errors(answers, f"storm {by_op}")
    unexpected = [(op, x) for op, x in log if (x["status"], x["error"]) not in ALLOWED[op] | {(503, "unavailable")}]
    assert not unexpected, unexpected[:5]
    unavailable = sum(1 for x in answers if x["status"] == 503)
    assert unavailable <= len(answers) // 50, f"{unavailable} of {len(answers)} requests answered 503: {by_op}"
    levels = assert_stock_invariants(app, acme.company_id)
    assert not [key for key in levels if key[0] == kit], "a bundle must never hold a level"
    # The storm did real work of each kind.
    assert all(sum(n for (status, _), n in by_op[op].items() if status < 300) > 0 for op in ("receive", "order"))
    # Finally, settle every pending order: all reservations return to 0 and the invariants still hold.
    with app.app_context():
        pending = db.session.scalars(
            sa.select(Order.id).where(Order.company_id == acme.company_id, Order.status == "pending")).all()
    for order_id in pending:
        assert acme.patch(f"/api/orders/{order_id}/status", json={"status": "shipped"}).status_code == 200
    levels = assert_stock_invariants(app, acme.company_id)
    assert all(reserved == 0 for _, reserved in levels.values())


# ---------------------------------------------------------------------------------------------
# (g) alert thresholds of levels created, and changed, while what they derive from changes
# ---------------------------------------------------------------------------------------------

CREATORS = 6
CHANGES = 8
ROUNDS = 8


def catalogue_product(stock, **fields):
    """The body of a product with `stock` ({warehouse_id: quantity}); `fields` e.g. product_type_id, low_stock_threshold."""
    sku = f"UPKEEP-{uuid.uuid4().hex[:10]}"
    inventory = [{"warehouse_id": w, "quantity": q} for w, q in stock.items()]
    return {"name": sku.title(), "sku": sku, "price": "5.00", "inventory": inventory, **fields}


class RaceLog:
    """Every answer the threads got, by kind of request."""

    def __init__(self):
        self.entries, self.lock = [], threading.Lock()

    def record(self, kind, response):
        with self.lock:
            self.entries.append((kind, answer(response)))

    def count(self, kind):
        return sum(1 for k, _ in self.entries if k == kind)

    def assert_all_succeeded_and_thresholds_current(self, app, context=""):
        """Every request answered 2xx and every level's stored alert threshold is what the oracle recomputes."""
        by_kind = {kind: collections.Counter(x["status"] for k, x in self.entries if k == kind) for kind, _ in self.entries}
        failed = [(kind, x["status"], x["error"]) for kind, x in self.entries if not 200 <= x["status"] < 300]
        stale = stale_alert_thresholds(app)
        assert not failed and not stale, (
            f"{context}{len(failed)} request(s) failed: {failed}; all: {by_kind}\n{described(stale)}")


def receiving(account, log, new_levels, then=None, finished=None):
    """CREATORS jobs sharing out `new_levels` ((product_id, warehouse_id) that have no level yet), each
    receiving 3 units into its share, then creating the product whose body `then(index)` gives, if any.
    The last one to finish sets `finished`."""
    remaining, lock = [CREATORS], threading.Lock()

    def creator(index):
        def run(client):
            for product_id, warehouse_id in new_levels[index::CREATORS]:
                log.record("receive", client.post("/api/inventory/movements", headers=account.headers, json={
                    "type": "receive", "product_id": product_id, "warehouse_id": warehouse_id, "quantity": 3}))
            if then is not None:
                log.record("create", client.post("/api/products", headers=account.headers, json=then(index)))
            with lock:
                remaining[0] -= 1
                if remaining[0] == 0 and finished is not None:
                    finished.set()
        return run
    return [creator(index) for index in range(CREATORS)]


def patching(account, log, kind, path, bodies, until=None):
    """A job that PATCHes `path` with each of `bodies` in turn; round again until `until` is set, if given."""
    def run(client):
        while True:
            for body in bodies:
                log.record(kind, client.patch(path, headers=account.headers, json=body))
            if until is None or until.is_set():
                return
    return run


def test_levels_created_while_the_company_default_and_a_warehouse_change_get_the_current_alert_threshold(
        app, backend, acme):
    """Requests that create levels (a receive into a warehouse the product has no level in yet, a
    product created with stock) race requests that change the company default and deactivate and
    reactivate a warehouse. Every request succeeds (deadlocks are retried), and afterwards every
    level's stored alert threshold is what its product, type, warehouse and company give, as the
    plain-SQL oracle of the alert tests recomputes it."""
    skip_on_sqlite(backend)
    houses = [warehouse(acme, f"Depot {n}") for n in range(4)]
    clocks = created(acme, "/api/product-types", {"name": "Clocks", "low_stock_threshold": 7})["id"]
    # Two in three of the type, one in four with a threshold of its own; all stocked in Depot 0 only.
    products = [
        created(acme, "/api/products", catalogue_product(
            {houses[0]: 20}, **({"product_type_id": clocks} if n % 3 else {}),
            **({"low_stock_threshold": 4} if n % 4 == 0 else {})))["id"]
        for n in range(12)
    ]
    new_levels = [(p, w) for p in products for w in houses[1:]]
    random.Random(7).shuffle(new_levels)
    rng, log = random.Random(11), RaceLog()
    defaults = [{"settings": {"default_low_stock_threshold": rng.randint(0, 30)}} for _ in range(CHANGES)]

    def new_product(index):
        return catalogue_product({w: 5 for w in houses[1:]}, **({"product_type_id": clocks} if index % 2 else {}))

    run_together(app, receiving(acme, log, new_levels, then=new_product) + [
        patching(acme, log, "company", f"/api/companies/{acme.company_id}", defaults),
        patching(acme, log, "warehouse", f"/api/warehouses/{houses[2]}",
                 [{"is_active": step % 2 == 1} for step in range(CHANGES)]),
    ])

    assert (log.count("receive"), log.count("create")) == (len(new_levels), CREATORS)
    log.assert_all_succeeded_and_thresholds_current(app)
    levels = assert_stock_invariants(app, acme.company_id)
    assert len(levels) == len(products) * len(houses) + CREATORS * len(houses[1:])


def test_levels_created_while_their_product_types_threshold_changes_get_the_current_alert_threshold(
        app, backend, acme):
    """Round after round, receives of the type's products into a new warehouse race one client that
    keeps changing the type's threshold: after each round every level holds the type's last threshold."""
    skip_on_sqlite(backend)
    clocks = created(acme, "/api/product-types", {"name": "Clocks", "low_stock_threshold": 7})["id"]
    products = [created(acme, "/api/products", catalogue_product({}, product_type_id=clocks))["id"] for _ in range(12)]
    rng, log = random.Random(11), RaceLog()

    for round_number in range(ROUNDS):
        depot, finished = warehouse(acme, f"Depot {round_number}"), threading.Event()
        thresholds = [{"low_stock_threshold": value} for value in rng.sample(range(31), 4)]
        run_together(app, receiving(acme, log, [(p, depot) for p in products], finished=finished) + [
            patching(acme, log, "type", f"/api/product-types/{clocks}", thresholds, until=finished)])
        log.assert_all_succeeded_and_thresholds_current(app, f"round {round_number}: ")

    assert log.count("receive") == ROUNDS * len(products)
    assert len(assert_stock_invariants(app, acme.company_id)) == ROUNDS * len(products)


# Exact interleavings: one request is held right after it refreshed the alert thresholds, before it
# commits, while another runs; then it is released. Whichever waits for whichever, every level must
# end with what the committed rows give.

HELD = "held-request"


def hold_after(monkeypatch, owner, name):
    """Make `owner.name` (a refresh of alert thresholds) hold the request of the thread named HELD
    right after it ran, until released. Returns the events (reached, release)."""
    original, reached, release = getattr(owner, name), threading.Event(), threading.Event()

    def held(*args, **kwargs):
        result = original(*args, **kwargs)
        if threading.current_thread().name == HELD and not reached.is_set():
            reached.set()
            release.wait(JOIN_TIMEOUT)
        return result

    monkeypatch.setattr(owner, name, held)
    return reached, release


def started(app, request, name):
    """Run request(client) in a thread of this name with its own test client; join() it, then read .answer."""
    def work():
        try:
            thread.answer = answer(request(app.test_client()))
        except Exception:  # noqa: BLE001 (reported by the test)
            thread.answer = {"status": None, "error": traceback.format_exc()}

    thread = threading.Thread(target=work, name=name, daemon=True)
    thread.answer = None
    thread.start()
    return thread


def interleave(app, held_request, hold, other_request):
    """Start held_request, wait until it is held before its commit, run other_request meanwhile (it may
    have to wait for the held one: give it a second), release the held one; return both answers."""
    reached, release = hold
    first = started(app, held_request, HELD)
    try:
        assert reached.wait(10), "the held request never reached its refresh of alert thresholds"
        second = started(app, other_request, "other-request")
        second.join(timeout=1)
    finally:
        release.set()
    first.join(timeout=JOIN_TIMEOUT)
    second.join(timeout=JOIN_TIMEOUT)
    assert not first.is_alive() and not second.is_alive(), "a request hung"
    return first.answer, second.answer


def typed_products(account, stock, count=12, threshold=5):
    """A product type of `threshold` and `count` products of it stocked with `stock`: enough levels that
    MySQL scans them rather than looking each one up."""
    clocks = created(account, "/api/product-types", {"name": "Clocks", "low_stock_threshold": threshold})["id"]
    return clocks, [created(account, "/api/products", catalogue_product(stock, product_type_id=clocks))["id"]
                    for _ in range(count)]


def test_a_product_types_threshold_changed_while_a_receive_creates_a_level_of_its_product_reaches_that_level(
        app, backend, acme, monkeypatch):
    """A receive into a warehouse where the product has no level is held after it created the level
    and set its alert threshold from the type's 5; meanwhile the type's threshold becomes 14. Either
    that change waits for the receive or it reaches the new level: the level ends with 14."""
    skip_on_sqlite(backend)
    main, depot = warehouse(acme, "Main"), warehouse(acme, "Depot")
    clocks, products = typed_products(acme, {main: 20})
    receive = {"type": "receive", "product_id": products[0], "warehouse_id": depot, "quantity": 3}

    received, changed = interleave(
        app,
        lambda client: client.post("/api/inventory/movements", json=receive, headers=acme.headers),
        hold_after(monkeypatch, ledger, "refresh_alert_thresholds"),
        lambda client: client.patch(f"/api/product-types/{clocks}", json={"low_stock_threshold": 14}, headers=acme.headers),
    )

    assert (received["status"], changed["status"]) == (201, 200), (received, changed)
    stale = stale_alert_thresholds(app)
    assert not stale, described(stale)


def test_a_product_type_patch_finding_its_threshold_already_set_does_not_undo_a_concurrent_change(
        app, backend, acme, monkeypatch):
    """PATCH the type's threshold 5 → 20 is held after it refreshed its products' levels; meanwhile
    another PATCH asks for 5, which it still reads as already set. Whichever value the type ends with,
    every level of its products must hold it."""
    skip_on_sqlite(backend)
    houses = [warehouse(acme, f"Depot {n}") for n in range(5)]
    clocks, _ = typed_products(acme, {w: 3 for w in houses})
    path = f"/api/product-types/{clocks}"

    raised, kept = interleave(
        app,
        lambda client: client.patch(path, json={"low_stock_threshold": 20}, headers=acme.headers),
        hold_after(monkeypatch, inventory_service, "refresh_alert_thresholds"),
        lambda client: client.patch(path, json={"low_stock_threshold": 5}, headers=acme.headers),
    )

    assert (raised["status"], kept["status"]) == (200, 200), (raised, kept)
    stale = stale_alert_thresholds(app)
    assert not stale, described(stale)


def test_a_company_default_change_made_while_a_product_types_threshold_changes_keeps_the_types_new_threshold(
        app, backend, acme, monkeypatch):
    """PATCH the type's threshold 5 → 20 is held after it refreshed its products' levels; meanwhile the
    company default changes. Every level of the type's products must end with 20, the others with the
    new default."""
    skip_on_sqlite(backend)
    houses = [warehouse(acme, f"Depot {n}") for n in range(5)]
    created(acme, "/api/products", catalogue_product({w: 3 for w in houses}))
    clocks, _ = typed_products(acme, {w: 3 for w in houses})

    raised, defaulted = interleave(
        app,
        lambda client: client.patch(f"/api/product-types/{clocks}", json={"low_stock_threshold": 20}, headers=acme.headers),
        hold_after(monkeypatch, inventory_service, "refresh_alert_thresholds"),
        lambda client: client.patch(f"/api/companies/{acme.company_id}",
                                    json={"settings": {"default_low_stock_threshold": 3}}, headers=acme.headers),
    )

    assert (raised["status"], defaulted["status"]) == (200, 200), (raised, defaulted)
    stale = stale_alert_thresholds(app)
    assert not stale, described(stale)
