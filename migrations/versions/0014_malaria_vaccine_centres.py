"""health_facilities.malaria_vaccine: the centres that give the R21 malaria vaccine

Only some districts give it (ussd_app/health/data/calendar.toml); existing centres start
without it, set with `ussd-app facilities malaria-vaccine CODE on` or a facilities CSV.

Revision ID: 0014
Revises: 0012
Create Date: 2026-11-29
"""
from alembic import op
import sqlalchemy as sa


revision = '0014'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('health_facilities', schema=None) as batch_op:
        batch_op.add_column(sa.Column('malaria_vaccine', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table('health_facilities', schema=None) as batch_op:
        batch_op.drop_column('malaria_vaccine')
