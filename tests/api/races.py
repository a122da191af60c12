"""Helpers of the race tests (MySQL only): many clients, each with its own connection, at once.

Every race releases its threads together through a barrier; each thread has its own test client,
so each request runs in its own app context with its own session and pooled connection, exactly as
concurrent requests to a server would. SQLite serializes writers, so these races only mean
something on MySQL: each race test carries the `mysql` marker, which skips it there (tests/conftest.py).
"""

import collections
import threading
import traceback
import uuid

import sqlalchemy as sa

from app.extensions import db
from app.inventory.models import InventoryLevel, StockMovement
from app.orders.models import Order, OrderReservation
from tests.api.alerting import stale_sales_figures

JOIN_TIMEOUT = 180


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
