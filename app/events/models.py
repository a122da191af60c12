"""The outbox: one row per event, inserted by the unit of work in the transaction of the change."""

import datetime as dt

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.common.time import utcnow
from app.extensions import db
from app.inventory.models import LedgerId


class Event(db.Model):
    __tablename__ = "events"

    id: so.Mapped[int] = so.mapped_column(LedgerId, primary_key=True)
    # What clients see and deduplicate by: "evt_" and 24 random hex digits, so that ids say nothing of
    # how many events other companies have.
    public_id: so.Mapped[str] = so.mapped_column(sa.String(32), unique=True)
    company_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("companies.id"))
    type: so.Mapped[str] = so.mapped_column(sa.String(40))
    data: so.Mapped[dict] = so.mapped_column(sa.JSON)
    created_at: so.Mapped[dt.datetime] = so.mapped_column(default=utcnow)
    # The level a stock event is about (None for the others): what finds a level's episode.
    level_id: so.Mapped[int | None]
    # When a worker turned it into deliveries to the matching subscriptions; NULL until then, which
    # is what the scheduler's sweep looks for (an enqueue lost between the commit and the broker).
    dispatched_at: so.Mapped[dt.datetime | None]

    __table_args__ = (
        sa.Index("ix_events_company_id_id", "company_id", "id"),
        sa.Index("ix_events_company_id_type_id", "company_id", "type", "id"),
        sa.Index("ix_events_dispatched_at_id", "dispatched_at", "id"),
        sa.Index("ix_events_level_id_type_id", "level_id", "type", "id"),
        sa.Index("ix_events_company_id_type_created_at", "company_id", "type", "created_at"),
    )
