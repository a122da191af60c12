"""The tenant: every other row belongs to one company."""

import datetime as dt

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.common.time import utcnow
from app.extensions import db


class Company(db.Model):
    __tablename__ = "companies"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(120))
    default_low_stock_threshold: so.Mapped[int] = so.mapped_column(default=10, server_default="10")
    recent_sales_days: so.Mapped[int] = so.mapped_column(default=30, server_default="30")
    # Days of sales a reorder should cover beyond the lead time (the replenishment rule's C).
    reorder_cover_days: so.Mapped[int] = so.mapped_column(default=30, server_default="30")
    created_at: so.Mapped[dt.datetime] = so.mapped_column(default=utcnow)

    __table_args__ = (
        sa.CheckConstraint("default_low_stock_threshold >= 0", name="threshold_non_negative"),
        sa.CheckConstraint("recent_sales_days BETWEEN 1 AND 365", name="recent_sales_days_range"),
        sa.CheckConstraint("reorder_cover_days BETWEEN 1 AND 365", name="reorder_cover_days_range"),
    )

    @property
    def settings(self) -> dict:
        return {
            "default_low_stock_threshold": self.default_low_stock_threshold,
            "recent_sales_days": self.recent_sales_days,
            "reorder_cover_days": self.reorder_cover_days,
        }
