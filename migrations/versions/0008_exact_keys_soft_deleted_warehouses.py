"""exact keys and wider sums: idempotency keys by digest, names, emails and SKUs compared exactly, soft-deleted warehouses, 64-bit daily units, order totals to 10²²

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 16:00:00

"""
import hashlib
import unicodedata

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import mysql


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def exact(length):
    return sa.String(length).with_variant(mysql.VARCHAR(length, collation='utf8mb4_bin'), 'mysql', 'mariadb')


def name_key(name):
    # As app.common.models.name_key computes it today; copied so that this migration never changes.
    return unicodedata.normalize('NFC', unicodedata.normalize('NFD', name).casefold())


def rekey_names(table):
    """Recompute each row's name_key; a row whose new key another row of its company already has keeps its old one."""
    connection = op.get_bind()
    rows = connection.execute(sa.text(f'SELECT id, company_id, name, name_key FROM {table} ORDER BY id')).all()
    taken = {(row.company_id, row.name_key) for row in rows if row.name_key is not None}
    for row in rows:
        key = name_key(row.name)
        if row.name_key is None or key == row.name_key or (row.company_id, key) in taken:
            continue
        taken.add((row.company_id, key))
        connection.execute(sa.text(f'UPDATE {table} SET name_key = :key WHERE id = :id'), {'key': key, 'id': row.id})


def upgrade():
    with op.batch_alter_table('idempotency_keys', schema=None) as batch_op:
        batch_op.add_column(sa.Column('key_digest', sa.String(length=64), nullable=True))
    connection = op.get_bind()
    for row_id, key in connection.execute(sa.text('SELECT id, `key` FROM idempotency_keys' if connection.dialect.name == 'mysql'
                                                  else 'SELECT id, "key" FROM idempotency_keys')).all():
        digest = hashlib.sha256(key.encode('utf-8', 'surrogatepass')).hexdigest()
        connection.execute(sa.text('UPDATE idempotency_keys SET key_digest = :digest WHERE id = :id'), {'digest': digest, 'id': row_id})
    with op.batch_alter_table('idempotency_keys', schema=None) as batch_op:
        batch_op.alter_column('key_digest', existing_type=sa.String(length=64), nullable=False)
        # The new unique index first: MySQL's foreign key on company_id needs one of them at all times.
        batch_op.create_unique_constraint(batch_op.f('uq_idempotency_keys_company_id_key_digest'), ['company_id', 'key_digest'])
        batch_op.drop_constraint('uq_idempotency_keys_company_id_key', type_='unique')
        batch_op.drop_column('key')

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.alter_column('email', existing_type=sa.String(length=254), type_=exact(254), existing_nullable=False)
    with op.batch_alter_table('products', schema=None) as batch_op:
        batch_op.alter_column('sku_key', existing_type=sa.String(length=64), type_=exact(64), existing_nullable=False)
    for table in ('warehouses', 'product_types'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column('name_key', existing_type=sa.String(length=120), type_=exact(480),
                                  existing_nullable=False, nullable=table == 'warehouses')
        rekey_names(table)
    with op.batch_alter_table('warehouses', schema=None) as batch_op:
        batch_op.add_column(sa.Column('deleted_at', sa.DateTime(), nullable=True))

    with op.batch_alter_table('daily_sales', schema=None) as batch_op:
        batch_op.alter_column('units', existing_type=sa.Integer(), type_=sa.BigInteger(), existing_nullable=False)
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.alter_column('total', existing_type=sa.Numeric(precision=14, scale=2), type_=sa.Numeric(precision=24, scale=2),
                              existing_nullable=False)


def downgrade():
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.alter_column('total', existing_type=sa.Numeric(precision=24, scale=2), type_=sa.Numeric(precision=14, scale=2),
                              existing_nullable=False)
    with op.batch_alter_table('daily_sales', schema=None) as batch_op:
        batch_op.alter_column('units', existing_type=sa.BigInteger(), type_=sa.Integer(), existing_nullable=False)
    # Deleted warehouses cannot come back as rows the old code would hide: they stay, inactive, named
    # apart so that their names do not collide with live ones.
    op.execute("UPDATE warehouses SET name_key = CONCAT('deleted ', id) WHERE deleted_at IS NOT NULL"
               if op.get_bind().dialect.name == 'mysql' else
               "UPDATE warehouses SET name_key = 'deleted ' || id WHERE deleted_at IS NOT NULL")
    with op.batch_alter_table('warehouses', schema=None) as batch_op:
        batch_op.drop_column('deleted_at')
    for table in ('warehouses', 'product_types'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column('name_key', existing_type=exact(480), type_=sa.String(length=120), nullable=False)
    with op.batch_alter_table('products', schema=None) as batch_op:
        batch_op.alter_column('sku_key', existing_type=exact(64), type_=sa.String(length=64), existing_nullable=False)
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.alter_column('email', existing_type=exact(254), type_=sa.String(length=254), existing_nullable=False)

    # The keys themselves are gone: stored answers cannot be found again by key, so they are dropped.
    op.execute('DELETE FROM idempotency_keys')
    with op.batch_alter_table('idempotency_keys', schema=None) as batch_op:
        batch_op.add_column(sa.Column('key', sa.String(length=255), nullable=False))
        batch_op.create_unique_constraint(batch_op.f('uq_idempotency_keys_company_id_key'), ['company_id', 'key'])
        batch_op.drop_constraint('uq_idempotency_keys_company_id_key_digest', type_='unique')
        batch_op.drop_column('key_digest')
