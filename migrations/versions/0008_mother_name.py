"""health_enrollments.mother_name: the name she gives when she registers over USSD

The dashboard showed registrations by phone number only. Rows registered before this have no
name (NULL): nothing is invented for them.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29
"""
from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('health_enrollments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('mother_name', sa.String(length=40), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('health_enrollments', schema=None) as batch_op:
        batch_op.drop_column('mother_name')
