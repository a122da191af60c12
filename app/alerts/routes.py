"""HTTP endpoint: /api/companies/{id}/alerts/low-stock."""

from flask.views import MethodView

from app.alerts import service
from app.alerts.schemas import AlertArgs, AlertPageSchema
from app.auth.security import current_company_id
from app.blueprint import Blueprint
from app.common.schemas import ErrorSchema

blp = Blueprint("alerts", __name__, url_prefix="/api/companies", description="Low-stock alerts and reorder suggestions")


@blp.route("/<int:company_id>/alerts/low-stock")
class LowStockAlerts(MethodView):
    @blp.auth_required()
    @blp.arguments(AlertArgs, location="query")
    @blp.response(200, AlertPageSchema)
    @blp.alt_response(404, schema=ErrorSchema, description="Not your company")
    def get(self, args, company_id):
        """What is about to run out, when, and whom to reorder from

        One alert per (product, warehouse) of an active, non-bundle product in an active warehouse
        when both hold:

        - `current_stock` (available = on_hand − reserved) ≤ `threshold`, the first set of: the
          level's override → the product's `low_stock_threshold` → its type's → the company's
          `default_low_stock_threshold`;
        - the product sold at that warehouse in the window: the last `days` UTC calendar days,
          today included, by the sales' `occurred_at` (sales of a bundle count on its components).

        Per alert, with `units_sold` in the window:

        - `avg_daily_sales` = units_sold / days, rounded half up to two decimals;
        - `days_until_stockout` = floor(current_stock × days / units_sold), 0 when out of stock;
        - `supplier`: the primary supplier, else the linked supplier with the lowest id, else null;
          its `lead_time_days` is the link's, else the supplier's, else 0 for the arithmetic;
        - `suggested_reorder_quantity` = the demand over the lead time plus the window at the
          window's pace, ceil(units_sold × (lead_time_days + days) / days), minus current_stock;
          0 when that is ≤ 0, otherwise at least the link's `min_order_qty` (1 without supplier).

        Sorted by `days_until_stockout`, then current_stock / threshold (compared exactly), then
        product id, then warehouse id. `total_alerts` counts every match, not just the page. Viewers may read it.
        """
        return service.low_stock_alerts(current_company_id(), company_id, **args)
