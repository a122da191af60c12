"""Users, their roles, and the API tokens they authenticate with."""

import datetime as dt
import enum

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.common.models import exact_string
from app.common.time import utcnow
from app.companies.models import Company
from app.extensions import db


class Role(enum.IntEnum):
    """Each role includes every permission of the roles below it."""

    viewer = 1
    staff = 2
    manager = 3
    admin = 4


class User(db.Model):
    __tablename__ = "users"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    company_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("companies.id"), index=True)
    # Stored lower-cased and compared exactly, so the unique constraint is case-insensitive and
    # accent-sensitive on every database.
    email: so.Mapped[str] = so.mapped_column(exact_string(254), unique=True)
    name: so.Mapped[str | None] = so.mapped_column(sa.String(120))
    password_hash: so.Mapped[str] = so.mapped_column(sa.String(255))
    role: so.Mapped[str] = so.mapped_column(sa.String(16))
    is_active: so.Mapped[bool] = so.mapped_column(default=True)
    created_at: so.Mapped[dt.datetime] = so.mapped_column(default=utcnow)

    company: so.Mapped[Company] = so.relationship()

    __table_args__ = (
        sa.CheckConstraint("role IN ('admin', 'manager', 'staff', 'viewer')", name="role_known"),
    )


class ApiToken(db.Model):
    __tablename__ = "api_tokens"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"), index=True)
    # SHA-256 hex digest; the token itself is shown once and never stored.
    token_hash: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    name: so.Mapped[str | None] = so.mapped_column(sa.String(120))
    created_at: so.Mapped[dt.datetime] = so.mapped_column(default=utcnow)
    expires_at: so.Mapped[dt.datetime]
    revoked_at: so.Mapped[dt.datetime | None]
    last_used_at: so.Mapped[dt.datetime | None]

    user: so.Mapped[User] = so.relationship()


def usable(revoked_at: dt.datetime | None, expires_at: dt.datetime, user_is_active: bool, now: dt.datetime) -> bool:
    """Whether a token authenticates: not revoked, not expired, and its user not deactivated."""
    return revoked_at is None and expires_at > now and user_is_active
