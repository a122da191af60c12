"""Writes that MySQL picks as deadlock victims are retried from scratch, then answered 503."""

import pymysql
import pytest
import sqlalchemy as sa

from app.common.transaction import MAX_ATTEMPTS
from app.inventory import movements
from tests.factories import make_product, make_warehouse

REAL_RECORD = movements.record_movement


def mysql_error(code: int, text: str) -> sa.exc.OperationalError:
    return sa.exc.OperationalError("UPDATE inventory_levels …", {}, pymysql.err.OperationalError(code, text))


@pytest.fixture
def sale(acme):
    warehouse = make_warehouse(acme)
    product = make_product(acme, "RETRO-CLOCK", {warehouse: 10})
    return {"type": "sale", "product_id": product, "warehouse_id": warehouse, "quantity": 1}


def on_hand(acme, sale):
    return acme.get(f"/api/inventory?product_id={sale['product_id']}").json["items"][0]["on_hand"]


def failing(times: int, code: int, calls: list):
    def record(*args, **kwargs):
        calls.append(1)
        if len(calls) <= times:
            raise mysql_error(code, "Deadlock found when trying to get lock")
        return REAL_RECORD(*args, **kwargs)

    return record


def test_a_deadlocked_write_is_retried_and_applied_once(acme, sale, monkeypatch):
    calls = []
    monkeypatch.setattr(movements, "record_movement", failing(2, 1213, calls))
    response = acme.post("/api/inventory/movements", json=sale)
    assert response.status_code == 201
    assert len(calls) == 3
    assert on_hand(acme, sale) == 9


def test_a_lock_wait_timeout_is_retried_too(acme, sale, monkeypatch):
    calls = []
    monkeypatch.setattr(movements, "record_movement", failing(1, 1205, calls))
    assert acme.post("/api/inventory/movements", json=sale).status_code == 201
    assert len(calls) == 2


def test_a_write_that_keeps_deadlocking_is_answered_503_and_changes_nothing(acme, sale, monkeypatch):
    calls = []
    monkeypatch.setattr(movements, "record_movement", failing(MAX_ATTEMPTS, 1213, calls))
    response = acme.post("/api/inventory/movements", json=sale)
    assert (response.status_code, response.json["error"]) == (503, "unavailable")
    assert len(calls) == MAX_ATTEMPTS
    assert on_hand(acme, sale) == 10


def test_other_database_errors_are_not_retried(acme, sale, monkeypatch):
    calls = []
    monkeypatch.setattr(movements, "record_movement", failing(1, 1054, calls))
    response = acme.post("/api/inventory/movements", json=sale)
    assert (response.status_code, response.json["error"]) == (500, "internal_error")
    assert len(calls) == 1


@pytest.mark.parametrize("multipart", [False, True])
def test_a_deadlocked_import_reads_its_sheet_again_on_the_retry(acme, monkeypatch, multipart):
    import io

    from app.products import importing

    real, calls = importing.import_products, []

    def import_products(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise mysql_error(1213, "Deadlock found when trying to get lock")
        return real(*args, **kwargs)

    monkeypatch.setattr(importing, "import_products", import_products)
    sheet = b"sku,name,price\nDL-1,Deadlocked,1.00\n"
    if multipart:
        response = acme.post("/api/products/import", data={"file": (io.BytesIO(sheet), "sheet.csv")}, content_type="multipart/form-data")
    else:
        response = acme.post("/api/products/import", data=sheet, content_type="text/csv")
    assert response.status_code == 200, response.json
    assert response.json["created"] == 1 and len(calls) == 2
