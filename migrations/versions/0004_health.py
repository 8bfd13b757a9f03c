"""health: CSComs and enrollments for subsidized care

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 05:03:20.475643
"""
from alembic import op
import sqlalchemy as sa
import ussd_app.db


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('health_facilities',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('commune', sa.String(length=60), nullable=False),
    sa.Column('region', sa.String(length=60), nullable=False),
    sa.Column('phone', sa.String(length=16), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', ussd_app.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', ussd_app.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_health_facilities')),
    sa.UniqueConstraint('code', name=op.f('uq_health_facilities_code'))
    )
    with op.batch_alter_table('health_facilities', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_health_facilities_commune'), ['commune'], unique=False)

    op.create_table('health_enrollments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=8), nullable=False),
    sa.Column('request_key', sa.String(length=200), nullable=False),
    sa.Column('phone', sa.String(length=16), nullable=False),
    sa.Column('language', sa.String(length=2), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('facility_id', sa.Integer(), nullable=False),
    sa.Column('child_name', sa.String(length=40), nullable=True),
    sa.Column('child_name_key', sa.String(length=40), nullable=True),
    sa.Column('birth_date', sa.Date(), nullable=True),
    sa.Column('last_period', sa.Date(), nullable=True),
    sa.Column('pregnancy_month', sa.Integer(), nullable=True),
    sa.Column('due_date', sa.Date(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('reason', sa.String(length=200), nullable=True),
    sa.Column('created_at', ussd_app.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('decided_at', ussd_app.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('updated_at', ussd_app.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['facility_id'], ['health_facilities.id'], name=op.f('fk_health_enrollments_facility_id_health_facilities')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_health_enrollments')),
    sa.UniqueConstraint('reference', name=op.f('uq_health_enrollments_reference')),
    sa.UniqueConstraint('request_key', name=op.f('uq_health_enrollments_request_key'))
    )
    with op.batch_alter_table('health_enrollments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_health_enrollments_facility_id'), ['facility_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_health_enrollments_phone'), ['phone'], unique=False)
        batch_op.create_index(batch_op.f('ix_health_enrollments_status'), ['status'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('health_enrollments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_health_enrollments_status'))
        batch_op.drop_index(batch_op.f('ix_health_enrollments_phone'))
        batch_op.drop_index(batch_op.f('ix_health_enrollments_facility_id'))

    op.drop_table('health_enrollments')
    with op.batch_alter_table('health_facilities', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_health_facilities_commune'))

    op.drop_table('health_facilities')
