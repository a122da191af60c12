"""orders.total exact on SQLite: kept as text there (NUMERIC keeps 15 significant digits); MySQL unchanged

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 23:50:00

"""
from decimal import Decimal

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name != 'sqlite':
        return
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.alter_column('total', existing_type=sa.Numeric(precision=24, scale=2), type_=sa.String(length=40),
                              existing_nullable=False)
    # The totals already stored went through a float: each is worked out again from its lines, whose
    # prices (at most 10 digits) a float keeps exactly.
    connection = op.get_bind()
    totals = {}
    for order_id, quantity, unit_price in connection.execute(sa.text(
            "SELECT order_id, quantity, CAST(unit_price AS TEXT) FROM order_lines")):
        totals[order_id] = totals.get(order_id, Decimal(0)) + quantity * Decimal(unit_price).quantize(Decimal('0.01'))
    for order_id, total in totals.items():
        connection.execute(sa.text("UPDATE orders SET total = :total WHERE id = :id"),
                           {"total": f"{total:.2f}", "id": order_id})


def downgrade():
    if op.get_bind().dialect.name != 'sqlite':
        return
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.alter_column('total', existing_type=sa.String(length=40), type_=sa.Numeric(precision=24, scale=2),
                              existing_nullable=False)
