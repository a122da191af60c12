"""Orders, their lines (with the price at the time), and the stock each holds reserved."""

import datetime as dt
from decimal import Decimal

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.common.models import exact_decimal
from app.common.time import utcnow
from app.extensions import db

STATUSES = ("pending", "shipped", "cancelled")


class Order(db.Model):
    __tablename__ = "orders"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    company_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("companies.id"))
    warehouse_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("warehouses.id"))
    status: so.Mapped[str] = so.mapped_column(sa.String(16), default="pending")
    reference: so.Mapped[str | None] = so.mapped_column(sa.String(120))
    customer_name: so.Mapped[str | None] = so.mapped_column(sa.String(200))
    # Up to 500 lines of up to 2·10⁹ units at up to 10⁸ each: 10²⁰, so 22 digits before the point.
    total: so.Mapped[Decimal] = so.mapped_column(exact_decimal(24, 2))
    user_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    created_at: so.Mapped[dt.datetime] = so.mapped_column(default=utcnow)
    updated_at: so.Mapped[dt.datetime] = so.mapped_column(default=utcnow, onupdate=utcnow)

    items: so.Mapped[list["OrderLine"]] = so.relationship(order_by="OrderLine.id")
    reservations: so.Mapped[list["OrderReservation"]] = so.relationship(order_by="OrderReservation.id")

    __table_args__ = (
        sa.Index("ix_orders_company_id_status", "company_id", "status", "id"),
        sa.Index("ix_orders_company_id_created_at", "company_id", "created_at"),
        sa.CheckConstraint("status IN ('pending', 'shipped', 'cancelled')", name="status_known"),
    )


class OrderLine(db.Model):
    __tablename__ = "order_lines"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    order_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("orders.id"), index=True)
    company_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("companies.id"), index=True)
    product_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("products.id"), index=True)
    quantity: so.Mapped[int]
    unit_price: so.Mapped[Decimal] = so.mapped_column(sa.Numeric(10, 2))

    __table_args__ = (sa.CheckConstraint("quantity > 0", name="quantity_positive"),)


class OrderReservation(db.Model):
    """Stock an order holds: one row per stocked product (bundle lines reserve their components).
    While the order is pending, a level's `reserved` is the sum of these rows."""

    __tablename__ = "order_reservations"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    order_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("orders.id"), index=True)
    company_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("companies.id"), index=True)
    product_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("products.id"), index=True)
    warehouse_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("warehouses.id"))
    quantity: so.Mapped[int]
    # The bundle whose line reserved this component, so the sale rows can name it.
    bundle_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("products.id"))

    __table_args__ = (sa.CheckConstraint("quantity > 0", name="quantity_positive"),)
