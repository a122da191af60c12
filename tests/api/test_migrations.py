"""The checked-in migrations build exactly the schema the models describe, on every database."""

import datetime as dt

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from app import create_app
from app.extensions import db
from config import TestConfig
from tests.api.alerting import stale_sales_figures
from tests.conftest import PASSWORD, unique_email
from tests.databases import BACKENDS, fresh_database


@pytest.fixture(params=BACKENDS, ids=lambda backend: f"{backend}-migrated")
def migrated_app(request, tmp_path):
    with fresh_database(request.param, tmp_path) as url:
        app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url)
        with app.app_context():
            upgrade()
            yield app
            db.session.remove()
            db.engine.dispose()


def test_migrations_produce_the_schema_of_the_models(migrated_app):
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, db.metadata)
    assert differences == []


def test_migrations_downgrade_to_an_empty_database(migrated_app):
    downgrade(revision="base")
    tables = set(sa.inspect(db.engine).get_table_names()) - {"alembic_version"}
    assert tables == set()


def test_the_sales_totals_migration_computes_what_each_sale_keeps(migrated_app):
    """Sales recorded at head, then 0007 undone and redone: its backfill gives every rollup row's
    running total and every level's totals exactly as the sales kept them."""
    client = migrated_app.test_client()
    registered = client.post("/api/auth/register", json={
        "company_name": "Backfill Co", "email": unique_email("backfill"), "password": PASSWORD})
    headers = {"Authorization": f"Bearer {registered.json['token']}"}
    main = client.post("/api/warehouses", json={"name": "Main"}, headers=headers).json["id"]
    products = [client.post("/api/products", headers=headers, json={
        "name": sku, "sku": sku, "price": "1.00", "inventory": [{"warehouse_id": main, "quantity": 50}]}).json["id"]
        for sku in ("BACKFILL-1", "BACKFILL-2", "BACKFILL-3")]
    for product_id, day, quantity in ((products[0], 8, 2), (products[0], 1, 3), (products[0], 5, 1),
                                      (products[0], 8, 5), (products[1], 9, 4)):
        sold = client.post("/api/inventory/movements", headers=headers, json={
            "type": "sale", "product_id": product_id, "warehouse_id": main, "quantity": quantity,
            "occurred_at": f"2025-03-0{day}T12:00:00Z"})
        assert sold.status_code == 201, sold.json

    kept = figures()
    downgrade(revision="0006")
    upgrade()

    assert figures() == kept
    assert kept[1] == {(products[0], main): (11, dt.date(2025, 3, 8)), (products[1], main): (4, dt.date(2025, 3, 9)),
                       (products[2], main): (0, None)}
    assert stale_sales_figures(migrated_app) == []


def figures():
    rollup = db.session.execute(sa.text("SELECT product_id, day, units, units_to_date FROM daily_sales")).all()
    levels = db.session.execute(sa.text("SELECT product_id, warehouse_id, units_sold, last_sold_on FROM inventory_levels")).all()
    db.session.commit()
    return ({(p, str(day)): (units, to_date) for p, day, units, to_date in rollup},
            {(p, w): (units, dt.date.fromisoformat(str(day)) if day else None) for p, w, units, day in levels})


def test_the_order_totals_migration_works_out_what_a_float_lost(migrated_app):
    """At 0013 SQLite kept orders.total in a float; 0014 stores it as text and works each total out
    again from its lines (on MySQL, whose DECIMAL was always exact, it changes nothing)."""
    client = migrated_app.test_client()
    registered = client.post("/api/auth/register", json={
        "company_name": "Totals Co", "email": unique_email("totals"), "password": PASSWORD})
    headers = {"Authorization": f"Bearer {registered.json['token']}"}
    main = client.post("/api/warehouses", json={"name": "Main"}, headers=headers).json["id"]
    gold = client.post("/api/products", headers=headers, json={
        "name": "Gold", "sku": "TOTALS-GOLD", "price": "12345678.91", "inventory": [{"warehouse_id": main, "quantity": 10**9}]})
    strap = client.post("/api/products", headers=headers, json={
        "name": "Strap", "sku": "TOTALS-STRAP", "price": "0.07", "inventory": [{"warehouse_id": main, "quantity": 3}]})
    order = client.post("/api/orders", headers=headers, json={"warehouse_id": main, "items": [
        {"product_id": gold.json["id"], "quantity": 10**9 - 1}, {"product_id": strap.json["id"], "quantity": 3}]})
    assert order.status_code == 201, order.json
    db.session.remove()

    downgrade(revision="0013")
    upgrade()

    assert client.get(f"/api/orders/{order.json['id']}", headers=headers).json["total"] == "12345678897654321.30"
