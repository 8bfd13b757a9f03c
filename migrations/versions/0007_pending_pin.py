"""savings_pins: a new PIN waits for its confirmation in the database, not in Redis

The argon2 hash of a PIN being chosen used to sit in the USSD session (Redis) between the two
times it is typed; it now waits on the member's credential, with the time it was typed. Tries
are counted before a PIN is checked, so the key that made a resent hop count once is gone.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29
"""
from alembic import op
import sqlalchemy as sa

import ussd_app.db


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('savings_pins', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pending_hash', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('pending_at', ussd_app.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.drop_column('last_failure_key')


def downgrade() -> None:
    with op.batch_alter_table('savings_pins', schema=None) as batch_op:
        batch_op.add_column(sa.Column('last_failure_key', sa.String(length=200), nullable=True))
        batch_op.drop_column('pending_at')
        batch_op.drop_column('pending_hash')
