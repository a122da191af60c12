"""A company's email settings, the emails planned and sent, and which stock episodes they covered."""

import datetime as dt

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.common.models import PreciseDateTime
from app.common.time import utcnow
from app.extensions import db
from app.inventory.models import LedgerId

IMMEDIATE, DAILY_DIGEST, OFF = "immediate", "daily_digest", "off"
MODES = (IMMEDIATE, DAILY_DIGEST, OFF)
EMAIL_STATUSES = ("pending", "sent", "failed")


class NotificationSettings(db.Model):
    """A company's row exists once an admin has set it; until then the defaults apply (`defaults`)."""

    __tablename__ = "notification_settings"

    company_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("companies.id"), primary_key=True)
    low_stock_emails: so.Mapped[list] = so.mapped_column(sa.JSON)
    mode: so.Mapped[str] = so.mapped_column(sa.String(16))
    digest_hour_utc: so.Mapped[int]
    # Immediate mode: stock.low events created from this time on are still to be emailed (earlier
    # ones are in an email, or were before the company asked for emails).
    emails_from: so.Mapped[dt.datetime]
    # Daily digest: the digest time (day and hour) last dealt with; the next one is due a day later.
    last_digest_at: so.Mapped[dt.datetime | None]
    updated_at: so.Mapped[dt.datetime] = so.mapped_column(default=utcnow, onupdate=utcnow)

    __table_args__ = (
        sa.CheckConstraint(f"mode IN {MODES}", name="mode_known"),
        sa.CheckConstraint("digest_hour_utc BETWEEN 0 AND 23", name="digest_hour_in_day"),
    )

    @property
    def sends(self) -> bool:
        return self.mode != OFF and bool(self.low_stock_emails)


def defaults(company_id: int) -> NotificationSettings:
    """A company's settings before any were saved: immediate, to nobody (so nothing is sent)."""
    return NotificationSettings(company_id=company_id, low_stock_emails=[], mode=IMMEDIATE, digest_hour_utc=7)


class NotificationEmail(db.Model):
    """One email to a company's addresses: planned with its alerts in one transaction, then sent by
    a worker. One per company, kind and period (the minute of its events, or the digest time)."""

    __tablename__ = "notification_emails"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    company_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("companies.id"))
    kind: so.Mapped[str] = so.mapped_column(sa.String(16))
    period: so.Mapped[dt.datetime]
    recipients: so.Mapped[list] = so.mapped_column(sa.JSON)
    # What it lists: each alert as a stock event's `data` says it (events.schemas.LevelSnapshotSchema).
    alerts: so.Mapped[list] = so.mapped_column(sa.JSON)
    status: so.Mapped[str] = so.mapped_column(sa.String(16), default="pending")
    attempts: so.Mapped[int] = so.mapped_column(default=0)
    last_error: so.Mapped[str | None] = so.mapped_column(sa.String(500))
    next_attempt_at: so.Mapped[dt.datetime | None] = so.mapped_column(PreciseDateTime)
    # Until when a worker holds it (a sending in flight); a dead worker's claim simply expires.
    claimed_until: so.Mapped[dt.datetime | None] = so.mapped_column(PreciseDateTime)
    sent_at: so.Mapped[dt.datetime | None]
    created_at: so.Mapped[dt.datetime] = so.mapped_column(default=utcnow)

    __table_args__ = (
        sa.UniqueConstraint("company_id", "kind", "period"),
        sa.Index("ix_notification_emails_status_next_attempt_at", "status", "next_attempt_at"),
        sa.CheckConstraint(f"status IN {EMAIL_STATUSES}", name="status_known"),
        sa.CheckConstraint(f"kind IN {(IMMEDIATE, DAILY_DIGEST)}", name="kind_known"),
    )


class EmailedEpisode(db.Model):
    """A level's low-stock episode that is in an email: none is ever in two. An episode is known by
    the stock.low event that began it; 0 when the level has none (it was created low)."""

    __tablename__ = "emailed_episodes"

    level_id: so.Mapped[int] = so.mapped_column(primary_key=True, autoincrement=False)
    episode: so.Mapped[int] = so.mapped_column(LedgerId, primary_key=True, autoincrement=False)
    email_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("notification_emails.id"))
