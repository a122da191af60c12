"""HTTP endpoints: /api/purchase-orders and /api/companies/{id}/replenishment."""

from flask import jsonify
from flask.views import MethodView

from app.auth.models import Role
from app.auth.security import current_company_id, current_user_id
from app.blueprint import Blueprint
from app.common.pagination import PageArgs, page_of
from app.common.schemas import ErrorSchema
from app.common.transaction import retry_on_deadlock
from app.purchasing import receiving, replenishment, service
from app.purchasing.domain import REORDER_RULE
from app.purchasing.schemas import (
    DraftsRequestSchema,
    DraftsSchema,
    PurchaseOrderCreateSchema,
    PurchaseOrderListArgs,
    PurchaseOrderSchema,
    PurchaseOrderStatusSchema,
    PurchaseOrderUpdateSchema,
    ReceiptCreateSchema,
    ReceiptResultSchema,
    ReceiptSchema,
    ReplenishmentArgs,
    ReplenishmentSchema,
)

blp = Blueprint("purchase-orders", __name__, url_prefix="/api/purchase-orders",
                description="Orders to suppliers for delivery to a warehouse, and receiving them")
replenishment_blp = Blueprint("replenishment", __name__, url_prefix="/api/companies",
                              description="What to order, from whom, and draft purchase orders made from it")

NOT_FOUND = "No such purchase order in your company"


@blp.route("")
class PurchaseOrders(MethodView):
    @blp.auth_required()
    @blp.arguments(PurchaseOrderListArgs, location="query")
    @blp.response(200, page_of(PurchaseOrderSchema))
    def get(self, args):
        """List purchase orders, by id

        `overdue=true`: ordered or partially received with `expected_at` in the past; `overdue=false`:
        every other order, those expected at no known date included.
        """
        return service.list_purchase_orders(current_company_id(), **args)

    @blp.auth_required(Role.manager)
    @retry_on_deadlock
    @blp.idempotent()
    @blp.arguments(PurchaseOrderCreateSchema)
    @blp.response(201, PurchaseOrderSchema)
    @blp.alt_response(409, schema=ErrorSchema, description="bundle_has_no_stock (a bundle line), in_use (an archived product)")
    def post(self, data):
        """Draft a purchase order to one supplier for delivery to one warehouse

        Each line's `unit_cost` defaults to the product's link to the supplier; with neither → 422
        naming the line's `unit_cost`. Duplicate product lines are merged by summing their
        quantities (different unit costs for one product → 422 naming the line). Unknown ids or
        another company's → 422 naming the field. A draft counts nowhere until it is placed.
        """
        return service.create_purchase_order(current_company_id(), current_user_id(), data)


@blp.route("/<int:order_id>")
class PurchaseOrderItem(MethodView):
    @blp.auth_required()
    @blp.response(200, PurchaseOrderSchema)
    @blp.alt_response(404, schema=ErrorSchema, description=NOT_FOUND)
    def get(self, order_id):
        """One purchase order with its lines"""
        return service.get_purchase_order(current_company_id(), order_id)

    @blp.auth_required(Role.manager)
    @retry_on_deadlock
    @blp.idempotent()
    @blp.arguments(PurchaseOrderUpdateSchema)
    @blp.response(200, PurchaseOrderSchema)
    @blp.alt_response(404, schema=ErrorSchema, description=NOT_FOUND)
    @blp.alt_response(409, schema=ErrorSchema, description="invalid_transition (not a draft), bundle_has_no_stock, in_use")
    def patch(self, data, order_id):
        """Edit a draft: `lines` replaces the whole list; `reference`, `notes`, `expected_at`"""
        return service.update_purchase_order(current_company_id(), order_id, data)


@blp.route("/<int:order_id>/status")
class PurchaseOrderStatus(MethodView):
    @blp.auth_required(Role.manager)
    @retry_on_deadlock
    @blp.idempotent()
    @blp.arguments(PurchaseOrderStatusSchema)
    @blp.response(200, PurchaseOrderSchema)
    @blp.alt_response(404, schema=ErrorSchema, description=NOT_FOUND)
    @blp.alt_response(409, schema=ErrorSchema, description="invalid_transition; in_use (placing a draft with an archived product)")
    def patch(self, data, order_id):
        """Place, cancel or close a purchase order

        - `draft → ordered`: placed with the supplier; sets `ordered_at`; `expected_at`, when not
          set, becomes `ordered_at` + the longest lead time among its lines (each line: its link's
          `lead_time_days`, else the supplier's), or stays null when none is known. Its quantities
          become the `incoming` of the warehouse's levels (created when missing).
        - `draft → cancelled`, `ordered → cancelled` (nothing received yet);
        - `ordered | partially_received → closed`: stop waiting for the rest (`incoming` drops).
        - `partially_received` and `received` are reached by receipts only. Any other target that is
          a status, the current one included → 409 `invalid_transition`; a value that is not → 422.

        Of two concurrent changes of one order (or a change and a receipt) the second sees the first:
        one wins, the other gets 409.
        """
        return service.change_status(current_company_id(), order_id, data["status"])


