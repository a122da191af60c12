"""level sales totals: each level's units sold and latest sale day, and a running total on each rollup row

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-22 10:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

# Each rollup row's running total: what ledger.count_sale keeps, for the rows that exist now.
RUNNING_TOTAL = """
    SELECT company_id, product_id, warehouse_id, day,
           SUM(units) OVER (PARTITION BY company_id, product_id, warehouse_id ORDER BY day) AS to_date
    FROM daily_sales
"""
BACKFILL_ROLLUP = {
    # MySQL cannot read the table it updates in a subquery, but can join it as a derived table.
    'mysql': f"""
        UPDATE daily_sales JOIN ({RUNNING_TOTAL}) AS r USING (company_id, product_id, warehouse_id, day)
        SET daily_sales.units_to_date = r.to_date
    """,
    'sqlite': f"""
        UPDATE daily_sales SET units_to_date = r.to_date FROM ({RUNNING_TOTAL}) AS r
        WHERE r.company_id = daily_sales.company_id AND r.product_id = daily_sales.product_id
          AND r.warehouse_id = daily_sales.warehouse_id AND r.day = daily_sales.day
    """,
}
OF_LEVEL = """FROM daily_sales d WHERE d.company_id = inventory_levels.company_id
    AND d.product_id = inventory_levels.product_id AND d.warehouse_id = inventory_levels.warehouse_id"""
BACKFILL_LEVELS = f"""
UPDATE inventory_levels SET units_sold = COALESCE((SELECT SUM(d.units) {OF_LEVEL}), 0),
                            last_sold_on = (SELECT MAX(d.day) {OF_LEVEL})
"""


def upgrade():
    op.add_column('daily_sales', sa.Column('units_to_date', sa.BigInteger(), server_default='0', nullable=False))
    op.execute(BACKFILL_ROLLUP[op.get_bind().dialect.name])
    op.add_column('inventory_levels', sa.Column('units_sold', sa.BigInteger(), server_default='0', nullable=False))
    op.add_column('inventory_levels', sa.Column('last_sold_on', sa.Date(), nullable=True))
    op.execute(BACKFILL_LEVELS)
    # The low levels that sold since a day, with what ranking them needs.
    op.drop_index('ix_inventory_levels_low', table_name='inventory_levels')
    op.create_index('ix_inventory_levels_low', 'inventory_levels', ['company_id', 'is_low', 'last_sold_on', 'available_stock', 'alert_threshold', 'units_sold', 'product_id', 'warehouse_id'], unique=False)


def downgrade():
    op.drop_index('ix_inventory_levels_low', table_name='inventory_levels')
    op.drop_column('inventory_levels', 'last_sold_on')
    op.drop_column('inventory_levels', 'units_sold')
    op.drop_column('daily_sales', 'units_to_date')
    op.create_index('ix_inventory_levels_low', 'inventory_levels', ['company_id', 'is_low', 'product_id', 'warehouse_id', 'available_stock', 'alert_threshold'], unique=False)
