"""Webhook subscription use cases (admin)."""

from app.common.pagination import paginate
from app.common.tenancy import get_owned, scoped
from app.common.transaction import use_case
from app.extensions import db
from app.webhooks import secrets
from app.webhooks.models import WebhookSubscription
from app.webhooks.urls import check_url


def create_webhook(company_id: int, url: str, events: list[str], description=None, is_active=True) -> dict:
    """The new subscription and its secret, which is never shown again (only replaced)."""
    check_url(url)
    secret = secrets.new_secret()
    with use_case():
        webhook = WebhookSubscription(company_id=company_id, url=url, events=events, description=description,
                                      is_active=is_active, secret_encrypted=secrets.seal(secret))
        db.session.add(webhook)
    return {**_fields(webhook), "secret": secret}


def list_webhooks(company_id: int, page: int, per_page: int) -> dict:
    return paginate(scoped(WebhookSubscription, company_id).order_by(WebhookSubscription.id), page, per_page)


def get_webhook(company_id: int, webhook_id: int) -> WebhookSubscription:
    return get_owned(WebhookSubscription, company_id, webhook_id)


def update_webhook(company_id: int, webhook_id: int, changes: dict) -> WebhookSubscription:
    if "url" in changes:
        check_url(changes["url"])
    with use_case():
        webhook = get_owned(WebhookSubscription, company_id, webhook_id, for_update=True)
        for field, value in changes.items():
            setattr(webhook, field, value)
        if changes.get("is_active"):
            webhook.disabled_reason = None
    return webhook


def delete_webhook(company_id: int, webhook_id: int) -> None:
    with use_case():
        db.session.delete(get_owned(WebhookSubscription, company_id, webhook_id, for_update=True))


def rotate_secret(company_id: int, webhook_id: int) -> dict:
    secret = secrets.new_secret()
    with use_case():
        webhook = get_owned(WebhookSubscription, company_id, webhook_id, for_update=True)
        webhook.secret_encrypted = secrets.seal(secret)
    return {"secret": secret}


def _fields(webhook: WebhookSubscription) -> dict:
    return {name: getattr(webhook, name) for name in
            ("id", "url", "events", "description", "is_active", "disabled_reason", "created_at", "updated_at")}
