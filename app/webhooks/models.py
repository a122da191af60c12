"""Webhook subscriptions. The signing secret is stored encrypted (webhooks.secrets)."""

import datetime as dt

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.common.time import utcnow
from app.extensions import db


class WebhookSubscription(db.Model):
    __tablename__ = "webhook_subscriptions"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    company_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("companies.id"), index=True)
    url: so.Mapped[str] = so.mapped_column(sa.String(2048))
    # The event types it receives, or ["*"] for all of them.
    events: so.Mapped[list] = so.mapped_column(sa.JSON)
    description: so.Mapped[str | None] = so.mapped_column(sa.String(500))
    is_active: so.Mapped[bool] = so.mapped_column(default=True)
    disabled_reason: so.Mapped[str | None] = so.mapped_column(sa.String(200))
    # Fernet token of the `whsec_…` secret, under a key derived from SECRET_KEY: the database alone
    # cannot sign.
    secret_encrypted: so.Mapped[str] = so.mapped_column(sa.String(255))
    created_at: so.Mapped[dt.datetime] = so.mapped_column(default=utcnow)
    updated_at: so.Mapped[dt.datetime] = so.mapped_column(default=utcnow, onupdate=utcnow)