@blp.route("/<int:order_id>/receipts")
class Receipts(MethodView):
    @blp.auth_required()
    @blp.arguments(PageArgs, location="query")
    @blp.response(200, page_of(ReceiptSchema))
    @blp.alt_response(404, schema=ErrorSchema, description=NOT_FOUND)
    def get(self, args, order_id):
        """The receipts recorded against a purchase order, by id"""
        return receiving.list_receipts(current_company_id(), order_id, **args)

    @blp.auth_required(Role.staff)
    @retry_on_deadlock
    @blp.idempotent()
    @blp.arguments(ReceiptCreateSchema)
    @blp.response(201, ReceiptResultSchema)
    @blp.alt_response(404, schema=ErrorSchema, description=NOT_FOUND)
    @blp.alt_response(409, schema=ErrorSchema, description="invalid_transition (not ordered or partially received), over_receipt")
    def post(self, data, order_id):
        """Receive a delivery, in one or several parts

        Each line is a `receive` movement in the ledger with the order's id in `purchase_order_id`;
        the lines' `received_quantity`, the levels' stock and `incoming` and the order's status
        (`received` when every line is complete, else `partially_received`) change with it, all in
        one transaction. A line's total received may never pass its quantity → 409 `over_receipt`
        naming `lines.<i>.quantity`, nothing applied; two receipts racing for one line take turns.
        A `line_id` not of this order, or twice → 422. Products archived since the order was placed
        are still received: the goods arrive whatever the catalogue says now.
        """
        return receiving.receive(current_company_id(), current_user_id(), order_id, data)


@replenishment_blp.route("/<int:company_id>/replenishment")
class Replenishment(MethodView):
    @replenishment_blp.auth_required()
    @replenishment_blp.arguments(ReplenishmentArgs, location="query")
    @replenishment_blp.response(200, ReplenishmentSchema)
    @replenishment_blp.alt_response(404, schema=ErrorSchema, description="Not your company")
    @replenishment_blp.doc(description="""\
Every level of the company whose position (available + incoming) is at or below its threshold,
whether it sold recently or not (levels of active products in active warehouses, as the alerts),
grouped by reorder supplier (the primary supplier, else the
linked supplier with the lowest id), by supplier id; levels without a supplier come last under
`supplier: null` (their `lead_time_days` 0, `unit_cost` and `line_total` null). Lines are by
product and warehouse; a group's `total` adds the known line totals. `days` is the sales window
(default: the company's `recent_sales_days`), `cover_days` the company's `reorder_cover_days`.

As CSV (`?format=csv` or `Accept: text/csv`): one row per line, its supplier's fields as
`supplier_*` columns (empty for the levels without a supplier).

""" + REORDER_RULE)
    @replenishment_blp.exports_csv("replenishment", replenishment.SUGGESTION_COLUMNS, replenishment.export_suggestions)
    def get(self, args, company_id):
        """What to order, from whom"""
        # Plain values, encoded as they are: a company may have 10,000 levels due, and dumping each
        # line field by field through the schema (which documents the answer) took 120 ms of them.
        return jsonify(replenishment.suggestions(current_company_id(), company_id, **args))


@replenishment_blp.route("/<int:company_id>/replenishment/purchase-orders")
class ReplenishmentDrafts(MethodView):
    @replenishment_blp.auth_required(Role.manager)
    @retry_on_deadlock
    @replenishment_blp.idempotent()
    @replenishment_blp.arguments(DraftsRequestSchema)
    @replenishment_blp.response(201, DraftsSchema)
    @replenishment_blp.alt_response(404, schema=ErrorSchema, description="Not your company")
    @replenishment_blp.alt_response(409, schema=ErrorSchema, description="in_use: a warehouse was deleted meanwhile")
    def post(self, data, company_id):
        """Draft purchase orders from the current suggestions

        One draft per (supplier, warehouse), all in one transaction; lines without a supplier or
        without a unit cost on the supplier link are skipped and listed in `skipped` with the
        reason (`no_supplier`, `no_unit_cost`; `quantity_too_large` when the rule's quantity is
        over the 1,000,000,000 one line may hold). Nothing to order → 201 with no purchase orders.
        A warehouse deleted while the drafts are made → 409 `in_use`, nothing drafted. An unknown
        or another company's `supplier_id` or `warehouse_id` → 422 naming it.
        """
        return replenishment.create_drafts(current_company_id(), company_id, current_user_id(), **data)
