"""HTTP endpoints: /api/webhooks (admin)."""

from flask.views import MethodView

from app.auth.models import Role
from app.auth.security import current_company_id
from app.blueprint import Blueprint
from app.common.pagination import page_of
from app.common.schemas import ErrorSchema
from app.common.transaction import retry_on_deadlock
from app.webhooks import service
from app.webhooks.schemas import (
    DeliveryListArgs,
    DeliveryPageSchema,
    DeliverySchema,
    SecretSchema,
    WebhookCreatedSchema,
    WebhookCreateSchema,
    WebhookListArgs,
    WebhookSchema,
    WebhookUpdateSchema,
)

blp = Blueprint("webhooks", __name__, url_prefix="/api/webhooks",
                description="Where the company's events are posted, signed (admin)")

NOT_FOUND = "No such webhook in your company"
URL_RULES = """\
The URL must be `https://` (plain `http://` only when the server sets `WEBHOOK_ALLOW_HTTP`), must
resolve, and must not resolve to a loopback, private, link-local, multicast or reserved address
(unless the server sets `WEBHOOK_ALLOW_PRIVATE_NETWORKS`, for development and tests), and holds no
credentials, no port 0, no whitespace or control character → else 422 naming `url`. It is checked
again before each delivery, as DNS can change."""


@blp.route("")
class Webhooks(MethodView):
    @blp.auth_required(Role.admin)
    @blp.arguments(WebhookListArgs, location="query")
    @blp.response(200, page_of(WebhookSchema))
    def get(self, args):
        """List the company's webhook subscriptions, by id"""
        return service.list_webhooks(current_company_id(), **args)

    @blp.auth_required(Role.admin)
    @retry_on_deadlock
    @blp.arguments(WebhookCreateSchema)
    @blp.response(201, WebhookCreatedSchema)
    @blp.doc(description=f"""\
Subscribe a URL to event types (`["*"]`: all). The answer carries the signing `secret`
(`whsec_…`), shown only here and by rotate-secret; it is stored encrypted under a key derived
from the server's `SECRET_KEY`, so the database alone cannot sign.

{URL_RULES}""")
    def post(self, data):
        """Subscribe a URL to events"""
        return service.create_webhook(current_company_id(), **data)


@blp.route("/<int:webhook_id>")
class WebhookItem(MethodView):
    @blp.auth_required(Role.admin)
    @blp.response(200, WebhookSchema)
    @blp.alt_response(404, schema=ErrorSchema, description=NOT_FOUND)
    def get(self, webhook_id):
        """One webhook subscription (never its secret)"""
        return service.get_webhook(current_company_id(), webhook_id)

    @blp.auth_required(Role.admin)
    @retry_on_deadlock
    @blp.arguments(WebhookUpdateSchema)
    @blp.response(200, WebhookSchema)
    @blp.alt_response(404, schema=ErrorSchema, description=NOT_FOUND)
    @blp.doc(description=f"Change the URL, the event types, the description, or (de)activate it.\n\n{URL_RULES}")
    def patch(self, data, webhook_id):
        """Change a webhook subscription"""
        return service.update_webhook(current_company_id(), webhook_id, data)

    @blp.auth_required(Role.admin)
    @retry_on_deadlock
    @blp.response(204)
    @blp.alt_response(404, schema=ErrorSchema, description=NOT_FOUND)
    def delete(self, webhook_id):
        """Delete a webhook subscription"""
        service.delete_webhook(current_company_id(), webhook_id)


@blp.route("/<int:webhook_id>/rotate-secret")
class RotateSecret(MethodView):
    @blp.auth_required(Role.admin)
    @retry_on_deadlock
    @blp.response(200, SecretSchema)
    @blp.alt_response(404, schema=ErrorSchema, description=NOT_FOUND)
    def post(self, webhook_id):
        """Replace the signing secret; the old one signs nothing from now on"""
        return service.rotate_secret(current_company_id(), webhook_id)


@blp.route("/<int:webhook_id>/test")
class TestPing(MethodView):
    @blp.auth_required(Role.admin)
    @retry_on_deadlock
    @blp.response(202, DeliverySchema)
    @blp.alt_response(404, schema=ErrorSchema, description=NOT_FOUND)
    def post(self, webhook_id):
        """Queue a `ping` event to this subscription alone

        Answers 202 with its delivery (pending): a worker posts it like any other event, signed,
        and `GET /{id}/deliveries` shows how it went. An inactive subscription is pinged too (it
        receives no other event until it is re-enabled).
        """
        return service.send_test(current_company_id(), webhook_id)


@blp.route("/<int:webhook_id>/deliveries")
class Deliveries(MethodView):
    @blp.auth_required(Role.admin)
    @blp.arguments(DeliveryListArgs, location="query")
    @blp.response(200, DeliveryPageSchema)
    @blp.alt_response(404, schema=ErrorSchema, description=NOT_FOUND)
    def get(self, args, webhook_id):
        """The subscription's deliveries, newest first, cursor-paginated

        `pending` (queued, or waiting for its next attempt at `next_attempt_at`), `succeeded` (a
        2xx answer) or `failed` (every retry of the schedule failed). Each failed attempt is
        retried after the next delay of the schedule — by default 30 s, 2 min, 10 min, 30 min,
        1 h, 2 h, 4 h and 8 h, each ±20 % (jitter): 8 retries over about 15 hours;
        `WEBHOOK_RETRY_SCHEDULE` (seconds, comma-separated) replaces it. A 2xx answer within 5 s
        delivers; redirects are not followed; at most 1 KB of the answer is read. A subscription
        whose deliveries have all failed for 3 days (since its last success and its last change) is
        disabled (`disabled_reason`).
        """
        return service.list_deliveries(current_company_id(), webhook_id, **args)


@blp.route("/<int:webhook_id>/deliveries/<int:delivery_id>/retry")
class RetryDelivery(MethodView):
    @blp.auth_required(Role.admin)
    @retry_on_deadlock
    @blp.response(202, DeliverySchema)
    @blp.alt_response(404, schema=ErrorSchema, description="No such webhook or delivery in your company")
    def post(self, webhook_id, delivery_id):
        """Queue a delivery again, now (a failed one gets a fresh round of retries)"""
        return service.retry_delivery(current_company_id(), webhook_id, delivery_id)
