"""clinic_staff.session_generation: signing out ends every session of the account on the server

The dashboard's session is a signed cookie; a copy of it would stay valid after "Sign out" until
it expired. Each session carries the account's generation, and signing out (or disabling the
account) moves the generation on, so every earlier cookie is refused.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-22
"""
from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('clinic_staff', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_generation', sa.Integer(), nullable=False,
                                      server_default=sa.text('0')))


def downgrade() -> None:
    with op.batch_alter_table('clinic_staff', schema=None) as batch_op:
        batch_op.drop_column('session_generation')
