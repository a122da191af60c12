"""A client that retries a write with the same Idempotency-Key gets the first answer back, applied once."""

import uuid

import pytest

from tests.e2e.conftest import ledger, level, make_product, make_warehouse, move, random_sku


@pytest.fixture
def shop(retro):
    main = make_warehouse(retro, "Main")
    return dict(main=main, clock=make_product(retro, "Retro Clock", {main: 10}))


def key() -> dict:
    return {"Idempotency-Key": f"e2e-{uuid.uuid4()}"}


def test_a_retried_movement_replays_the_first_answer_and_is_recorded_once(retro, shop):
    headers = key()
    first = move(retro, "sale", shop["clock"], shop["main"], 3, headers=headers)
    retry = move(retro, "sale", shop["clock"], shop["main"], 3, headers=headers)
    assert (first.status_code, retry.status_code) == (201, 201)
    assert retry.json() == first.json()
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert level(retro, shop["clock"], shop["main"])["on_hand"] == 7
    assert len(ledger(retro, product_id=shop["clock"], type="sale")) == 1


def test_a_retried_product_creation_creates_one_product(retro):
    headers, sku = key(), random_sku("RETRO-CLOCK")
    body = {"name": "Retro Clock", "sku": sku, "price": "19.99"}
    first, retry = (retro.post("/api/products", json=body, headers=headers) for _ in range(2))
    assert (first.status_code, retry.status_code, retry.json()["id"]) == (201, 201, first.json()["id"])
    assert retro.ok("/api/products", params={"sku": sku})["total"] == 1


def test_a_retried_order_reserves_once(retro, shop):
    headers = key()
    body = {"warehouse_id": shop["main"], "items": [{"product_id": shop["clock"], "quantity": 4}]}
    first, retry = (retro.post("/api/orders", json=body, headers=headers) for _ in range(2))
    assert (first.status_code, retry.status_code, retry.json()["id"]) == (201, 201, first.json()["id"])
    assert level(retro, shop["clock"], shop["main"])["reserved"] == 4


def test_reusing_a_key_with_another_body_is_refused(retro, shop):
    headers = key()
    assert move(retro, "sale", shop["clock"], shop["main"], 1, headers=headers).status_code == 201
    response = move(retro, "sale", shop["clock"], shop["main"], 2, headers=headers)
    assert (response.status_code, response.json()["error"]) == (422, "idempotency_key_reused")
    assert level(retro, shop["clock"], shop["main"])["on_hand"] == 9


def test_keys_are_per_company(retro, globex, shop):
    headers = key()
    globex_main = make_warehouse(globex, "Main")
    globex_clock = make_product(globex, "Globex Clock", {globex_main: 10})
    assert move(retro, "sale", shop["clock"], shop["main"], 1, headers=headers).status_code == 201
    response = move(globex, "sale", globex_clock, globex_main, 1, headers=headers)
    assert response.status_code == 201
    assert "Idempotent-Replayed" not in response.headers
    assert level(globex, globex_clock, globex_main)["on_hand"] == 9
