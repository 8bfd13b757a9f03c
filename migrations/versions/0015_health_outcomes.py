"""health_outcomes: a pregnancy's or a child's outcome (born or lost), told by the mother or staff

One row per registration: the date, the sex (births), the reason code (losses), whether she
still wants general health information, who recorded it and through which channel.

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-29
"""
from alembic import op
import sqlalchemy as sa
import ussd_app.db


revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('health_outcomes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('enrollment_id', sa.Integer(), nullable=False),
    sa.Column('phone', sa.String(length=16), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('event_date', sa.Date(), nullable=False),
    sa.Column('sex', sa.String(length=1), nullable=True),
    sa.Column('reason_code', sa.String(length=32), nullable=True),
    sa.Column('child_enrollment_id', sa.Integer(), nullable=True),
    sa.Column('keep_information', sa.Boolean(), nullable=True),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('recorded_by', sa.String(length=64), nullable=False),
    sa.Column('request_key', sa.String(length=200), nullable=False),
    sa.Column('created_at', ussd_app.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['child_enrollment_id'], ['health_enrollments.id'],
                            name=op.f('fk_health_outcomes_child_enrollment_id_health_enrollments')),
    sa.ForeignKeyConstraint(['enrollment_id'], ['health_enrollments.id'],
                            name=op.f('fk_health_outcomes_enrollment_id_health_enrollments')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_health_outcomes')),
    sa.UniqueConstraint('enrollment_id', name=op.f('uq_health_outcomes_enrollment_id')),
    sa.UniqueConstraint('request_key', name=op.f('uq_health_outcomes_request_key'))
    )
    with op.batch_alter_table('health_outcomes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_health_outcomes_phone'), ['phone'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('health_outcomes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_health_outcomes_phone'))
    op.drop_table('health_outcomes')
