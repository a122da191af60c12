"""low-stock alert indexes: available stock as an indexed virtual column, threshold indexes

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-21 20:50:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    # A virtual column: SQLite can add only those, and MySQL computes it without rewriting rows.
    op.add_column('inventory_levels', sa.Column('available_stock', sa.Integer(), sa.Computed('on_hand - reserved'), nullable=True))
    op.create_index('ix_inventory_levels_alert_candidates', 'inventory_levels', ['company_id', 'available_stock', 'low_stock_threshold', 'product_id', 'warehouse_id'], unique=False)
    op.create_index('ix_inventory_levels_company_id_low_stock_threshold', 'inventory_levels', ['company_id', 'low_stock_threshold'], unique=False)
    op.create_index('ix_products_company_id_low_stock_threshold', 'products', ['company_id', 'low_stock_threshold'], unique=False)


def downgrade():
    op.drop_index('ix_products_company_id_low_stock_threshold', table_name='products')
    op.drop_index('ix_inventory_levels_company_id_low_stock_threshold', table_name='inventory_levels')
    op.drop_index('ix_inventory_levels_alert_candidates', table_name='inventory_levels')
    with op.batch_alter_table('inventory_levels', schema=None) as batch_op:
        batch_op.drop_column('available_stock')
