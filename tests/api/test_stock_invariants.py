"""Property-based: random sequences of movements, transfers, orders and purchase orders against the real API.

A hypothesis state machine drives the HTTP API (through the test client) and keeps a small
in-memory model of what every request should do: on_hand and reserved per level, and the pending
orders with what they hold. Each rule predicts the answer (201/200, or 409 insufficient_stock,
stale_quantity, invalid_transition) and the levels after it; after every step the invariants are
checked against the API and the database:

- the levels the API lists are the model's;
- per level, on_hand = Σ ledger quantity_change, and the newest row's on_hand_after is on_hand;
- on_hand ≥ 0 and 0 ≤ reserved ≤ on_hand;
- reserved = Σ reservations of pending orders (in the database, and in the model);
- incoming = Σ (quantity − received) of the open purchase order lines (in the API, the model and
  the stored-state oracle), and receipts never pass what was ordered;
- units in the daily_sales rollup = units sold, and every stored sales figure (a rollup row's
  running total, a level's units sold and latest sale day) is what the ledger gives; sales are
  dated now or days back, so they land before and after each other.

The database is not wiped between hypothesis examples, so every example registers its own company.
"""

import pytest
import collections
import uuid

import hypothesis.strategies as st
import sqlalchemy as sa
from hypothesis import HealthCheck, event, settings
from hypothesis.stateful import Bundle, RuleBasedStateMachine, invariant, multiple, rule, run_state_machine_as_test

from app.extensions import db
from app.inventory.models import DailySale
from app.orders.models import Order, OrderReservation
from tests.api.alerting import ago, stale_incoming, stale_sales_figures
from tests.conftest import PASSWORD, unique_email

pytestmark = pytest.mark.slow

SETTINGS = settings(
    max_examples=25,
    stateful_step_count=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture, HealthCheck.filter_too_much],
)

STOCKED = st.integers(0, 1)  # index of a stocked product
ANY_PRODUCT = st.integers(0, 2)  # 2 is the bundle
WAREHOUSE = st.integers(0, 1)
BUNDLE_RECIPE = (1, 2)  # units of stocked product 0 and 1 per bundle
DAYS_BACK = st.sampled_from([None, 0, 1, 2, 5])  # a sale's occurred_at: now, or that many days back


