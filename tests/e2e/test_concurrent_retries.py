"""A flaky network makes a client send the same write ten times at once: it is applied once.

Ten processes, each its own HTTP session, POST the same body with the same Idempotency-Key at the
same moment, through both gunicorn workers. One request does the work; the others wait for it and
replay its answer.
"""

import collections
import uuid

import pytest
import requests

from tests.e2e import crowd
from tests.e2e.conftest import ledger, level, make_product, make_warehouse, random_sku, register_company

RETRIES = 10


@pytest.fixture(scope="module")
def shop(live_server):
    with requests.Session() as session:
        owner = register_company(live_server.base_url, session, "Retro Clocks Ltd")
        main = make_warehouse(owner, "Main")
        yield owner, main, make_product(owner, "Retro Clock", {main: 10})


def all_at_once(owner, path: str, body: dict) -> list[tuple]:
    headers = {"Idempotency-Key": f"retry-{uuid.uuid4()}"}
    return crowd.at_once(crowd.post_at_once, [(owner.base_url, owner.token, path, body, headers, n) for n in range(RETRIES)])


def test_simultaneous_retries_of_a_product_creation_create_one_product_and_replay_it(shop):
    owner, main, _ = shop
    sku = random_sku("LAVA-LAMP")
    outcomes = all_at_once(owner, "/api/products", {
        "name": "Lava lamp", "sku": sku, "price": "30.00", "inventory": [{"warehouse_id": main, "quantity": 5}]})
    assert collections.Counter((status, replayed) for _, status, replayed, _ in outcomes) == {
        (201, None): 1, (201, "true"): RETRIES - 1}, outcomes
    assert len({body["id"] for _, _, _, body in outcomes}) == 1
    [product] = owner.ok("/api/products", params={"sku": sku})["items"]
    assert product["total_on_hand"] == 5
    assert len(ledger(owner, product_id=product["id"])) == 1


def test_simultaneous_retries_of_a_sale_take_the_stock_once(shop):
    owner, main, clock = shop
    outcomes = all_at_once(owner, "/api/inventory/movements", {
        "type": "sale", "product_id": clock, "warehouse_id": main, "quantity": 2, "reference": "INV-RETRY"})
    assert collections.Counter((status, replayed) for _, status, replayed, _ in outcomes) == {
        (201, None): 1, (201, "true"): RETRIES - 1}, outcomes
    assert level(owner, clock, main)["on_hand"] == 8
    assert [row["reference"] for row in ledger(owner, product_id=clock, type="sale")] == ["INV-RETRY"]
