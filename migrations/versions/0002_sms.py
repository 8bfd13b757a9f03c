"""sms: reminders, outbox holds, subscriber opt-out

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 05:04:04.413777
"""
from alembic import op
import sqlalchemy as sa
import ussd_app.db


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('reminders',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('phone', sa.String(length=16), nullable=False),
    sa.Column('language', sa.String(length=2), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('step', sa.String(length=32), nullable=False),
    sa.Column('source_ref', sa.String(length=100), nullable=False),
    sa.Column('child_name', sa.String(length=60), nullable=True),
    sa.Column('facility_name', sa.String(length=80), nullable=False),
    sa.Column('visit_date', sa.Date(), nullable=False),
    sa.Column('due_at', ussd_app.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('skip_reason', sa.String(length=200), nullable=True),
    sa.Column('outbox_id', sa.Integer(), nullable=True),
    sa.Column('created_at', ussd_app.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('closed_at', ussd_app.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['outbox_id'], ['sms_outbox.id'], name=op.f('fk_reminders_outbox_id_sms_outbox')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reminders')),
    sa.UniqueConstraint('source_ref', 'kind', 'step', name=op.f('uq_reminders_source_ref_kind_step'))
    )
    with op.batch_alter_table('reminders', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reminders_due_at'), ['due_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_reminders_phone'), ['phone'], unique=False)
        batch_op.create_index(batch_op.f('ix_reminders_source_ref'), ['source_ref'], unique=False)
        batch_op.create_index(batch_op.f('ix_reminders_status'), ['status'], unique=False)

    with op.batch_alter_table('sms_outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('locked_until', ussd_app.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('lock_token', sa.String(length=32), nullable=True))
        batch_op.create_index(batch_op.f('ix_sms_outbox_lock_token'), ['lock_token'], unique=False)

    with op.batch_alter_table('subscribers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sms_opted_out_at', ussd_app.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('sms_opt_out_source', sa.String(length=16), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('subscribers', schema=None) as batch_op:
        batch_op.drop_column('sms_opt_out_source')
        batch_op.drop_column('sms_opted_out_at')

    with op.batch_alter_table('sms_outbox', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sms_outbox_lock_token'))
        batch_op.drop_column('lock_token')
        batch_op.drop_column('locked_until')

    with op.batch_alter_table('reminders', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reminders_status'))
        batch_op.drop_index(batch_op.f('ix_reminders_source_ref'))
        batch_op.drop_index(batch_op.f('ix_reminders_phone'))
        batch_op.drop_index(batch_op.f('ix_reminders_due_at'))

    op.drop_table('reminders')
