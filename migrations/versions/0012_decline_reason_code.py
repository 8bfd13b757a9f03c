"""health_enrollments.reason_code: the preset reason a registration was declined for

A declined mother is told a preset reason, translated into her language; staff may add a note,
kept in `reason` for the centre and never sent.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-29
"""
from alembic import op
import sqlalchemy as sa


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('health_enrollments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reason_code', sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('health_enrollments', schema=None) as batch_op:
        batch_op.drop_column('reason_code')
