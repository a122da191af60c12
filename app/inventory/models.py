"""Stock levels and the stock ledger."""

import datetime as dt

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.common.time import utcnow
from app.errors import InsufficientStock, StaleQuantity, ValidationFailed
from app.extensions import db
from app.inventory import domain

# SQLite only auto-increments a column declared exactly INTEGER PRIMARY KEY.
LedgerId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


class InventoryLevel(db.Model):
    __tablename__ = "inventory_levels"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    company_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("companies.id"))
    product_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("products.id"))
    warehouse_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("warehouses.id"))
    on_hand: so.Mapped[int] = so.mapped_column(default=0)
    reserved: so.Mapped[int] = so.mapped_column(default=0)
    # Per-warehouse override of the product's threshold.
    low_stock_threshold: so.Mapped[int | None]
    # What the low-stock alerts compare available stock with: the effective threshold while the
    # product is active and the warehouse too, else NULL (never alerts). Derived from the level,
    # its product, type, warehouse and company; kept by app/alerts/read_model.py in the
    # transaction of every change to one of those, so that alerts join none of them.
    alert_threshold: so.Mapped[int | None]
    # Its sales, kept by read_model.sale_counted with every sale: all units it ever sold and the day of its
    # latest sale. With daily_sales.units_to_date they give the units sold since any day from one
    # rollup row, so that the alerts read the rollup back to the window's start only, however long
    # the history.
    units_sold: so.Mapped[int] = so.mapped_column(sa.BigInteger, default=0, server_default="0")
    last_sold_on: so.Mapped[dt.date | None]
    # Units on their way here: Σ (quantity − received) over the lines of the company's ordered and
    # partially received purchase orders for this product and warehouse. Kept by the purchasing use
    # cases, under this level's lock, in the transaction of every placing, receipt, close or cancel.
    incoming: so.Mapped[int] = so.mapped_column(sa.BigInteger, default=0, server_default="0")
    # Order up to this position when reordering, instead of the computed level (> the threshold).
    reorder_up_to: so.Mapped[int | None]
    updated_at: so.Mapped[dt.datetime] = so.mapped_column(default=utcnow, onupdate=utcnow)

    __table_args__ = (
        sa.UniqueConstraint("product_id", "warehouse_id"),
        sa.Index("ix_inventory_levels_company_id_warehouse_id", "company_id", "warehouse_id"),
        sa.CheckConstraint("on_hand >= 0", name="on_hand_non_negative"),
        sa.CheckConstraint("reserved >= 0 AND reserved <= on_hand", name="reserved_within_on_hand"),
        sa.CheckConstraint("low_stock_threshold >= 0", name="threshold_non_negative"),
        sa.CheckConstraint("incoming >= 0", name="incoming_non_negative"),
    )

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved

    # The stock rules: every change of a level goes through one of these, which keep
    # 0 ≤ reserved ≤ on_hand ≤ MAX_ON_HAND or refuse. The caller has locked the level.

    def take(self, units: int) -> None:
        """Units leave (a sale, a removal, a transfer out): only those not reserved for orders."""
        domain.require_available([(self.product_id, self, units)])
        self.on_hand -= units

    def receive(self, units: int) -> None:
        """Units arrive (a receipt, a return, a transfer in)."""
        if self.on_hand + units > domain.MAX_ON_HAND:
            raise ValidationFailed(errors={"quantity": [f"on hand would exceed {domain.MAX_ON_HAND:,} units"]})
        self.on_hand += units

    def adjust(self, change: int) -> None:
        """A signed correction: more is received, less is taken."""
        if change > 0:
            self.receive(change)
        else:
            self.take(-change)

    def count_to(self, counted: int, expected: int | None = None) -> int:
        """A physical count sets on hand; returns the difference. Refused when on hand is no longer the
        `expected` one the counter saw, or when the count would fall below what orders hold reserved."""
        if expected is not None and self.on_hand != expected:
            raise StaleQuantity(
                f"On hand is {self.on_hand}, not the expected {expected}: count again",
                {"expected_on_hand": [f"on hand is now {self.on_hand}"]},
            )
        if counted < self.reserved:
            raise InsufficientStock(
                f"{self.reserved} units are reserved by pending orders; the count cannot be lower",
                {"quantity": [f"at least {self.reserved} (reserved)"],
                 "available": [f"product {self.product_id}: {counted} counted, {self.reserved} reserved by pending orders"]},
                short=[{"product_id": self.product_id, "available": counted, "requested": self.reserved}],
            )
        change, self.on_hand = counted - self.on_hand, counted
        return change

    def reserve(self, units: int) -> None:
        """Hold units for an order: only those available."""
        domain.require_available([(self.product_id, self, units)])
        self.reserved += units

    def expect(self, units: int) -> None:
        """Units were ordered from a supplier for this level: they are on their way."""
        self.incoming += units

    def stop_expecting(self, units: int) -> None:
        """Ordered units arrived, or will not come (the order was closed or cancelled)."""
        if units > self.incoming:
            raise ValueError(f"{units} units arriving of {self.incoming} incoming")
        self.incoming -= units

    def release(self, units: int) -> None:
        """Let go of units an order held (it shipped, or was cancelled)."""
        if units > self.reserved:
            raise ValueError(f"releasing {units} of {self.reserved} reserved units")
        self.reserved -= units


