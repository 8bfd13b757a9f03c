"""dhis2_pushes: each CSCom's monthly DHIS2 push and the import summary DHIS2 answered

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-22
"""
from alembic import op
import sqlalchemy as sa
import ussd_app.db


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('dhis2_pushes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('facility_code', sa.String(length=32), nullable=False),
    sa.Column('period', sa.String(length=6), nullable=False),
    sa.Column('org_unit', sa.String(length=11), nullable=False),
    sa.Column('payload_hash', sa.String(length=64), nullable=False),
    sa.Column('payload', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('imported', sa.Integer(), nullable=False),
    sa.Column('updated', sa.Integer(), nullable=False),
    sa.Column('ignored', sa.Integer(), nullable=False),
    sa.Column('deleted', sa.Integer(), nullable=False),
    sa.Column('conflicts', sa.Text(), nullable=False),
    sa.Column('error', sa.String(length=300), nullable=True),
    sa.Column('created_at', ussd_app.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('attempted_at', ussd_app.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dhis2_pushes')),
    sa.UniqueConstraint('facility_code', 'period', 'payload_hash',
                        name=op.f('uq_dhis2_pushes_facility_code_period_payload_hash'))
    )
    with op.batch_alter_table('dhis2_pushes', schema=None) as batch_op:
        batch_op.create_index('ix_dhis2_pushes_period_facility_code', ['period', 'facility_code'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('dhis2_pushes', schema=None) as batch_op:
        batch_op.drop_index('ix_dhis2_pushes_period_facility_code')
    op.drop_table('dhis2_pushes')
