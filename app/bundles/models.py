"""The components of a bundle."""

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.extensions import db


class BundleComponent(db.Model):
    __tablename__ = "bundle_components"

    bundle_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("products.id"), primary_key=True)
    component_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("products.id"), primary_key=True, index=True)
    company_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("companies.id"), index=True)
    quantity: so.Mapped[int]

    component: so.Mapped["Product"] = so.relationship(foreign_keys=[component_id])  # noqa: F821

    __table_args__ = (sa.CheckConstraint("quantity > 0", name="quantity_positive"),)
