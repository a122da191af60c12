"""A storm (MySQL): thirty clients mixing every stock operation at once keep every invariant."""

import collections
import random
import threading
import uuid

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.orders.models import Order
from tests.api.alerting import ago
from tests.api.races import (
    answer,
    assert_no_server_errors,
    assert_stock_invariants,
    created,
    mutation,
    product,
    run_together,
    warehouse,
)

pytestmark = [pytest.mark.mysql, pytest.mark.slow]


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


def test_a_storm_of_mixed_operations_keeps_every_invariant(app, acme):
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
