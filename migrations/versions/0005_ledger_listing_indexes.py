"""ledger listing indexes: by type, by occurred_at

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-21 21:10:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_stock_movements_company_type', 'stock_movements', ['company_id', 'type', 'id'], unique=False)
    op.create_index('ix_stock_movements_company_occurred_at', 'stock_movements', ['company_id', 'occurred_at'], unique=False)


def downgrade():
    op.drop_index('ix_stock_movements_company_occurred_at', table_name='stock_movements')
    op.drop_index('ix_stock_movements_company_type', table_name='stock_movements')
