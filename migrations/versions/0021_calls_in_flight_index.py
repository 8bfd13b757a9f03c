"""sms_outbox: a partial index of placed calls awaiting their end, for the dispatcher's sweep

Every dispatcher run looks for calls placed long ago whose end never came back
(ussd_app/voice/sweep.py). Through the index on status alone it would read every sent SMS still
waiting for a delivery report; this index holds the voice rows in `sent` only, by (sent_at, id).

Revision ID: 0021
Revises: 0020
Create Date: 2026-11-29
"""
from alembic import op
import sqlalchemy as sa


revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None

IN_FLIGHT = sa.text("channel = 'voice' AND status = 'sent'")


def upgrade() -> None:
    op.create_index('ix_sms_outbox_calls_in_flight', 'sms_outbox', ['sent_at', 'id'], unique=False,
                    postgresql_where=IN_FLIGHT, sqlite_where=IN_FLIGHT)


def downgrade() -> None:
    op.drop_index('ix_sms_outbox_calls_in_flight', table_name='sms_outbox',
                  postgresql_where=IN_FLIGHT, sqlite_where=IN_FLIGHT)
