"""The floor under bench.movements' API figures (`--floor`): a bare Flask app on the same gunicorn
that records a movement with the statements the API sends for one — the pool's ping, the token
read, the level locked with its product, the sales rollup for a sale, the level's update, the
ledger row, the commit — straight through one PyMySQL connection per worker (gunicorn's sync
workers: one request at a time each).

It has no validation, no ORM, no roles, no idempotency, events, metrics or request log, and it
answers only what bench.movements posts (a sale or a receipt at a stocked level). It is not a way to
record stock: it measures what Flask, gunicorn and PyMySQL cost on their own on this machine, so
that the API's figures can be read against it.
"""

import hashlib
import os

import pymysql
from flask import Flask, jsonify, request
from sqlalchemy.engine import make_url

app = Flask(__name__)
_connection = None


def connection() -> pymysql.Connection:
    global _connection
    if _connection is None:
        url = make_url(os.environ["DATABASE_URL"])
        _connection = pymysql.connect(host=url.host, port=url.port or 3306, user=url.username, password=url.password or "",
                                      database=url.database, charset="utf8mb4", autocommit=False)
        with _connection.cursor() as cursor:
            cursor.execute("SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED")
    return _connection


@app.get("/health/ready")
def ready():
    return {"status": "ok"}


@app.post("/api/inventory/movements")
def record():
    movement = request.get_json()
    digest = hashlib.sha256(request.headers["Authorization"].removeprefix("Bearer ").encode()).hexdigest()
    database = connection()
    database.ping(reconnect=True)
    with database.cursor() as cursor:
        cursor.execute("SELECT u.id, u.company_id FROM api_tokens t JOIN users u ON u.id = t.user_id "
                       "WHERE t.token_hash = %s AND t.revoked_at IS NULL", (digest,))
        user_id, company_id = cursor.fetchone()
        # The product is read by subqueries, which (unlike a join) take no lock on it, as the API's:
        # whether it is active, its SKU and its threshold (for the answer).
        cursor.execute(
            "SELECT l.id, l.on_hand, l.reserved, l.units_sold, (SELECT p.is_active FROM products p WHERE p.id = l.product_id), "
            "(SELECT p.sku FROM products p WHERE p.id = l.product_id), COALESCE(l.low_stock_threshold, "
            "(SELECT COALESCE(p.low_stock_threshold, t.low_stock_threshold, c.default_low_stock_threshold) FROM products p "
            "LEFT JOIN product_types t ON t.id = p.product_type_id JOIN companies c ON c.id = p.company_id WHERE p.id = l.product_id)) "
            "FROM inventory_levels l WHERE l.company_id = %s AND l.product_id = %s AND l.warehouse_id = %s FOR UPDATE",
            (company_id, movement["product_id"], movement["warehouse_id"]))
        level_id, on_hand, reserved, units_sold, active, sku, threshold = cursor.fetchone()
        sale = movement["type"] == "sale"
        change = -movement["quantity"] if sale else movement["quantity"]
        if not active or on_hand - reserved + change < 0:
            database.rollback()
            return jsonify({"error": "in_use" if not active else "insufficient_stock"}), 409
        key = (company_id, movement["product_id"], movement["warehouse_id"])
        if sale:
            cursor.execute(
                "INSERT INTO daily_sales (company_id, product_id, warehouse_id, day, units, units_to_date) "
                "VALUES (%s, %s, %s, UTC_DATE(), %s, %s) ON DUPLICATE KEY UPDATE units = units + VALUES(units), "
                "units_to_date = units_to_date + VALUES(units)", (*key, -change, units_sold - change))
            units_sold -= change
        cursor.execute("UPDATE inventory_levels SET on_hand = %s, units_sold = %s, last_sold_on = IF(%s, UTC_DATE(), "
                       "last_sold_on), updated_at = UTC_TIMESTAMP(6) WHERE id = %s", (on_hand + change, units_sold, sale, level_id))
        cursor.execute(
            "INSERT INTO stock_movements (company_id, product_id, warehouse_id, type, quantity_change, on_hand_after, "
            "user_id, occurred_at, created_at) VALUES (%s, %s, %s, %s, %s, %s, %s, UTC_TIMESTAMP(6), UTC_TIMESTAMP(6))",
            (*key, movement["type"], change, on_hand + change, user_id))
        movement_id = cursor.lastrowid
    database.commit()
    return jsonify({"movements": [{"id": movement_id, **movement, "quantity_change": change}],
                    "levels": [{"id": level_id, "sku": sku, "threshold": threshold, "on_hand": on_hand + change}]}), 201
