"""Purchase orders, their lines, and the receipts recorded against them."""

import datetime as dt
from decimal import Decimal

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.common.time import utcnow
from app.extensions import db

STATUSES = ("draft", "ordered", "partially_received", "received", "closed", "cancelled")
# Whose remaining quantities are on their way: what a level's `incoming` adds up.
OPEN = ("ordered", "partially_received")


class PurchaseOrder(db.Model):
    __tablename__ = "purchase_orders"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    company_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("companies.id"))
    supplier_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("suppliers.id"), index=True)
    warehouse_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("warehouses.id"), index=True)
    status: so.Mapped[str] = so.mapped_column(sa.String(24), default="draft")
    reference: so.Mapped[str | None] = so.mapped_column(sa.String(120))
    notes: so.Mapped[str | None] = so.mapped_column(sa.Text)
    expected_at: so.Mapped[dt.datetime | None]
    ordered_at: so.Mapped[dt.datetime | None]
    user_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    created_at: so.Mapped[dt.datetime] = so.mapped_column(default=utcnow)
    updated_at: so.Mapped[dt.datetime] = so.mapped_column(default=utcnow, onupdate=utcnow)

    lines: so.Mapped[list["PurchaseOrderLine"]] = so.relationship(order_by="PurchaseOrderLine.id")

    __table_args__ = (
        sa.Index("ix_purchase_orders_company_id_status", "company_id", "status", "expected_at"),
        sa.CheckConstraint("status IN ('draft', 'ordered', 'partially_received', 'received', 'closed', 'cancelled')",
                           name="status_known"),
    )

    @property
    def total(self) -> Decimal:
        return sum((line.line_total for line in self.lines), Decimal("0.00"))


class PurchaseOrderLine(db.Model):
    __tablename__ = "purchase_order_lines"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    purchase_order_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("purchase_orders.id"), index=True)
    company_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("companies.id"))
    product_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("products.id"))
    quantity: so.Mapped[int]
    received_quantity: so.Mapped[int] = so.mapped_column(default=0, server_default="0")
    unit_cost: so.Mapped[Decimal] = so.mapped_column(sa.Numeric(10, 2))

    product: so.Mapped["Product"] = so.relationship()  # noqa: F821

    __table_args__ = (
        sa.Index("ix_purchase_order_lines_company_id_product_id", "company_id", "product_id"),
        sa.CheckConstraint("quantity > 0", name="quantity_positive"),
        # The last word on over-receipt: never more received than ordered.
        sa.CheckConstraint("received_quantity >= 0 AND received_quantity <= quantity", name="received_within_quantity"),
        sa.CheckConstraint("unit_cost >= 0", name="unit_cost_non_negative"),
    )

    @property
    def remaining(self) -> int:
        return self.quantity - self.received_quantity

    @property
    def line_total(self) -> Decimal:
        return self.unit_cost * self.quantity

    @property
    def sku(self) -> str:
        return self.product.sku


class Receipt(db.Model):
    """A delivery received against a purchase order: each line a `receive` ledger row carrying the PO's id."""

    __tablename__ = "receipts"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    company_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("companies.id"))
    purchase_order_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("purchase_orders.id"), index=True)
    occurred_at: so.Mapped[dt.datetime] = so.mapped_column(default=utcnow)
    reference: so.Mapped[str | None] = so.mapped_column(sa.String(120))
    user_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    created_at: so.Mapped[dt.datetime] = so.mapped_column(default=utcnow)

    lines: so.Mapped[list["ReceiptLine"]] = so.relationship(order_by="ReceiptLine.id")


class ReceiptLine(db.Model):
    __tablename__ = "receipt_lines"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    receipt_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("receipts.id"), index=True)
    company_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("companies.id"))
    line_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("purchase_order_lines.id"), index=True)
    product_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("products.id"))
    quantity: so.Mapped[int]

    __table_args__ = (sa.CheckConstraint("quantity > 0", name="quantity_positive"),)