def machine_for(app):
    class StockMachine(RuleBasedStateMachine):
        orders = Bundle("orders")
        purchase_orders = Bundle("purchase_orders")

        def __init__(self):
            super().__init__()
            self.client = app.test_client()
            registered = self.client.post("/api/auth/register", json={
                "company_name": "Hypothesis Hardware", "email": unique_email("prop"), "password": PASSWORD})
            assert registered.status_code == 201, registered.json
            self.company_id = registered.json["company"]["id"]
            self.headers = {"Authorization": f"Bearer {registered.json['token']}"}
            self.warehouses = [self.created("/api/warehouses", {"name": name})["id"] for name in ("North", "South")]
            # Part 0 starts in both warehouses, part 1 only in the first: its level in the second is
            # created by the first movement that puts stock there.
            initial = [{self.warehouses[0]: 20, self.warehouses[1]: 10}, {self.warehouses[0]: 20}]
            self.stocked = [self.created("/api/products", {
                "name": f"Part {n}", "sku": self.sku(), "price": "2.50",
                "inventory": [{"warehouse_id": w, "quantity": q} for w, q in stock.items()]})["id"]
                for n, stock in enumerate(initial)]
            self.kit = self.created("/api/bundles", {
                "name": "Kit", "sku": self.sku(), "price": "9.00",
                "components": [{"product_id": p, "quantity": n} for p, n in zip(self.stocked, BUNDLE_RECIPE)],
            })["id"]
            self.products = [*self.stocked, self.kit]
            self.supplier = self.created("/api/suppliers", {"name": "Parts Ltd", "lead_time_days": 3})["id"]
            for product_id in self.stocked:
                linked = self.client.put(f"/api/products/{product_id}/suppliers/{self.supplier}", json={"unit_cost": "1.25"},
                                         headers=self.headers)
                assert linked.status_code == 200, linked.json
            # The model.
            self.on_hand = collections.Counter(  # (product_id, warehouse_id) → units
                {(p, w): q for p, stock in zip(self.stocked, initial) for w, q in stock.items()})
            self.reserved = collections.Counter()
            self.sold = collections.Counter()
            self.order_state = {}  # order id → {"warehouse", "holds": Counter(product → units), "status"}
            self.incoming = collections.Counter()
            self.po_state = {}  # purchase order id → {"warehouse", "status", "lines": {line id: [product, quantity, received]}}

        # --- plumbing -----------------------------------------------------------------------------

        @staticmethod
        def sku():
            return f"PROP-{uuid.uuid4().hex[:12]}"

        def created(self, path, body):
            response = self.client.post(path, json=body, headers=self.headers)
            assert response.status_code == 201, (path, body, response.json)
            return response.json

        def available(self, key):
            return self.on_hand[key] - self.reserved[key]

        def units_of(self, product_id, quantity):
            """The stocked units that `quantity` of a product takes (a bundle takes its components)."""
            if product_id == self.kit:
                return collections.Counter({p: n * quantity for p, n in zip(self.stocked, BUNDLE_RECIPE)})
            return collections.Counter({product_id: quantity})

        def shortages(self, warehouse_id, units):
            return sorted(p for p, n in units.items() if self.available((p, warehouse_id)) < n)

        def expect(self, response, status, error=None, request=None):
            body = response.get_json(silent=True) or {}
            event(f"expected {status} {error or ''}".strip())
            assert (response.status_code, body.get("error") if status >= 400 else None) == (status, error), (
                f"request {request} → {response.status_code} {body}; the model expected {status} {error}")
            return body

        def movement(self, body, key=None):
            headers = self.headers if key is None else {**self.headers, "Idempotency-Key": key}
            return self.client.post("/api/inventory/movements", json=body, headers=headers)

        def assert_levels_in(self, body):
            """The levels a 201 movement answers with are the model's, after it."""
            for level in body["levels"]:
                key = (level["product_id"], level["warehouse_id"])
                assert (level["on_hand"], level["reserved"], level["available"]) == (
                    self.on_hand[key], self.reserved[key], self.available(key)), (key, body)

        def assert_short(self, body, short):
            assert sorted(s["product_id"] for s in body.get("short", [])) == short, body

        # --- movements ----------------------------------------------------------------------------

        @rule(kind=st.sampled_from(["receive", "return"]), p=STOCKED, w=WAREHOUSE, quantity=st.integers(1, 15))
        def receive(self, kind, p, w, quantity):
            key = (self.stocked[p], self.warehouses[w])
            body = {"type": kind, "product_id": key[0], "warehouse_id": key[1], "quantity": quantity}
            answer = self.expect(self.movement(body), 201, request=body)
            self.on_hand[key] += quantity
            self.assert_levels_in(answer)

        @rule(p=ANY_PRODUCT, w=WAREHOUSE, quantity=st.integers(1, 8), days_back=DAYS_BACK)
        def sale(self, p, w, quantity, days_back):
            product_id, warehouse_id = self.products[p], self.warehouses[w]
            body = {"type": "sale", "product_id": product_id, "warehouse_id": warehouse_id, "quantity": quantity}
            if days_back is not None:
                body["occurred_at"] = ago(days_back)
            units = self.units_of(product_id, quantity)
            short = self.shortages(warehouse_id, units)
            response = self.movement(body)
            if short:
                self.assert_short(self.expect(response, 409, "insufficient_stock", body), short)
                return
            answer = self.expect(response, 201, request=body)
            for stocked, n in units.items():
                self.on_hand[(stocked, warehouse_id)] -= n
                self.sold[(stocked, warehouse_id)] += n
            self.assert_levels_in(answer)
            assert sorted((row["product_id"], row["quantity_change"], row["bundle_id"]) for row in answer["movements"]) == sorted(
                (stocked, -n, product_id if product_id == self.kit else None) for stocked, n in units.items())

        @rule(p=STOCKED, w=WAREHOUSE, quantity=st.integers(1, 8))
        def remove(self, p, w, quantity):
            key = (self.stocked[p], self.warehouses[w])
            body = {"type": "remove", "product_id": key[0], "warehouse_id": key[1], "quantity": quantity, "reason": "damaged"}
            response = self.movement(body)
            if self.available(key) < quantity:
                self.assert_short(self.expect(response, 409, "insufficient_stock", body), [key[0]])
                return
            answer = self.expect(response, 201, request=body)
            self.on_hand[key] -= quantity
            self.assert_levels_in(answer)

        @rule(p=STOCKED, w=WAREHOUSE, quantity=st.integers(-10, 10).filter(bool))
        def adjust(self, p, w, quantity):
            key = (self.stocked[p], self.warehouses[w])
            body = {"type": "adjust", "product_id": key[0], "warehouse_id": key[1], "quantity": quantity, "reason": "recount"}
            response = self.movement(body)
            if quantity < 0 and self.available(key) < -quantity:
                self.assert_short(self.expect(response, 409, "insufficient_stock", body), [key[0]])
                return
            answer = self.expect(response, 201, request=body)
            self.on_hand[key] += quantity
            self.assert_levels_in(answer)

        @rule(p=STOCKED, w=WAREHOUSE, quantity=st.one_of(st.integers(0, 25), st.just("below reserved")),
              expectation=st.sampled_from(["none", "current", "stale"]), off_by=st.integers(1, 5))
        def count(self, p, w, quantity, expectation, off_by):
            key = (self.stocked[p], self.warehouses[w])
            if quantity == "below reserved":  # a count lower than what pending orders hold is refused
                quantity = max(self.reserved[key] - off_by, 0)
            body = {"type": "count", "product_id": key[0], "warehouse_id": key[1], "quantity": quantity}
            if expectation == "current":
                body["expected_on_hand"] = self.on_hand[key]
            elif expectation == "stale":
                body["expected_on_hand"] = self.on_hand[key] + off_by
            response = self.movement(body)
            if expectation == "stale":
                self.expect(response, 409, "stale_quantity", body)
            elif quantity < self.reserved[key]:
                self.expect(response, 409, "insufficient_stock", body)
            else:
                answer = self.expect(response, 201, request=body)
                assert [row["quantity_change"] for row in answer["movements"]] == [quantity - self.on_hand[key]], answer
                self.on_hand[key] = quantity
                self.assert_levels_in(answer)

        @rule(p=STOCKED, w=WAREHOUSE, quantity=st.integers(1, 10))
        def transfer(self, p, w, quantity):
            product_id, source, target = self.stocked[p], self.warehouses[w], self.warehouses[1 - w]
            body = {"type": "transfer", "product_id": product_id, "warehouse_id": source, "to_warehouse_id": target,
                    "quantity": quantity}
            response = self.movement(body)
            if self.available((product_id, source)) < quantity:
                self.assert_short(self.expect(response, 409, "insufficient_stock", body), [product_id])
                return
            answer = self.expect(response, 201, request=body)
            self.on_hand[(product_id, source)] -= quantity
            self.on_hand[(product_id, target)] += quantity
            rows = answer["movements"]
            assert sorted((row["warehouse_id"], row["quantity_change"]) for row in rows) == sorted(
                [(source, -quantity), (target, quantity)])
            assert len({row["transfer_id"] for row in rows}) == 1 and rows[0]["transfer_id"]
            self.assert_levels_in(answer)

        @rule(p=ANY_PRODUCT, w=WAREHOUSE, quantity=st.integers(1, 6))
        def keyed_sale_sent_twice(self, p, w, quantity):
            """A retried keyed sale: applied once, the retry replays the first answer (a refusal is not stored)."""
            product_id, warehouse_id = self.products[p], self.warehouses[w]
            body = {"type": "sale", "product_id": product_id, "warehouse_id": warehouse_id, "quantity": quantity}
            key = uuid.uuid4().hex
            units = self.units_of(product_id, quantity)
            short = self.shortages(warehouse_id, units)
            first, retry = self.movement(body, key), self.movement(body, key)
            if short:
                self.expect(first, 409, "insufficient_stock", body)
                self.expect(retry, 409, "insufficient_stock", body)
                assert "Idempotent-Replayed" not in retry.headers
                return
            answer = self.expect(first, 201, request=body)
            assert self.expect(retry, 201, request=body) == answer
            assert retry.headers.get("Idempotent-Replayed") == "true"
            for stocked, n in units.items():
                self.on_hand[(stocked, warehouse_id)] -= n
                self.sold[(stocked, warehouse_id)] += n
            self.assert_levels_in(answer)

        # --- orders -------------------------------------------------------------------------------

        @rule(target=orders, w=WAREHOUSE,
              lines=st.lists(st.tuples(ANY_PRODUCT, st.integers(1, 3)), min_size=1, max_size=3))
        def create_order(self, w, lines):
            warehouse_id = self.warehouses[w]
            items = [{"product_id": self.products[p], "quantity": q} for p, q in lines]
            merged = collections.Counter()
            for item in items:
                merged[item["product_id"]] += item["quantity"]
            holds = collections.Counter()
            for product_id, quantity in merged.items():
                holds.update(self.units_of(product_id, quantity))
            short = self.shortages(warehouse_id, holds)
            body = {"warehouse_id": warehouse_id, "items": items}
            response = self.client.post("/api/orders", json=body, headers=self.headers)
            if short:
                self.assert_short(self.expect(response, 409, "insufficient_stock", body), short)
                return multiple()
            order = self.expect(response, 201, request=body)
            assert order["status"] == "pending"
            assert {line["product_id"]: line["quantity"] for line in order["items"]} == dict(merged)
            for product_id, n in holds.items():
                self.reserved[(product_id, warehouse_id)] += n
            self.order_state[order["id"]] = {"warehouse": warehouse_id, "holds": holds, "status": "pending"}
            return order["id"]

        def change_status(self, order_id, status):
            state = self.order_state[order_id]
            response = self.client.patch(f"/api/orders/{order_id}/status", json={"status": status}, headers=self.headers)
            if state["status"] != "pending":
                self.expect(response, 409, "invalid_transition", (order_id, state["status"], status))
                return
            assert self.expect(response, 200, request=(order_id, status))["status"] == status
            for product_id, n in state["holds"].items():
                key = (product_id, state["warehouse"])
                self.reserved[key] -= n
                if status == "shipped":
                    self.on_hand[key] -= n
                    self.sold[key] += n
            state["status"] = status

        @rule(order_id=orders)
        def ship_order(self, order_id):
            self.change_status(order_id, "shipped")

        @rule(order_id=orders)
        def cancel_order(self, order_id):
            self.change_status(order_id, "cancelled")

        # --- purchase orders ----------------------------------------------------------------------

        @rule(target=purchase_orders, w=WAREHOUSE,
              lines=st.lists(st.tuples(STOCKED, st.integers(1, 10)), min_size=1, max_size=3))
        def draft_purchase_order(self, w, lines):
            body = {"supplier_id": self.supplier, "warehouse_id": self.warehouses[w],
                    "lines": [{"product_id": self.stocked[p], "quantity": q} for p, q in lines]}
            order = self.created("/api/purchase-orders", body)
            merged = collections.Counter()
            for p, q in lines:
                merged[self.stocked[p]] += q
            assert {line["product_id"]: line["quantity"] for line in order["lines"]} == dict(merged)
            self.po_state[order["id"]] = {"warehouse": order["warehouse_id"], "status": "draft", "lines": {
                line["id"]: [line["product_id"], line["quantity"], 0] for line in order["lines"]}}
            return order["id"]

        def po_status(self, order_id, status, allowed: bool):
            state = self.po_state[order_id]
            response = self.client.patch(f"/api/purchase-orders/{order_id}/status", json={"status": status},
                                         headers=self.headers)
            if not allowed:
                self.expect(response, 409, "invalid_transition", (order_id, state["status"], status))
                return
            assert self.expect(response, 200, request=(order_id, status))["status"] == status
            for product_id, quantity, received in state["lines"].values():
                key = (product_id, state["warehouse"])
                if status == "ordered":
                    self.incoming[key] += quantity
                elif state["status"] in ("ordered", "partially_received"):
                    self.incoming[key] -= quantity - received
            state["status"] = status

        @rule(order_id=purchase_orders)
        def place_purchase_order(self, order_id):
            self.po_status(order_id, "ordered", self.po_state[order_id]["status"] == "draft")

        @rule(order_id=purchase_orders)
        def cancel_purchase_order(self, order_id):
            self.po_status(order_id, "cancelled", self.po_state[order_id]["status"] in ("draft", "ordered"))

        @rule(order_id=purchase_orders)
        def close_purchase_order(self, order_id):
            self.po_status(order_id, "closed", self.po_state[order_id]["status"] in ("ordered", "partially_received"))

        @rule(order_id=purchase_orders, extra=st.lists(st.integers(-10, 2), min_size=3, max_size=3))
        def receive_purchase_order(self, order_id, extra):
            """Receive each line's remainder adjusted by `extra` (past it: over-receipt; ≤ 0: the line is left out)."""
            state = self.po_state[order_id]
            parts = {line_id: quantity - received + more
                     for (line_id, (_, quantity, received)), more in zip(state["lines"].items(), extra)}
            parts = {line_id: q for line_id, q in parts.items() if q > 0}
            if not parts:
                return
            body = {"lines": [{"line_id": line_id, "quantity": q} for line_id, q in parts.items()]}
            response = self.client.post(f"/api/purchase-orders/{order_id}/receipts", json=body, headers=self.headers)
            if state["status"] not in ("ordered", "partially_received"):
                self.expect(response, 409, "invalid_transition", (order_id, state["status"], body))
                return
            if any(q > state["lines"][line_id][1] - state["lines"][line_id][2] for line_id, q in parts.items()):
                self.expect(response, 409, "over_receipt", (order_id, body))
                return
            answer = self.expect(response, 201, request=(order_id, body))
            for line_id, q in parts.items():
                product_id = state["lines"][line_id][0]
                state["lines"][line_id][2] += q
                self.on_hand[(product_id, state["warehouse"])] += q
                self.incoming[(product_id, state["warehouse"])] -= q
            complete = all(received == quantity for _, quantity, received in state["lines"].values())
            state["status"] = "received" if complete else "partially_received"
            assert answer["purchase_order"]["status"] == state["status"]
            assert all(row["purchase_order_id"] == order_id for row in answer["movements"])

        # --- invariants ---------------------------------------------------------------------------

        def get(self, path):
            response = self.client.get(path, headers=self.headers)
            assert response.status_code == 200, (path, response.json)
            return response.json

        @invariant()
        def levels_ledger_and_reservations_agree(self):
            levels = {(item["product_id"], item["warehouse_id"]): item
                      for item in self.get("/api/inventory?per_page=200")["items"]}

            # The API's levels are the model's; a bundle never holds a level.
            assert not [key for key in levels if key[0] == self.kit], levels
            for key in set(levels) | {k for k, v in (self.on_hand + self.reserved + self.incoming).items() if v}:
                item = levels.get(key, {"on_hand": 0, "reserved": 0, "available": 0})
                assert (item["on_hand"], item["reserved"], item["available"]) == (
                    self.on_hand[key], self.reserved[key], self.available(key)), (key, item)
                assert item.get("incoming", 0) == self.incoming[key], (key, item, self.incoming[key])
                assert item["on_hand"] >= 0, (key, item)
                assert 0 <= item["reserved"] <= item["on_hand"], (key, item)

            # on_hand = Σ ledger; the newest row of each level says so too.
            balance, newest, cursor = collections.Counter(), {}, None
            while True:
                page = self.get("/api/inventory/movements?limit=500" + (f"&cursor={cursor}" if cursor else ""))
                for row in page["items"]:  # newest first
                    key = (row["product_id"], row["warehouse_id"])
                    balance[key] += row["quantity_change"]
                    newest.setdefault(key, row["on_hand_after"])
                cursor = page["next_cursor"]
                if cursor is None:
                    break
            for key in set(levels) | set(balance):
                on_hand = levels[key]["on_hand"] if key in levels else 0
                assert balance[key] == on_hand, (key, balance[key], on_hand)
                assert newest.get(key, 0) == on_hand, (key, newest.get(key), on_hand)

            # reserved = Σ reservations of pending orders, in the database; units sold = daily_sales.
            with app.app_context():
                pending = collections.Counter({
                    (p, w): int(total) for p, w, total in db.session.execute(
                        sa.select(OrderReservation.product_id, OrderReservation.warehouse_id,
                                  sa.func.sum(OrderReservation.quantity))
                        .join(Order, Order.id == OrderReservation.order_id)
                        .where(Order.company_id == self.company_id, Order.status == "pending")
                        .group_by(OrderReservation.product_id, OrderReservation.warehouse_id))})
                sold = collections.Counter({
                    (p, w): int(units) for p, w, units in db.session.execute(
                        sa.select(DailySale.product_id, DailySale.warehouse_id, sa.func.sum(DailySale.units))
                        .where(DailySale.company_id == self.company_id)
                        .group_by(DailySale.product_id, DailySale.warehouse_id))})
                statuses = dict(db.session.execute(
                    sa.select(Order.id, Order.status).where(Order.company_id == self.company_id)).all())
            for key in set(levels) | set(pending):
                reserved = levels[key]["reserved"] if key in levels else 0
                assert pending[key] == reserved, (key, pending[key], reserved)
            model_pending = collections.Counter()
            for state in self.order_state.values():
                if state["status"] == "pending":
                    model_pending.update({(p, state["warehouse"]): n for p, n in state["holds"].items()})
            assert +model_pending == +self.reserved
            assert +sold == +self.sold, (sold, self.sold)
            assert not (stale := stale_sales_figures(app, self.company_id)), stale
            assert not (stale := stale_incoming(app)), stale
            assert statuses == {order_id: state["status"] for order_id, state in self.order_state.items()}

    return StockMachine


def test_random_operations_keep_stock_consistent_with_a_model(app):
    run_state_machine_as_test(machine_for(app), settings=SETTINGS)