# Available stock, and whether it is at or below the alert threshold, as generated (virtual)
# columns, indexed so that the low-stock alerts read exactly the levels at or below their threshold
# that sold since a given day, without reading the rows themselves. They are added to the table
# but deliberately not mapped: the ORM would reload them after every stock change.
InventoryLevel.__table__.append_column(
    sa.Column("available_stock", sa.Integer, sa.Computed("on_hand - reserved"))
)
InventoryLevel.__table__.append_column(
    sa.Column("is_low", sa.Boolean(create_constraint=False), sa.Computed("on_hand - reserved <= alert_threshold"))
)
InventoryLevel.__table__.append_constraint(
    sa.Index("ix_inventory_levels_low", "company_id", "is_low", "last_sold_on", "available_stock", "alert_threshold",
             "units_sold", "product_id", "warehouse_id")
)

# Where the reorder rule orders something: the position (available + incoming) is at or below the
# alert threshold. Such a level is low too, so it is in the index of the low levels.
DUE_FOR_REORDER = (InventoryLevel.__table__.c.available_stock + InventoryLevel.__table__.c.incoming
                   <= InventoryLevel.__table__.c.alert_threshold)


class StockMovement(db.Model):
    """One row of the ledger. Rows are only ever inserted: Σ quantity_change of a level = on_hand."""

    __tablename__ = "stock_movements"

    id: so.Mapped[int] = so.mapped_column(LedgerId, primary_key=True)
    company_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("companies.id"))
    product_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("products.id"))
    warehouse_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("warehouses.id"))
    type: so.Mapped[str] = so.mapped_column(sa.String(16))
    quantity_change: so.Mapped[int]
    on_hand_after: so.Mapped[int]
    reason: so.Mapped[str | None] = so.mapped_column(sa.String(255))
    reference: so.Mapped[str | None] = so.mapped_column(sa.String(120))
    transfer_id: so.Mapped[str | None] = so.mapped_column(sa.String(36))
    order_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("orders.id"))
    bundle_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("products.id"))
    purchase_order_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("purchase_orders.id"))
    user_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    occurred_at: so.Mapped[dt.datetime] = so.mapped_column(default=utcnow)
    created_at: so.Mapped[dt.datetime] = so.mapped_column(default=utcnow)

    __table_args__ = (
        # The ledger is read newest first (by id) per company, per product and level, per warehouse.
        sa.Index("ix_stock_movements_company_id_id", "company_id", "id"),
        sa.Index("ix_stock_movements_company_product_warehouse", "company_id", "product_id", "warehouse_id", "id"),
        sa.Index("ix_stock_movements_company_warehouse", "company_id", "warehouse_id", "id"),
        # Filters of the listing that would otherwise walk the ledger back from its newest row.
        sa.Index("ix_stock_movements_company_type", "company_id", "type", "id"),
        sa.Index("ix_stock_movements_company_occurred_at", "company_id", "occurred_at"),
        sa.Index("ix_stock_movements_company_purchase_order", "company_id", "purchase_order_id", "id"),
        sa.CheckConstraint(
            "type IN ('receive', 'sale', 'return', 'remove', 'adjust', 'count', 'transfer')", name="type_known"
        ),
    )


class DailySale(db.Model):
    """Units sold per level per day, kept in the same transaction as each sale so that reports
    never scan the ledger."""

    __tablename__ = "daily_sales"

    company_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("companies.id"), primary_key=True)
    product_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("products.id"), primary_key=True)
    warehouse_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("warehouses.id"), primary_key=True)
    day: so.Mapped[dt.date] = so.mapped_column(primary_key=True)
    # 64-bit: a busy level can sell more than 2³¹ units in a day (levels hold up to 2·10⁹).
    units: so.Mapped[int] = so.mapped_column(sa.BigInteger)
    # The level's units sold up to and including this day: its running total.
    units_to_date: so.Mapped[int] = so.mapped_column(sa.BigInteger, server_default="0")

    @staticmethod
    def of_level(level) -> sa.ColumnElement[bool]:
        """The rollup rows of a level: of an InventoryLevel, or of inventory_levels columns to correlate with."""
        rollup = DailySale.__table__.c
        return sa.and_(rollup.company_id == level.company_id, rollup.product_id == level.product_id,
                       rollup.warehouse_id == level.warehouse_id)
