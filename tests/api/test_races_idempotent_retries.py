"""Races of retries (MySQL): one Idempotency-Key sent by many clients at once has one effect."""


import pytest
import sqlalchemy as sa

from app.common.digests import sha256_hex
from app.extensions import db
from app.idempotency.models import IdempotencyKey
from app.inventory.models import StockMovement
from app.orders.models import Order
from tests.api.races import (
    answer,
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
# (e) one Idempotency-Key, many concurrent retries: one effect
# ---------------------------------------------------------------------------------------------


def test_concurrent_retries_of_one_keyed_sale_apply_it_once(app, acme):
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
            IdempotencyKey.company_id == acme.company_id, IdempotencyKey.key_digest == sha256_hex("sale-inv-1")))
    assert (sales, keys) == (1, 1)


def test_concurrent_retries_of_one_keyed_order_reserve_once(app, acme):
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
