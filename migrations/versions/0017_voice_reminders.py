"""voice reminders: her channel, calls as outbox rows of the voice channel, recordings

subscribers.reminder_channel (None: SMS, as everyone had) and calls_stopped_at; sms_outbox.channel
("sms" for every existing row), voice_script, call_try, call_state, call_duration_s; the
voice_recordings table (one recording per fragment key and language).

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-29
"""
from alembic import op
import sqlalchemy as sa

import ussd_app.db


revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('subscribers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reminder_channel', sa.String(length=8), nullable=True))
        batch_op.add_column(sa.Column('calls_stopped_at', ussd_app.db.UTCDateTime(timezone=True), nullable=True))
    with op.batch_alter_table('sms_outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('channel', sa.String(length=8), server_default='sms', nullable=False))
        batch_op.add_column(sa.Column('voice_script', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('call_try', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('call_state', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('call_duration_s', sa.Integer(), nullable=True))
    op.create_table(
        'voice_recordings',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('fragment_key', sa.String(length=100), nullable=False),
        sa.Column('language', sa.String(length=2), nullable=False),
        sa.Column('storage_key', sa.String(length=140), nullable=False),
        sa.Column('content_type', sa.String(length=20), nullable=False),
        sa.Column('size_bytes', sa.Integer(), nullable=False),
        sa.Column('duration_ms', sa.Integer(), nullable=False),
        sa.Column('placeholder', sa.Boolean(), nullable=False),
        sa.Column('uploaded_by', sa.String(length=100), nullable=True),
        sa.Column('uploaded_at', ussd_app.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('fragment_key', 'language'),
        sa.UniqueConstraint('storage_key'),
    )


def downgrade() -> None:
    op.drop_table('voice_recordings')
    with op.batch_alter_table('sms_outbox', schema=None) as batch_op:
        for name in ('call_duration_s', 'call_state', 'call_try', 'voice_script', 'channel'):
            batch_op.drop_column(name)
    with op.batch_alter_table('subscribers', schema=None) as batch_op:
        batch_op.drop_column('calls_stopped_at')
        batch_op.drop_column('reminder_channel')
