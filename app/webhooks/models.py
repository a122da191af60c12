"""Webhook subscriptions. The signing secret is stored encrypted (webhooks.secrets)."""

import datetime as dt

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.common.models import PreciseDateTime
from app.common.time import utcnow
from app.extensions import db
from app.inventory.models import LedgerId


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


DELIVERY_STATUSES = ("pending", "succeeded", "failed")


class WebhookDelivery(db.Model):
    """One event to one subscription: its attempts so far, and when the next one is due."""

    __tablename__ = "webhook_deliveries"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    company_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("companies.id"))
    subscription_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("webhook_subscriptions.id", ondelete="CASCADE"))
    event_id: so.Mapped[int] = so.mapped_column(LedgerId, sa.ForeignKey("events.id"), index=True)
    status: so.Mapped[str] = so.mapped_column(sa.String(16), default="pending")
    attempts: so.Mapped[int] = so.mapped_column(default=0)
    last_status_code: so.Mapped[int | None]
    last_error: so.Mapped[str | None] = so.mapped_column(sa.String(500))
    last_attempt_at: so.Mapped[dt.datetime | None] = so.mapped_column(PreciseDateTime)
    next_attempt_at: so.Mapped[dt.datetime | None] = so.mapped_column(PreciseDateTime)
    duration_ms: so.Mapped[int | None]
    # Until when a worker holds it (an attempt in flight); a dead worker's claim simply expires.
    claimed_until: so.Mapped[dt.datetime | None] = so.mapped_column(PreciseDateTime)
    created_at: so.Mapped[dt.datetime] = so.mapped_column(default=utcnow)

    event: so.Mapped["Event"] = so.relationship()  # noqa: F821

    __table_args__ = (
        sa.Index("ix_webhook_deliveries_subscription_id_id", "subscription_id", "id"),
        sa.Index("ix_webhook_deliveries_status_next_attempt_at", "status", "next_attempt_at"),
        sa.CheckConstraint(f"status IN {DELIVERY_STATUSES}", name="status_known"),
    )
