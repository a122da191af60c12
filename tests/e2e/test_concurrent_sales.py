"""Thirty tills, each its own process and HTTP session, sell the last ten clocks at the same moment.

The server is real gunicorn with two worker processes on MySQL, so the requests race for the same
stock level across processes and database connections. Exactly ten may win; nobody may oversell.
"""

import collections

import pytest
import requests

from tests.e2e import crowd
from tests.e2e.conftest import ledger, level, make_product, make_warehouse, register_company

TILLS = 30
STOCK = 10


@pytest.fixture(scope="module")
def rush(live_server):
    """Run the race once for this module; returns the shop and what each till was answered."""
    with requests.Session() as session:
        owner = register_company(live_server.base_url, session, "Retro Clocks Ltd")
        main = make_warehouse(owner, "Main")
        clock = make_product(owner, "Retro Clock", {main: STOCK})
        tills = [(live_server.base_url, owner.token, clock, main, till) for till in range(TILLS)]
        yield owner, clock, main, crowd.at_once(crowd.sell_one, tills)


def test_exactly_as_many_sales_succeed_as_there_were_units(rush):
    _, _, _, outcomes = rush
    assert collections.Counter(status for _, status, _ in outcomes) == {201: STOCK, 409: TILLS - STOCK}, outcomes


def test_every_refused_sale_is_refused_for_insufficient_stock(rush):
    _, _, _, outcomes = rush
    assert {error for _, status, error in outcomes if status != 201} == {"insufficient_stock"}


def test_the_level_ends_at_zero_on_hand(rush):
    owner, clock, main, _ = rush
    found = level(owner, clock, main)
    assert (found["on_hand"], found["reserved"], found["available"]) == (0, 0, 0)


def test_the_ledger_holds_one_sale_row_per_winning_till(rush):
    owner, clock, main, outcomes = rush
    winners = {f"TILL-{till:02d}" for till, status, _ in outcomes if status == 201}
    sales = ledger(owner, product_id=clock, warehouse_id=main, type="sale")
    assert sorted(row["reference"] for row in sales) == sorted(winners)
    assert {row["quantity_change"] for row in sales} == {-1}


def test_no_update_was_lost_each_sale_saw_the_balance_left_by_the_one_before(rush):
    owner, clock, main, _ = rush
    sales = ledger(owner, product_id=clock, warehouse_id=main, type="sale")
    assert [row["on_hand_after"] for row in sales] == list(range(STOCK))  # newest first: 0, 1, … 9


def test_the_ledger_still_sums_to_on_hand(rush):
    owner, clock, main, _ = rush
    rows = ledger(owner, product_id=clock, warehouse_id=main)
    assert sum(row["quantity_change"] for row in rows) == level(owner, clock, main)["on_hand"] == 0
