"""events: the outbox, one row per event, written in the change's own transaction

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05 09:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('events',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('public_id', sa.String(length=32), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('type', sa.String(length=40), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('dispatched_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], name=op.f('fk_events_company_id_companies')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_events')),
    sa.UniqueConstraint('public_id', name=op.f('uq_events_public_id'))
    )
    op.create_index('ix_events_company_id_id', 'events', ['company_id', 'id'], unique=False)
    op.create_index('ix_events_company_id_type_id', 'events', ['company_id', 'type', 'id'], unique=False)
    op.create_index('ix_events_dispatched_at_id', 'events', ['dispatched_at', 'id'], unique=False)


def downgrade():
    # Dropping the table drops its indexes (MySQL will not drop one its foreign key needs first).
    op.drop_table('events')
