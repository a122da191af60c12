"""HTTP endpoints: /api/inventory (levels and their daily sales) and /api/inventory/movements (the ledger)."""

from flask import Response, jsonify
from flask.views import MethodView

from app.auth.models import Role
from app.auth.security import current_company_id, current_user_id
from app.blueprint import Blueprint
from app.common import csvio
from app.common.pagination import page_of
from app.common.schemas import ErrorSchema, dump_flat
from app.common.transaction import retry_on_deadlock
from app.inventory import movements, service
from app.inventory.schemas import (
    CountImportRowSchema,
    LevelListArgs,
    LevelSalesArgs,
    LevelSalesSchema,
    LevelSchema,
    LevelUpdateSchema,
    MovementBatchSchema,
    MovementCreateSchema,
    MovementListArgs,
    MovementPageSchema,
    MovementResultSchema,
    MovementSchema,
    RehearsedResultSchema,
)

blp = Blueprint("inventory", __name__, url_prefix="/api/inventory", description="Stock levels and the stock ledger")


@blp.route("")
class Levels(MethodView):
    @blp.auth_required()
    @blp.arguments(LevelListArgs, location="query")
    @blp.response(200, page_of(LevelSchema))
    @blp.exports_csv("inventory", service.LEVEL_COLUMNS, service.export_levels)
    def get(self, args):
        """List stock levels (one per product and warehouse), by id"""
        return service.list_levels(current_company_id(), **args)


@blp.route("/<int:level_id>")
class LevelItem(MethodView):
    @blp.auth_required()
    @blp.response(200, LevelSchema)
    @blp.alt_response(404, schema=ErrorSchema, description="No such level in your company")
    def get(self, level_id):
        """One stock level"""
        return service.get_level(current_company_id(), level_id)

    @blp.auth_required(Role.manager)
    @retry_on_deadlock
    @blp.arguments(LevelUpdateSchema)
    @blp.response(200, LevelSchema)
    @blp.alt_response(404, schema=ErrorSchema, description="No such level in your company")
    def patch(self, data, level_id):
        """Set or clear (null) this warehouse's low-stock threshold override and its order-up-to level

        `reorder_up_to` replaces the computed order-up-to level of the replenishment rule for this
        level; it must stay above the effective threshold: a change of either that breaks this is
        422 naming the field given (`low_stock_threshold` when only the threshold changes).
        """
        return service.update_level(current_company_id(), level_id, data)


@blp.route("/<int:level_id>/sales")
class LevelSales(MethodView):
    @blp.auth_required()
    @blp.arguments(LevelSalesArgs, location="query")
    @blp.response(200, LevelSalesSchema)
    @blp.alt_response(404, schema=ErrorSchema, description="No such level in your company")
    def get(self, args, level_id):
        """Units this level sold per day, for a chart

        One entry per UTC calendar day of the last `days` days (1–365, default 90), oldest first,
        the last one today, zero-filled: a day without sales has `units` 0. Counted from the daily
        sales rollup by the sales' `occurred_at`: sale movements and shipped orders, a bundle's
        sales on its components' levels. Viewers may read it.
        """
        return service.level_sales(current_company_id(), level_id, **args)


@blp.route("/movements")
class Movements(MethodView):
    @blp.auth_required()
    @blp.arguments(MovementListArgs, location="query")
    @blp.response(200, MovementPageSchema)
    @blp.exports_csv("movements", service.MOVEMENT_COLUMNS, service.export_movements)
    def get(self, args):
        """The ledger, newest recorded first, cursor-paginated

        Pass `next_cursor` back as `cursor` for the next page; pages stay correct while new rows
        arrive (they only ever appear before the first page). Filters on `occurred_at` with
        `since`/`until`. The ledger is append-only: no endpoint edits or deletes a row.

        As CSV (`?format=csv` or `Accept: text/csv`): every matching row, newest first (older than
        `cursor` when it is given), streamed as it is read, 5,000 rows at a time; rows recorded
        while it streams are not in it.
        """
        return service.list_movements(current_company_id(), **args)

    @blp.auth_required(Role.staff)
    @retry_on_deadlock
    @blp.idempotent()
    @blp.arguments(MovementCreateSchema)
    @blp.response(201, MovementResultSchema)
    @blp.alt_response(
        409, schema=ErrorSchema,
        description="insufficient_stock, stale_quantity (count), bundle_has_no_stock, in_use (archived product, or a bundle with an archived part)",
    )
    def post(self, data):
        """Record a stock movement and its ledger rows, atomically

        receive/return add stock; sale/remove take it (needs available ≥ quantity; a sale of a
        bundle takes its components); adjust adds a signed correction (reason required, as for
        remove); count sets on_hand to the counted quantity and records the difference
        (`expected_on_hand` guards against counting over a change); transfer moves stock between
        two warehouses as two rows sharing a `transfer_id`. Sales also count in the daily sales
        rollup on the day of `occurred_at`.
        """
        return _result(*movements.record_movement(current_company_id(), current_user_id(), data))


