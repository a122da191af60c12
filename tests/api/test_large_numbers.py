"""Every request the API accepts can be stored: sums that pass 32 bits or 10¹² fit their columns."""

import sqlalchemy as sa

from app.extensions import db
from app.inventory.models import DailySale
from tests.factories import make_product, make_warehouse

BILLION = 1_000_000_000


def move(account, kind, product_id, warehouse_id, quantity):
    response = account.post("/api/inventory/movements", json={
        "type": kind, "product_id": product_id, "warehouse_id": warehouse_id, "quantity": quantity})
    assert response.status_code == 201, response.json
    return response.json


def test_a_days_sales_of_one_level_may_pass_two_to_the_31(app, acme):
    main = make_warehouse(acme)
    bolt = make_product(acme, "BOLT-M4", {main: BILLION}, low_stock_threshold=BILLION)
    for _ in range(3):
        move(acme, "sale", bolt, main, BILLION)
        move(acme, "receive", bolt, main, BILLION)
    with app.app_context():
        units = db.session.scalars(sa.select(DailySale.units).where(DailySale.product_id == bolt)).all()
    assert units == [3 * BILLION]
    alert = acme.get(f"/api/companies/{acme.company_id}/alerts/low-stock").json["alerts"][0]
    assert (alert["units_sold"], alert["current_stock"]) == (3 * BILLION, BILLION)


def test_an_order_total_may_pass_ten_to_the_12(acme):
    main = make_warehouse(acme)
    dear = make_product(acme, "GOLD-WATCH", {main: BILLION}, price="99999999.99")
    cheap = make_product(acme, "GOLD-STRAP", {main: BILLION}, price="99999999.99")
    response = acme.post("/api/orders", json={"warehouse_id": main, "items": [
        {"product_id": dear, "quantity": BILLION}, {"product_id": cheap, "quantity": BILLION}]})
    assert response.status_code == 201, response.json
    assert response.json["total"] == "199999999980000000.00"
    assert acme.get(f"/api/orders/{response.json['id']}").json["total"] == "199999999980000000.00"


def test_an_order_total_keeps_its_cents_past_fifteen_digits(acme):
    """12345678.91 × 999,999,999 has 19 digits: a float (SQLite's NUMERIC) would answer …322.00."""
    main = make_warehouse(acme)
    gold = make_product(acme, "GOLD-BAR", {main: BILLION}, price="12345678.91")
    response = acme.post("/api/orders", json={"warehouse_id": main, "items": [{"product_id": gold, "quantity": BILLION - 1}]})
    assert response.status_code == 201, response.json
    assert response.json["total"] == "12345678897654321.09"
    assert acme.get(f"/api/orders/{response.json['id']}").json["total"] == "12345678897654321.09"
    listed = acme.get("/api/orders").json["items"]
    assert [order["total"] for order in listed] == ["12345678897654321.09"]
