"""Products (platform-unique SKU, decimal price) and the product types that carry thresholds."""

import datetime as dt
from decimal import Decimal

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.common.models import NamedInCompany, exact_string
from app.common.time import utcnow
from app.extensions import db
from app.inventory.models import InventoryLevel
from app.products.domain import sku_key


class ProductType(NamedInCompany, db.Model):
    __tablename__ = "product_types"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    company_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("companies.id"))
    low_stock_threshold: so.Mapped[int]
    created_at: so.Mapped[dt.datetime] = so.mapped_column(default=utcnow)
    updated_at: so.Mapped[dt.datetime] = so.mapped_column(default=utcnow, onupdate=utcnow)

    __table_args__ = (
        sa.UniqueConstraint("company_id", "name_key"),
        sa.CheckConstraint("low_stock_threshold >= 0", name="threshold_non_negative"),
    )


class Product(db.Model):
    __tablename__ = "products"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    company_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("companies.id"))
    # The SKU as the company wrote it, and its normalized form, unique across the platform.
    sku: so.Mapped[str] = so.mapped_column(sa.String(64))
    sku_key: so.Mapped[str] = so.mapped_column(exact_string(64), unique=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(200))
    description: so.Mapped[str | None] = so.mapped_column(sa.Text)
    price: so.Mapped[Decimal] = so.mapped_column(sa.Numeric(10, 2))
    product_type_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("product_types.id"), index=True)
    low_stock_threshold: so.Mapped[int | None]
    is_bundle: so.Mapped[bool] = so.mapped_column(default=False)
    is_active: so.Mapped[bool] = so.mapped_column(default=True)
    # Stored, derived: the supplier to reorder from (the primary, else the linked supplier with the
    # lowest id; None without links). suppliers.service keeps it current under the product's lock
    # whenever a link changes, so the alerts and the replenishment join it instead of working it
    # out for each of thousands of levels.
    reorder_supplier_id: so.Mapped[int | None]
    created_at: so.Mapped[dt.datetime] = so.mapped_column(default=utcnow)
    updated_at: so.Mapped[dt.datetime] = so.mapped_column(default=utcnow, onupdate=utcnow)

    product_type: so.Mapped[ProductType | None] = so.relationship()
    levels: so.Mapped[list[InventoryLevel]] = so.relationship(
        order_by=InventoryLevel.warehouse_id, viewonly=True
    )
    components: so.Mapped[list["BundleComponent"]] = so.relationship(  # noqa: F821
        foreign_keys="BundleComponent.bundle_id", order_by="BundleComponent.component_id", viewonly=True
    )

    __table_args__ = (
        sa.Index("ix_products_company_id_is_active", "company_id", "is_active", "id"),
        sa.Index("ix_products_company_id_reorder_supplier_id", "company_id", "reorder_supplier_id"),
        sa.CheckConstraint("price >= 0", name="price_non_negative"),
        sa.CheckConstraint("low_stock_threshold >= 0", name="threshold_non_negative"),
    )

    def change_sku(self, sku: str) -> None:
        self.sku = sku
        self.sku_key = sku_key(sku)

    @property
    def total_on_hand(self) -> int:
        return sum(level.on_hand for level in self.levels)

    @property
    def total_incoming(self) -> int:
        return sum(level.incoming for level in self.levels)

    @property
    def total_available(self) -> int:
        if self.is_bundle:
            # Set by the bundles service: bundles hold no stock, their components do.
            return sum(line["available"] for line in getattr(self, "availability", []))
        return sum(level.available for level in self.levels)