@blp.route("/movements/batch")
class MovementBatch(MethodView):
    @blp.auth_required(Role.staff)
    @retry_on_deadlock
    @blp.idempotent()
    @blp.arguments(MovementBatchSchema)
    @blp.response(201, MovementResultSchema)
    @blp.alt_response(
        409, schema=ErrorSchema,
        description="insufficient_stock, stale_quantity, bundle_has_no_stock or in_use, as for one movement, naming the item",
    )
    def post(self, data):
        """Record 1 to 500 stock movements at once, all or nothing

        Each item is a body of `POST /api/inventory/movements`, with the same rules, applied in the
        order given (a later item sees the stock an earlier one left). Any refusal — an invalid or
        short item — answers as one movement would, with `errors` keyed by the item's position
        (`movements.3.quantity`), and applies nothing. Every level the batch touches is locked once,
        all of them in ascending id order before the first change. Answers every ledger row written,
        in order, and each touched level once, as it is after the batch.
        """
        return _result(*movements.record_movements(current_company_id(), current_user_id(), data["movements"]))


@blp.route("/counts/import")
class CountImport(MethodView):
    @blp.auth_required(Role.staff)
    @retry_on_deadlock
    @blp.arguments(csvio.ImportArgs, location="query")
    @blp.response(201, MovementResultSchema)
    @blp.alt_response(200, schema=RehearsedResultSchema, description="`dry_run=true`: what the sheet would record, written nowhere")
    @blp.alt_response(409, schema=ErrorSchema, description=(
        "stale_quantity: a row's `expected` is not the level's on_hand, keyed `\"<line>.expected\"`; insufficient_stock: "
        "a row counts fewer units than pending orders hold reserved, keyed `\"<line>.counted\"`"))
    @blp.alt_response(400, schema=ErrorSchema, description=csvio.UNREADABLE)
    @blp.alt_response(413, schema=ErrorSchema, description="payload_too_large: a body over 10 MiB (a multipart upload's wrapping counts) or 50,000 rows")
    @blp.alt_response(422, schema=ErrorSchema, description=(
        "validation_error: `errors` keyed `\"<line>.<column>\"`; or a query argument other than `dry_run`"))
    @blp.doc(requestBody=csvio.IMPORT_BODY)
    def post(self, args):
        """Record a stock-take sheet as count movements, all or nothing

        Columns `sku,warehouse,counted[,expected]`: each row sets the level's on_hand to `counted`
        with a `count` movement (reason "stock-take import"), creating the level if the product was
        not stocked there; a count below what pending orders hold reserved is 409
        `insufficient_stock`. `warehouse` is the warehouse's id or its name (case-insensitive). A row's
        `expected` refuses the whole sheet with 409 `stale_quantity` when on_hand is no longer that,
        as `expected_on_hand` does. Any other problem — an unknown, archived or bundle SKU, an unknown
        warehouse, a level counted twice, a bad cell, a missing or unknown column — is a 422 keyed
        `"<line>.<column>"` (the header is line 1), and nothing is counted. Answers the ledger rows, in the sheet's order, and
        each level after the count. `dry_run=true` checks the sheet as strictly and answers 200 with
        the rows it would record (each line's difference in `quantity_change`, `id` null) and the
        levels as they would be (`id` null for one it would create), writing nothing.
        """
        sheet = csvio.read_sheet(movements.COUNT_COLUMNS, movements.COUNT_OPTIONAL)
        rows, errors = csvio.checked_rows(sheet, CountImportRowSchema())
        recorded = movements.import_counts(current_company_id(), current_user_id(), rows, errors, dry_run=args["dry_run"])
        return _result(*recorded, status=200 if args["dry_run"] else 201)


_MOVEMENTS, _LEVELS = MovementSchema(), LevelSchema()


def _result(rows, levels, status: int = 201) -> Response:
    """{movements, levels} as MovementResultSchema writes it, for thousands of rows: dumped
    field by field without marshmallow's per-value work (the schema still documents it)."""
    response = jsonify({"movements": dump_flat(_MOVEMENTS, rows), "levels": dump_flat(_LEVELS, levels)})
    response.status_code = status
    return response
