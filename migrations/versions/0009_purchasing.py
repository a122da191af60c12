"""purchasing: purchase orders, their lines and receipts; incoming stock and reorder settings

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 17:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('purchase_orders',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('supplier_id', sa.Integer(), nullable=False),
    sa.Column('warehouse_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=24), nullable=False),
    sa.Column('reference', sa.String(length=120), nullable=True),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('expected_at', sa.DateTime(), nullable=True),
    sa.Column('ordered_at', sa.DateTime(), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("status IN ('draft', 'ordered', 'partially_received', 'received', 'closed', 'cancelled')", name=op.f('ck_purchase_orders_status_known')),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], name=op.f('fk_purchase_orders_company_id_companies')),
    sa.ForeignKeyConstraint(['supplier_id'], ['suppliers.id'], name=op.f('fk_purchase_orders_supplier_id_suppliers')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_purchase_orders_user_id_users')),
    sa.ForeignKeyConstraint(['warehouse_id'], ['warehouses.id'], name=op.f('fk_purchase_orders_warehouse_id_warehouses')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_purchase_orders'))
    )
    with op.batch_alter_table('purchase_orders', schema=None) as batch_op:
        batch_op.create_index('ix_purchase_orders_company_id_status', ['company_id', 'status', 'expected_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_purchase_orders_supplier_id'), ['supplier_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_purchase_orders_warehouse_id'), ['warehouse_id'], unique=False)

    op.create_table('purchase_order_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('purchase_order_id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('received_quantity', sa.Integer(), server_default='0', nullable=False),
    sa.Column('unit_cost', sa.Numeric(precision=10, scale=2), nullable=False),
    sa.CheckConstraint('quantity > 0', name=op.f('ck_purchase_order_lines_quantity_positive')),
    sa.CheckConstraint('received_quantity >= 0 AND received_quantity <= quantity', name=op.f('ck_purchase_order_lines_received_within_quantity')),
    sa.CheckConstraint('unit_cost >= 0', name=op.f('ck_purchase_order_lines_unit_cost_non_negative')),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], name=op.f('fk_purchase_order_lines_company_id_companies')),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_purchase_order_lines_product_id_products')),
    sa.ForeignKeyConstraint(['purchase_order_id'], ['purchase_orders.id'], name=op.f('fk_purchase_order_lines_purchase_order_id_purchase_orders')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_purchase_order_lines'))
    )
    with op.batch_alter_table('purchase_order_lines', schema=None) as batch_op:
        batch_op.create_index('ix_purchase_order_lines_company_id_product_id', ['company_id', 'product_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_purchase_order_lines_purchase_order_id'), ['purchase_order_id'], unique=False)

    op.create_table('receipts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('purchase_order_id', sa.Integer(), nullable=False),
    sa.Column('occurred_at', sa.DateTime(), nullable=False),
    sa.Column('reference', sa.String(length=120), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], name=op.f('fk_receipts_company_id_companies')),
    sa.ForeignKeyConstraint(['purchase_order_id'], ['purchase_orders.id'], name=op.f('fk_receipts_purchase_order_id_purchase_orders')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_receipts_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_receipts'))
    )
    with op.batch_alter_table('receipts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_receipts_purchase_order_id'), ['purchase_order_id'], unique=False)

    op.create_table('receipt_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('receipt_id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('line_id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.CheckConstraint('quantity > 0', name=op.f('ck_receipt_lines_quantity_positive')),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], name=op.f('fk_receipt_lines_company_id_companies')),
    sa.ForeignKeyConstraint(['line_id'], ['purchase_order_lines.id'], name=op.f('fk_receipt_lines_line_id_purchase_order_lines')),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_receipt_lines_product_id_products')),
    sa.ForeignKeyConstraint(['receipt_id'], ['receipts.id'], name=op.f('fk_receipt_lines_receipt_id_receipts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_receipt_lines'))
    )
    with op.batch_alter_table('receipt_lines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_receipt_lines_line_id'), ['line_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_receipt_lines_receipt_id'), ['receipt_id'], unique=False)

    with op.batch_alter_table('companies', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reorder_cover_days', sa.Integer(), server_default='30', nullable=False))
        batch_op.create_check_constraint(op.f('ck_companies_reorder_cover_days_range'), 'reorder_cover_days BETWEEN 1 AND 365')

    # Plain ADD COLUMN: a batch copy of inventory_levels would write into its generated columns on
    # SQLite, so its CHECK on incoming is added on MySQL only (the purchasing use cases keep it ≥ 0).
    op.add_column('inventory_levels', sa.Column('incoming', sa.BigInteger(), server_default='0', nullable=False))
    op.add_column('inventory_levels', sa.Column('reorder_up_to', sa.Integer(), nullable=True))
    if op.get_bind().dialect.name == 'mysql':
        op.create_check_constraint(op.f('ck_inventory_levels_incoming_non_negative'), 'inventory_levels', 'incoming >= 0')

    with op.batch_alter_table('product_suppliers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('order_multiple', sa.Integer(), server_default='1', nullable=False))
        batch_op.create_check_constraint(op.f('ck_product_suppliers_order_multiple_positive'), 'order_multiple >= 1')

    with op.batch_alter_table('stock_movements', schema=None) as batch_op:
        batch_op.add_column(sa.Column('purchase_order_id', sa.Integer(), nullable=True))
        batch_op.create_index('ix_stock_movements_company_purchase_order', ['company_id', 'purchase_order_id', 'id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_stock_movements_purchase_order_id_purchase_orders'), 'purchase_orders', ['purchase_order_id'], ['id'])


def downgrade():
    with op.batch_alter_table('stock_movements', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_stock_movements_purchase_order_id_purchase_orders'), type_='foreignkey')
        batch_op.drop_index('ix_stock_movements_company_purchase_order')
        batch_op.drop_column('purchase_order_id')

    with op.batch_alter_table('product_suppliers', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_product_suppliers_order_multiple_positive'), type_='check')
        batch_op.drop_column('order_multiple')

    if op.get_bind().dialect.name == 'mysql':
        op.drop_constraint(op.f('ck_inventory_levels_incoming_non_negative'), 'inventory_levels', type_='check')
    # Plain DROP COLUMN (SQLite ≥ 3.35), as in 0006.
    op.drop_column('inventory_levels', 'reorder_up_to')
    op.drop_column('inventory_levels', 'incoming')

    with op.batch_alter_table('companies', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_companies_reorder_cover_days_range'), type_='check')
        batch_op.drop_column('reorder_cover_days')

    # Dropping a table drops its indexes (MySQL refuses to drop one a foreign key needs first).
    op.drop_table('receipt_lines')
    op.drop_table('receipts')
    op.drop_table('purchase_order_lines')
    op.drop_table('purchase_orders')
