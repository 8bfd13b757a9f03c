"""reminders: a partial index of planned reminders by (due_at, id), for the dispatcher

The dispatcher reads due reminders a page at a time in (due_at, id) order. Through the index
on due_at alone it read every past reminder (sent and skipped ones included) and sorted the
due ones to take a page; this index holds planned reminders only, in the page's order.

Revision ID: 0019
Revises: 0018
Create Date: 2026-11-29
"""
from alembic import op
import sqlalchemy as sa


revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None

PLANNED = sa.text("status = 'planned'")


def upgrade() -> None:
    op.create_index('ix_reminders_planned_due', 'reminders', ['due_at', 'id'], unique=False,
                    postgresql_where=PLANNED, sqlite_where=PLANNED)


def downgrade() -> None:
    op.drop_index('ix_reminders_planned_due', table_name='reminders',
                  postgresql_where=PLANNED, sqlite_where=PLANNED)
