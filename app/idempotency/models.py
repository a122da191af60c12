"""A stored answer to a request made with an Idempotency-Key."""

import datetime as dt

import sqlalchemy as sa
import sqlalchemy.orm as so
from sqlalchemy.dialects import mysql

from app.common.time import utcnow
from app.extensions import db


class IdempotencyKey(db.Model):
    __tablename__ = "idempotency_keys"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    company_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("companies.id"))
    # SHA-256 of the key as sent: keys are exact byte strings, never equal by a collation's rules
    # ('abc' and 'ABC', or 'abc' and 'abc ', are two keys on every database).
    key_digest: so.Mapped[str] = so.mapped_column(sa.String(64))
    # SHA-256 of method, path and body: the same key with another request is refused.
    request_hash: so.Mapped[str] = so.mapped_column(sa.String(64))
    response_status: so.Mapped[int]
    response_body: so.Mapped[str] = so.mapped_column(sa.Text().with_variant(mysql.MEDIUMTEXT(), "mysql"))
    created_at: so.Mapped[dt.datetime] = so.mapped_column(default=utcnow)
    expires_at: so.Mapped[dt.datetime] = so.mapped_column(index=True)

    __table_args__ = (sa.UniqueConstraint("company_id", "key_digest"),)
