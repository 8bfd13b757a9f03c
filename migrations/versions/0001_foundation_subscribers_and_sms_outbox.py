"""foundation subscribers and sms outbox

Revision ID: 0001
Revises: 
Create Date: 2026-11-22
"""
from alembic import op
import sqlalchemy as sa
import ussd_app.db


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('sms_outbox',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('recipient', sa.String(length=16), nullable=False),
    sa.Column('language', sa.String(length=2), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('parts', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('dedupe_key', sa.String(length=200), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('due_at', ussd_app.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('queued_at', ussd_app.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('sent_at', ussd_app.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('final_at', ussd_app.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('provider_message_id', sa.String(length=100), nullable=True),
    sa.Column('cost', sa.String(length=32), nullable=True),
    sa.Column('last_error', sa.String(length=300), nullable=True),
    sa.Column('created_at', ussd_app.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', ussd_app.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sms_outbox')),
    sa.UniqueConstraint('dedupe_key', name=op.f('uq_sms_outbox_dedupe_key'))
    )
    with op.batch_alter_table('sms_outbox', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sms_outbox_due_at'), ['due_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_sms_outbox_provider_message_id'), ['provider_message_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sms_outbox_recipient'), ['recipient'], unique=False)
        batch_op.create_index(batch_op.f('ix_sms_outbox_status'), ['status'], unique=False)

    op.create_table('subscribers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('phone', sa.String(length=16), nullable=False),
    sa.Column('language', sa.String(length=2), nullable=True),
    sa.Column('language_session_id', sa.String(length=128), nullable=True),
    sa.Column('created_at', ussd_app.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', ussd_app.db.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_subscribers')),
    sa.UniqueConstraint('phone', name=op.f('uq_subscribers_phone'))
    )


def downgrade() -> None:
    op.drop_table('subscribers')
    with op.batch_alter_table('sms_outbox', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sms_outbox_status'))
        batch_op.drop_index(batch_op.f('ix_sms_outbox_recipient'))
        batch_op.drop_index(batch_op.f('ix_sms_outbox_provider_message_id'))
        batch_op.drop_index(batch_op.f('ix_sms_outbox_due_at'))

    op.drop_table('sms_outbox')
