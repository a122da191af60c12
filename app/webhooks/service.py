"""Webhook subscription use cases (admin)."""

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.common.pagination import cursor_page, paginate
from app.common.tenancy import get_owned, scoped
from app.common.time import utcnow
from app.common.transaction import use_case
from app.errors import NotFound
from app.events import service as events
from app.events.domain import PING
from app.extensions import db
from app.webhooks import secrets, tasks
from app.webhooks.models import WebhookDelivery, WebhookSubscription
from app.webhooks.urls import check_url


def create_webhook(company_id: int, url: str, events: list[str], description=None, is_active=True) -> WebhookSubscription:
    """The new subscription, with its secret as `secret` this once (it is never shown again, only replaced)."""
    check_url(url)
    secret = secrets.new_secret()
    with use_case():
        webhook = WebhookSubscription(company_id=company_id, url=url, events=events, description=description,
                                      is_active=is_active, secret_encrypted=secrets.seal(secret))
        db.session.add(webhook)
    webhook.secret = secret  # not a column: the answer's only copy in clear
    return webhook


def list_webhooks(company_id: int, page: int, per_page: int) -> dict:
    return paginate(scoped(WebhookSubscription, company_id).order_by(WebhookSubscription.id), page, per_page)


def get_webhook(company_id: int, webhook_id: int) -> WebhookSubscription:
    return get_owned(WebhookSubscription, company_id, webhook_id)


def update_webhook(company_id: int, webhook_id: int, changes: dict) -> WebhookSubscription:
    if "url" in changes:
        get_owned(WebhookSubscription, company_id, webhook_id)  # another company's: 404 before its URL is judged
        check_url(changes["url"])  # its host resolved before the row is locked
    with use_case():
        webhook = get_owned(WebhookSubscription, company_id, webhook_id, for_update=True)
        for field, value in changes.items():
            setattr(webhook, field, value)
        if changes.get("is_active"):
            webhook.disabled_reason = None
    return webhook


def delete_webhook(company_id: int, webhook_id: int) -> None:
    """Delete the subscription and its delivery log (the events stay)."""
    with use_case():
        webhook = get_owned(WebhookSubscription, company_id, webhook_id, for_update=True)
        db.session.execute(sa.delete(WebhookDelivery).where(WebhookDelivery.subscription_id == webhook.id))
        db.session.delete(webhook)


def list_deliveries(company_id: int, webhook_id: int, limit: int, cursor: int | None = None) -> dict:
    """The subscription's deliveries newest first, by id, cursor-paginated."""
    get_owned(WebhookSubscription, company_id, webhook_id)
    statement = (sa.select(WebhookDelivery).where(WebhookDelivery.subscription_id == webhook_id)
                 .options(so.joinedload(WebhookDelivery.event)))
    return cursor_page(statement, WebhookDelivery.id, limit, cursor)


def send_test(company_id: int, webhook_id: int) -> WebhookDelivery:
    """A `ping` event for this subscription alone, queued: its delivery."""
    with use_case():
        webhook = get_owned(WebhookSubscription, company_id, webhook_id)
        event = events.record(company_id, PING, {})
        event.dispatched_at = utcnow()  # delivered here, to this subscription only
        delivery = WebhookDelivery(company_id=company_id, subscription_id=webhook.id, event=event, status="pending",
                                   attempts=0, next_attempt_at=utcnow())
        db.session.add(delivery)
    tasks.enqueue_delivery(delivery.id)
    return delivery


def retry_delivery(company_id: int, webhook_id: int, delivery_id: int) -> WebhookDelivery:
    """Queue a delivery again, now, whatever its status (a failed one gets a fresh round of retries)."""
    with use_case():
        get_owned(WebhookSubscription, company_id, webhook_id)
        delivery = db.session.scalar(
            sa.select(WebhookDelivery).where(WebhookDelivery.id == delivery_id, WebhookDelivery.subscription_id == webhook_id,
                                             WebhookDelivery.company_id == company_id).with_for_update())
        if delivery is None:
            raise NotFound(f"Delivery {delivery_id} of webhook {webhook_id} does not exist")
        if delivery.status == "failed":
            delivery.attempts = 0
        delivery.status, delivery.next_attempt_at, delivery.claimed_until = "pending", utcnow(), None
    tasks.enqueue_delivery(delivery.id)
    return delivery


def rotate_secret(company_id: int, webhook_id: int) -> dict:
    secret = secrets.new_secret()
    with use_case():
        webhook = get_owned(WebhookSubscription, company_id, webhook_id, for_update=True)
        webhook.secret_encrypted = secrets.seal(secret)
    return {"secret": secret}
