"""/api/companies/{id}/notifications: who gets low-stock emails, and when."""

from flask.views import MethodView

from app.auth.models import Role
from app.auth.security import current_company_id
from app.blueprint import Blueprint
from app.common.schemas import ErrorSchema
from app.common.transaction import retry_on_deadlock
from app.notifications import service
from app.notifications.schemas import NotificationSettingsSchema

blp = Blueprint("notifications", __name__, url_prefix="/api/companies", description="Low-stock email notifications")

DESCRIPTION = """\
Low-stock emails go to `low_stock_emails`, as plain text and HTML, one email per sending to every
address. Each lists, per alert: product, SKU, warehouse, current stock / threshold, days until
stockout, incoming, suggested reorder quantity and supplier.

- `immediate`: the levels that went low (`stock.low` events, figures as of the event), the events
  of one minute in one email, sent within 2 minutes. Switching it on (or adding the first address)
  emails what goes low from then on, not earlier events.
- `daily_digest`: once a day at `digest_hour_utc`, the company's current low-stock alerts (as
  `GET /alerts/low-stock` lists them, the 500 most urgent) whose episode no email listed yet;
  nothing when there are none. The first digest is at the first such hour after the change; a
  digest missed while no worker ran is sent when one runs again.
- `off`: none.

Never two emails for one episode (a level's stay at or below its threshold), whatever the mode.
A PUT changes the fields it gives and keeps the others.
"""


@blp.route("/<int:company_id>/notifications")
class NotificationSettings(MethodView):
    @blp.auth_required()
    @blp.response(200, NotificationSettingsSchema)
    @blp.alt_response(404, schema=ErrorSchema, description="Not your company")
    @blp.doc(description=DESCRIPTION)
    def get(self, company_id):
        """Who gets low-stock emails, and when"""
        return service.get_settings(current_company_id(), company_id)

    @blp.auth_required(Role.admin)
    @retry_on_deadlock
    @blp.arguments(NotificationSettingsSchema)
    @blp.response(200, NotificationSettingsSchema)
    @blp.alt_response(404, schema=ErrorSchema, description="Not your company")
    @blp.doc(description=DESCRIPTION)
    def put(self, data, company_id):
        """Set who gets low-stock emails, and when (admin)"""
        return service.update_settings(current_company_id(), company_id, data)
