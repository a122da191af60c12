"""An app configured with in-memory SQLite (`sqlite://`, TestConfig's default) serves concurrent
requests as a database file does: threads racing through their own test clients get the documented
answers, never a 500, and nothing is lost or applied twice."""

import collections
import os
import threading

import pytest

from app import create_app
from app.extensions import db
from config import TestConfig
from tests.conftest import PASSWORD

THREADS = 8


@pytest.fixture
def memory_app():
    app = create_app(TestConfig)  # SQLALCHEMY_DATABASE_URI = "sqlite://"
    with app.app_context():
        db.create_all()
    return app


def race(app, request) -> collections.Counter:
    """`request(client)` from THREADS threads at once, each with its own client; their statuses."""
    statuses, barrier = collections.Counter(), threading.Barrier(THREADS)

    def run():
        client = app.test_client()
        barrier.wait()
        for status in request(client):
            statuses[status] += 1

    threads = [threading.Thread(target=run) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return statuses


def test_the_memory_url_gets_a_temporary_file_of_its_own(memory_app):
    path = memory_app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")
    assert os.path.isfile(path)
    other = create_app(TestConfig)
    assert other.config["SQLALCHEMY_DATABASE_URI"] != memory_app.config["SQLALCHEMY_DATABASE_URI"]


def test_concurrent_sales_neither_fail_nor_oversell(memory_app):
    client = memory_app.test_client()
    headers = {"Authorization": "Bearer " + client.post("/api/auth/register", json={
        "company_name": "Memory Co", "email": "memory@example.com", "password": PASSWORD}).json["token"]}
    main = client.post("/api/warehouses", json={"name": "Main"}, headers=headers).json["id"]
    clock = client.post("/api/products", headers=headers, json={
        "name": "Clock", "sku": "MEMORY-CLOCK", "price": "5.00", "inventory": [{"warehouse_id": main, "quantity": 50}]}).json["id"]
    sale = {"type": "sale", "product_id": clock, "warehouse_id": main, "quantity": 1}

    statuses = race(memory_app, lambda c: [c.post("/api/inventory/movements", json=sale, headers=headers).status_code
                                           for _ in range(10)])

    assert statuses == {201: 50, 409: 30}
    [level] = client.get(f"/api/inventory?product_id={clock}", headers=headers).json["items"]
    assert level["on_hand"] == 0
    ledger = client.get(f"/api/inventory/movements?product_id={clock}&limit=500", headers=headers).json["items"]
    assert sum(row["quantity_change"] for row in ledger) == 0


def test_concurrent_creations_of_one_sku_make_one_product(memory_app):
    client = memory_app.test_client()
    headers = {"Authorization": "Bearer " + client.post("/api/auth/register", json={
        "company_name": "Memory Co", "email": "memory@example.com", "password": PASSWORD}).json["token"]}
    body = {"name": "Lamp", "sku": "MEMORY-LAMP", "price": "5.00"}

    statuses = race(memory_app, lambda c: [c.post("/api/products", json=body, headers=headers).status_code])

    assert statuses == {201: 1, 409: THREADS - 1}
    assert client.get("/api/products?sku=MEMORY-LAMP", headers=headers).json["total"] == 1
