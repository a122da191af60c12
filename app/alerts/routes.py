"""HTTP endpoint: /api/companies/{id}/alerts/low-stock."""

from flask.views import MethodView

from app.alerts import service
from app.alerts.schemas import AlertArgs, AlertPageSchema
from app.auth.security import current_company_id
from app.blueprint import Blueprint
from app.common.schemas import ErrorSchema
from app.purchasing.domain import REORDER_RULE

blp = Blueprint("alerts", __name__, url_prefix="/api/companies", description="Low-stock alerts and reorder suggestions")

DESCRIPTION = """\
One alert per (product, warehouse) of an active, non-bundle product in an active warehouse when
both hold:

- `current_stock` (available = on_hand − reserved) ≤ `threshold`, the first set of: the level's
  override → the product's `low_stock_threshold` → its type's → the company's
  `default_low_stock_threshold`;
- the product sold at that warehouse in the window: the last `days` UTC calendar days, today
  included, by the sales' `occurred_at` (sales of a bundle count on its components).

Per alert, with `units_sold` in the window:

- `avg_daily_sales` = units_sold / days, rounded half up to two decimals;
- `days_until_stockout` = floor(current_stock × days / units_sold), 0 when out of stock;
- `supplier`: the primary supplier, else the linked supplier with the lowest id, else null; its
  `lead_time_days` is the link's, else the supplier's;
- `incoming`: on order from open purchase orders; `next_expected_at` the earliest of their
  expected deliveries;
- `suggested_reorder_quantity`: the reorder rule's quantity, 0 when enough is on order
  (`needs_reorder=true` keeps only the alerts where it is above 0).

Sorted by `days_until_stockout`, then current_stock / threshold (compared exactly), then product
id, then warehouse id. `total_alerts` counts every match, not just the page. Viewers may read it.

""" + REORDER_RULE


@blp.route("/<int:company_id>/alerts/low-stock")
class LowStockAlerts(MethodView):
    @blp.auth_required()
    @blp.arguments(AlertArgs, location="query")
    @blp.response(200, AlertPageSchema)
    @blp.alt_response(404, schema=ErrorSchema, description="Not your company")
    @blp.doc(description=DESCRIPTION + """
As CSV (`?format=csv` or `Accept: text/csv`): every matching alert, in this order, one row each,
its supplier's fields as `supplier_*` columns.
""")
    @blp.exports_csv("low-stock-alerts", service.ALERT_COLUMNS, service.export_alerts)
    def get(self, args, company_id):
        """What is about to run out, when, and whom to reorder from"""
        return service.low_stock_alerts(current_company_id(), company_id, **args)
