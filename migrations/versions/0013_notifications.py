"""notifications: low-stock email settings, the emails, the episodes they listed; events know their level

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05 12:30:00

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import mysql


# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('notification_emails',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('period', sa.DateTime(), nullable=False),
    sa.Column('recipients', sa.JSON(), nullable=False),
    sa.Column('alerts', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.String(length=500), nullable=True),
    sa.Column('next_attempt_at', sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mysql'), nullable=True),
    sa.Column('claimed_until', sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mysql'), nullable=True),
    sa.Column('sent_at', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("kind IN ('immediate', 'daily_digest')", name=op.f('ck_notification_emails_kind_known')),
    sa.CheckConstraint("status IN ('pending', 'sent', 'failed')", name=op.f('ck_notification_emails_status_known')),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], name=op.f('fk_notification_emails_company_id_companies')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notification_emails')),
    sa.UniqueConstraint('company_id', 'kind', 'period', name=op.f('uq_notification_emails_company_id_kind_period'))
    )
    with op.batch_alter_table('notification_emails', schema=None) as batch_op:
        batch_op.create_index('ix_notification_emails_status_next_attempt_at', ['status', 'next_attempt_at'], unique=False)

    op.create_table('notification_settings',
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('low_stock_emails', sa.JSON(), nullable=False),
    sa.Column('mode', sa.String(length=16), nullable=False),
    sa.Column('digest_hour_utc', sa.Integer(), nullable=False),
    sa.Column('emails_from', sa.DateTime(), nullable=False),
    sa.Column('last_digest_at', sa.DateTime(), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("mode IN ('immediate', 'daily_digest', 'off')", name=op.f('ck_notification_settings_mode_known')),
    sa.CheckConstraint('digest_hour_utc BETWEEN 0 AND 23', name=op.f('ck_notification_settings_digest_hour_in_day')),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], name=op.f('fk_notification_settings_company_id_companies')),
    sa.PrimaryKeyConstraint('company_id', name=op.f('pk_notification_settings'))
    )
    op.create_table('emailed_episodes',
    sa.Column('level_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('episode', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=False, nullable=False),
    sa.Column('email_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['email_id'], ['notification_emails.id'], name=op.f('fk_emailed_episodes_email_id_notification_emails')),
    sa.PrimaryKeyConstraint('level_id', 'episode', name=op.f('pk_emailed_episodes'))
    )
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('level_id', sa.Integer(), nullable=True))
        batch_op.create_index('ix_events_company_id_type_created_at', ['company_id', 'type', 'created_at'], unique=False)
        batch_op.create_index('ix_events_level_id_type_id', ['level_id', 'type', 'id'], unique=False)



def downgrade():
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_index('ix_events_level_id_type_id')
        batch_op.drop_index('ix_events_company_id_type_created_at')
        batch_op.drop_column('level_id')

    op.drop_table('emailed_episodes')
    op.drop_table('notification_settings')
    op.drop_table('notification_emails')
