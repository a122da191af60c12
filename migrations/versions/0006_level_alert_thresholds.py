"""level alert thresholds: each level's threshold for the alerts, stored, and an index of the low levels

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22 09:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

# The same value inventory.service.refresh_alert_thresholds keeps, for the levels that exist now.
BACKFILL = """
UPDATE inventory_levels SET alert_threshold = (
    SELECT CASE WHEN p.is_active AND NOT p.is_bundle AND w.is_active
                THEN COALESCE(inventory_levels.low_stock_threshold, p.low_stock_threshold, t.low_stock_threshold,
                              c.default_low_stock_threshold) END
    FROM products p
    LEFT JOIN product_types t ON t.id = p.product_type_id
    JOIN warehouses w ON w.id = inventory_levels.warehouse_id
    JOIN companies c ON c.id = inventory_levels.company_id
    WHERE p.id = inventory_levels.product_id
)
"""


def upgrade():
    op.add_column('inventory_levels', sa.Column('alert_threshold', sa.Integer(), nullable=True))
    op.execute(BACKFILL)
    # Virtual: SQLite can add only those, and MySQL computes it without rewriting rows.
    op.add_column('inventory_levels', sa.Column('is_low', sa.Boolean(create_constraint=False), sa.Computed('on_hand - reserved <= alert_threshold'), nullable=True))
    op.create_index('ix_inventory_levels_low', 'inventory_levels', ['company_id', 'is_low', 'product_id', 'warehouse_id', 'available_stock', 'alert_threshold'], unique=False)
    # What the alerts used before: a range over available stock up to the company's highest threshold.
    op.drop_index('ix_inventory_levels_alert_candidates', table_name='inventory_levels')
    op.drop_index('ix_inventory_levels_company_id_low_stock_threshold', table_name='inventory_levels')
    op.drop_index('ix_products_company_id_low_stock_threshold', table_name='products')


def downgrade():
    op.create_index('ix_products_company_id_low_stock_threshold', 'products', ['company_id', 'low_stock_threshold'], unique=False)
    op.create_index('ix_inventory_levels_company_id_low_stock_threshold', 'inventory_levels', ['company_id', 'low_stock_threshold'], unique=False)
    op.create_index('ix_inventory_levels_alert_candidates', 'inventory_levels', ['company_id', 'available_stock', 'low_stock_threshold', 'product_id', 'warehouse_id'], unique=False)
    op.drop_index('ix_inventory_levels_low', table_name='inventory_levels')
    # Plain DROP COLUMN (SQLite ≥ 3.35): a batch copy of the table would write into available_stock.
    op.drop_column('inventory_levels', 'is_low')
    op.drop_column('inventory_levels', 'alert_threshold')
