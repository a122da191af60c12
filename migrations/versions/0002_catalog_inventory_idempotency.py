"""catalog: product types, products, suppliers, bundles, inventory levels, ledger, idempotency keys

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21 18:20:55.349262

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import mysql

# revision identifiers, used by Alembic.
revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('idempotency_keys',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=255), nullable=False),
    sa.Column('request_hash', sa.String(length=64), nullable=False),
    sa.Column('response_status', sa.Integer(), nullable=False),
    sa.Column('response_body', sa.Text().with_variant(mysql.MEDIUMTEXT(), 'mysql'), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], name=op.f('fk_idempotency_keys_company_id_companies')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_idempotency_keys')),
    sa.UniqueConstraint('company_id', 'key', name=op.f('uq_idempotency_keys_company_id_key'))
    )
    with op.batch_alter_table('idempotency_keys', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_idempotency_keys_expires_at'), ['expires_at'], unique=False)

    op.create_table('product_types',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('name_key', sa.String(length=120), nullable=False),
    sa.Column('low_stock_threshold', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('low_stock_threshold >= 0', name=op.f('ck_product_types_threshold_non_negative')),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], name=op.f('fk_product_types_company_id_companies')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_product_types')),
    sa.UniqueConstraint('company_id', 'name_key', name=op.f('uq_product_types_company_id_name_key'))
    )
    op.create_table('suppliers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('contact_email', sa.String(length=254), nullable=True),
    sa.Column('contact_phone', sa.String(length=40), nullable=True),
    sa.Column('lead_time_days', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('lead_time_days >= 0', name=op.f('ck_suppliers_lead_time_non_negative')),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], name=op.f('fk_suppliers_company_id_companies')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_suppliers'))
    )
    with op.batch_alter_table('suppliers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_suppliers_company_id'), ['company_id'], unique=False)

    op.create_table('products',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('sku', sa.String(length=64), nullable=False),
    sa.Column('sku_key', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('price', sa.Numeric(precision=10, scale=2), nullable=False),
    sa.Column('product_type_id', sa.Integer(), nullable=True),
    sa.Column('low_stock_threshold', sa.Integer(), nullable=True),
    sa.Column('is_bundle', sa.Boolean(), nullable=False),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('low_stock_threshold >= 0', name=op.f('ck_products_threshold_non_negative')),
    sa.CheckConstraint('price >= 0', name=op.f('ck_products_price_non_negative')),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], name=op.f('fk_products_company_id_companies')),
    sa.ForeignKeyConstraint(['product_type_id'], ['product_types.id'], name=op.f('fk_products_product_type_id_product_types')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_products')),
    sa.UniqueConstraint('sku_key', name=op.f('uq_products_sku_key'))
    )
    with op.batch_alter_table('products', schema=None) as batch_op:
        batch_op.create_index('ix_products_company_id_is_active', ['company_id', 'is_active', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_products_product_type_id'), ['product_type_id'], unique=False)

    op.create_table('bundle_components',
    sa.Column('bundle_id', sa.Integer(), nullable=False),
    sa.Column('component_id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.CheckConstraint('quantity > 0', name=op.f('ck_bundle_components_quantity_positive')),
    sa.ForeignKeyConstraint(['bundle_id'], ['products.id'], name=op.f('fk_bundle_components_bundle_id_products')),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], name=op.f('fk_bundle_components_company_id_companies')),
    sa.ForeignKeyConstraint(['component_id'], ['products.id'], name=op.f('fk_bundle_components_component_id_products')),
    sa.PrimaryKeyConstraint('bundle_id', 'component_id', name=op.f('pk_bundle_components'))
    )
    with op.batch_alter_table('bundle_components', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bundle_components_company_id'), ['company_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_bundle_components_component_id'), ['component_id'], unique=False)

    op.create_table('inventory_levels',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('warehouse_id', sa.Integer(), nullable=False),
    sa.Column('on_hand', sa.Integer(), nullable=False),
    sa.Column('reserved', sa.Integer(), nullable=False),
    sa.Column('low_stock_threshold', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('low_stock_threshold >= 0', name=op.f('ck_inventory_levels_threshold_non_negative')),
    sa.CheckConstraint('on_hand >= 0', name=op.f('ck_inventory_levels_on_hand_non_negative')),
    sa.CheckConstraint('reserved >= 0 AND reserved <= on_hand', name=op.f('ck_inventory_levels_reserved_within_on_hand')),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], name=op.f('fk_inventory_levels_company_id_companies')),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_inventory_levels_product_id_products')),
    sa.ForeignKeyConstraint(['warehouse_id'], ['warehouses.id'], name=op.f('fk_inventory_levels_warehouse_id_warehouses')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inventory_levels')),
    sa.UniqueConstraint('product_id', 'warehouse_id', name=op.f('uq_inventory_levels_product_id_warehouse_id'))
    )
    with op.batch_alter_table('inventory_levels', schema=None) as batch_op:
        batch_op.create_index('ix_inventory_levels_company_id_warehouse_id', ['company_id', 'warehouse_id'], unique=False)

    op.create_table('product_suppliers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('supplier_id', sa.Integer(), nullable=False),
    sa.Column('supplier_sku', sa.String(length=64), nullable=True),
    sa.Column('unit_cost', sa.Numeric(precision=10, scale=2), nullable=True),
    sa.Column('lead_time_days', sa.Integer(), nullable=True),
    sa.Column('min_order_qty', sa.Integer(), nullable=False),
    sa.Column('primary_flag', sa.Boolean(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('lead_time_days >= 0', name=op.f('ck_product_suppliers_lead_time_non_negative')),
    sa.CheckConstraint('min_order_qty >= 1', name=op.f('ck_product_suppliers_min_order_qty_positive')),
    sa.CheckConstraint('unit_cost >= 0', name=op.f('ck_product_suppliers_unit_cost_non_negative')),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], name=op.f('fk_product_suppliers_company_id_companies')),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_product_suppliers_product_id_products')),
    sa.ForeignKeyConstraint(['supplier_id'], ['suppliers.id'], name=op.f('fk_product_suppliers_supplier_id_suppliers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_product_suppliers')),
    sa.UniqueConstraint('product_id', 'primary_flag', name=op.f('uq_product_suppliers_product_id_primary_flag')),
    sa.UniqueConstraint('product_id', 'supplier_id', name=op.f('uq_product_suppliers_product_id_supplier_id'))
    )
    with op.batch_alter_table('product_suppliers', schema=None) as batch_op:
        batch_op.create_index('ix_product_suppliers_company_id_product_id', ['company_id', 'product_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_product_suppliers_supplier_id'), ['supplier_id'], unique=False)

    op.create_table('stock_movements',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('warehouse_id', sa.Integer(), nullable=False),
    sa.Column('type', sa.String(length=16), nullable=False),
    sa.Column('quantity_change', sa.Integer(), nullable=False),
    sa.Column('on_hand_after', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=255), nullable=True),
    sa.Column('reference', sa.String(length=120), nullable=True),
    sa.Column('transfer_id', sa.String(length=36), nullable=True),
    sa.Column('order_id', sa.Integer(), nullable=True),
    sa.Column('bundle_id', sa.Integer(), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('occurred_at', sa.DateTime(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("type IN ('receive', 'sale', 'return', 'remove', 'adjust', 'count', 'transfer')", name=op.f('ck_stock_movements_type_known')),
    sa.ForeignKeyConstraint(['bundle_id'], ['products.id'], name=op.f('fk_stock_movements_bundle_id_products')),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], name=op.f('fk_stock_movements_company_id_companies')),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_stock_movements_product_id_products')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_stock_movements_user_id_users')),
    sa.ForeignKeyConstraint(['warehouse_id'], ['warehouses.id'], name=op.f('fk_stock_movements_warehouse_id_warehouses')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stock_movements'))
    )
    with op.batch_alter_table('stock_movements', schema=None) as batch_op:
        batch_op.create_index('ix_stock_movements_company_product_warehouse', ['company_id', 'product_id', 'warehouse_id', 'id'], unique=False)



def downgrade():
    # Dropping a table drops its indexes; MySQL refuses to drop an index a foreign key still needs.
    for table in ('stock_movements', 'product_suppliers', 'inventory_levels', 'bundle_components',
                  'products', 'suppliers', 'product_types', 'idempotency_keys'):
        op.drop_table(table)
