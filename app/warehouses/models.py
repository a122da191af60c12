"""A company's warehouse."""

import datetime as dt

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.common.models import NAME_KEY_LENGTH, NamedInCompany, exact_string
from app.common.time import utcnow
from app.extensions import db


class Warehouse(NamedInCompany, db.Model):
    __tablename__ = "warehouses"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    company_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("companies.id"))
    address: so.Mapped[str | None] = so.mapped_column(sa.String(500))
    is_active: so.Mapped[bool] = so.mapped_column(default=True)
    # A deleted warehouse stays for the ledger rows, orders and sales that name it, hidden from every
    # read and write; its name_key is cleared so that its name is free again (NULLs never collide).
    name_key: so.Mapped[str | None] = so.mapped_column(exact_string(NAME_KEY_LENGTH))
    deleted_at: so.Mapped[dt.datetime | None]
    created_at: so.Mapped[dt.datetime] = so.mapped_column(default=utcnow)
    updated_at: so.Mapped[dt.datetime] = so.mapped_column(default=utcnow, onupdate=utcnow)

    __table_args__ = (sa.UniqueConstraint("company_id", "name_key"),)
