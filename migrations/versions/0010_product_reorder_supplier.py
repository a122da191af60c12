"""product reorder supplier: each product's supplier to reorder from, stored

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05 08:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

# The value suppliers.service.refresh_reorder_suppliers keeps: the primary supplier, else the
# linked supplier with the lowest id, else NULL.
BACKFILL = """
UPDATE products SET reorder_supplier_id = COALESCE(
    (SELECT l.supplier_id FROM product_suppliers l WHERE l.product_id = products.id AND l.primary_flag IS TRUE),
    (SELECT MIN(l.supplier_id) FROM product_suppliers l WHERE l.product_id = products.id)
)
"""


def upgrade():
    op.add_column('products', sa.Column('reorder_supplier_id', sa.Integer(), nullable=True))
    op.execute(BACKFILL)
    op.create_index('ix_products_company_id_reorder_supplier_id', 'products', ['company_id', 'reorder_supplier_id'], unique=False)


def downgrade():
    op.drop_index('ix_products_company_id_reorder_supplier_id', table_name='products')
    op.drop_column('products', 'reorder_supplier_id')
