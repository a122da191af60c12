"""Races of purchasing (MySQL): receipts racing for one line never receive more than was ordered, and
of a status change and a receipt (or two changes) racing on one order, exactly one wins."""

import uuid

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.inventory.models import StockMovement
from tests.api.alerting import stale_incoming
from tests.api.purchasing import placed
from tests.api.races import answer, assert_stock_invariants, run_together, tally
from tests.factories import link_supplier, make_product, make_supplier, make_warehouse

pytestmark = [pytest.mark.mysql, pytest.mark.slow]

THREADS = 12
ROUNDS = 6


@pytest.fixture
def tick(acme):
    return make_supplier(acme, "Tick & Co", lead_time_days=7)


def ordered_clock(acme, tick, warehouse_id, quantity):
    clock = make_product(acme, f"CLOCK-{uuid.uuid4().hex[:10]}")
    link_supplier(acme, clock, tick, unit_cost="4.50")
    return clock, placed(acme, tick, warehouse_id, (clock, quantity))


def receipt_of(order, quantity):
    return lambda client, headers: answer(client.post(
        f"/api/purchase-orders/{order['id']}/receipts", headers=headers,
        json={"lines": [{"line_id": order["lines"][0]["id"], "quantity": quantity}]}))


def received_rows(app, order_id) -> int:
    with app.app_context():
        total = db.session.scalar(sa.select(sa.func.coalesce(sa.func.sum(StockMovement.quantity_change), 0))
                                  .where(StockMovement.purchase_order_id == order_id))
        db.session.remove()
    return int(total)


def test_receipts_racing_for_one_line_never_receive_more_than_was_ordered(app, acme, tick):
    main = make_warehouse(acme, "Main")
    for round_number in range(ROUNDS):
        ordered = 20 + round_number
        clock, order = ordered_clock(acme, tick, main, ordered)
        # THREADS parts of 3: 36 asked for, at most `ordered` can be received.
        answers = run_together(app, [lambda client: receipt_of(order, 3)(client, acme.headers)] * THREADS)
        received = 3 * sum(1 for a in answers if a["status"] == 201)
        assert set(tally(answers)) <= {(201, None), (409, "over_receipt"), (409, "invalid_transition")}, tally(answers)
        assert ordered - 3 < received <= ordered, tally(answers)
        assert received_rows(app, order["id"]) == received
        line = acme.get(f"/api/purchase-orders/{order['id']}").json["lines"][0]
        assert line["received_quantity"] == received
        level = acme.get("/api/inventory", query_string={"product_id": clock}).json["items"][0]
        assert (level["on_hand"], level["incoming"]) == (received, ordered - received)
    assert stale_incoming(app) == []
    assert_stock_invariants(app, acme.company_id)


@pytest.mark.parametrize("change", ["cancelled", "closed"])
def test_a_status_change_racing_a_receipt_lets_exactly_one_of_them_win(app, acme, tick, change):
    main = make_warehouse(acme, "Main")
    for _ in range(ROUNDS):
        clock, order = ordered_clock(acme, tick, main, 10)
        status, receipt = run_together(app, [
            lambda client: answer(client.patch(f"/api/purchase-orders/{order['id']}/status", headers=acme.headers,
                                               json={"status": change})),
            lambda client: receipt_of(order, 4)(client, acme.headers),
        ])
        final = acme.get(f"/api/purchase-orders/{order['id']}").json["status"]
        level = acme.get("/api/inventory", query_string={"product_id": clock}).json["items"][0]
        if change == "cancelled":
            # Cancelling needs nothing received: whichever comes second is refused.
            assert sorted([status["status"], receipt["status"]]) in ([200, 409], [201, 409]), (status, receipt)
            assert (final, level["on_hand"], level["incoming"]) == (
                ("cancelled", 0, 0) if status["status"] == 200 else ("partially_received", 4, 6))
        else:
            # Closing after the receipt is allowed too; closing first leaves nothing to receive.
            assert status["status"] == 200, status
            assert receipt["status"] in (201, 409), receipt
            assert (final, level["on_hand"], level["incoming"]) == ("closed", 4 if receipt["status"] == 201 else 0, 0)
    assert stale_incoming(app) == []


def test_two_placings_of_one_draft_count_its_quantities_once(app, acme, tick):
    main = make_warehouse(acme, "Main")
    clock = make_product(acme, "CLOCK")
    link_supplier(acme, clock, tick, unit_cost="4.50")
    for _ in range(ROUNDS):
        draft = acme.post("/api/purchase-orders", json={"supplier_id": tick, "warehouse_id": main,
                                                        "lines": [{"product_id": clock, "quantity": 5}]}).json
        answers = run_together(app, [
            lambda client: answer(client.patch(f"/api/purchase-orders/{draft['id']}/status", headers=acme.headers,
                                               json={"status": "ordered"}))] * 2)
        assert sorted(a["status"] for a in answers) == [200, 409], answers
    level = acme.get("/api/inventory", query_string={"product_id": clock}).json["items"][0]
    assert level["incoming"] == 5 * ROUNDS
    assert stale_incoming(app) == []
