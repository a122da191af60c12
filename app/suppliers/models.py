"""Suppliers and product ↔ supplier links."""

import datetime as dt
from decimal import Decimal

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.common.time import utcnow
from app.extensions import db


class Supplier(db.Model):
    __tablename__ = "suppliers"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    company_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("companies.id"), index=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(200))
    contact_email: so.Mapped[str | None] = so.mapped_column(sa.String(254))
    contact_phone: so.Mapped[str | None] = so.mapped_column(sa.String(40))
    lead_time_days: so.Mapped[int | None]
    created_at: so.Mapped[dt.datetime] = so.mapped_column(default=utcnow)
    updated_at: so.Mapped[dt.datetime] = so.mapped_column(default=utcnow, onupdate=utcnow)

    __table_args__ = (sa.CheckConstraint("lead_time_days >= 0", name="lead_time_non_negative"),)


class ProductSupplier(db.Model):
    __tablename__ = "product_suppliers"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    company_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("companies.id"))
    product_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("products.id"))
    supplier_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("suppliers.id"), index=True)
    supplier_sku: so.Mapped[str | None] = so.mapped_column(sa.String(64))
    unit_cost: so.Mapped[Decimal | None] = so.mapped_column(sa.Numeric(10, 2))
    lead_time_days: so.Mapped[int | None]
    min_order_qty: so.Mapped[int] = so.mapped_column(default=1)
    # Orders come in packs of this many: a reorder quantity is rounded up to a multiple of it.
    order_multiple: so.Mapped[int] = so.mapped_column(default=1, server_default="1")
    # TRUE or NULL, never FALSE: the unique constraint below then allows one primary per product
    # and any number of others, on MySQL and SQLite alike (NULLs never collide).
    primary_flag: so.Mapped[bool | None]
    created_at: so.Mapped[dt.datetime] = so.mapped_column(default=utcnow)
    updated_at: so.Mapped[dt.datetime] = so.mapped_column(default=utcnow, onupdate=utcnow)

    supplier: so.Mapped[Supplier] = so.relationship()

    __table_args__ = (
        sa.UniqueConstraint("product_id", "supplier_id"),
        sa.UniqueConstraint("product_id", "primary_flag"),
        sa.Index("ix_product_suppliers_company_id_product_id", "company_id", "product_id"),
        sa.CheckConstraint("min_order_qty >= 1", name="min_order_qty_positive"),
        sa.CheckConstraint("order_multiple >= 1", name="order_multiple_positive"),
        sa.CheckConstraint("lead_time_days >= 0", name="lead_time_non_negative"),
        sa.CheckConstraint("unit_cost >= 0", name="unit_cost_non_negative"),
    )

    @property
    def is_primary(self) -> bool:
        return bool(self.primary_flag)

    @is_primary.setter
    def is_primary(self, value: bool) -> None:
        self.primary_flag = True if value else None
