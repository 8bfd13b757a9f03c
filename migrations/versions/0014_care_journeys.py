"""Care journeys: doses given, antenatal contacts attended, the centres giving the R21 vaccine

health_doses_given and health_antenatal_contacts keep what the centre recorded (dashboard, API,
the register's CSV), each row under a unique client key. health_facilities.malaria_vaccine: only
some districts give R21 (ussd_app/health/data/calendar.toml); existing centres start without it,
set with `ussd-app facilities malaria-vaccine CODE on` or a facilities CSV.

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-29
"""
from alembic import op
import sqlalchemy as sa

import ussd_app.db


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('health_facilities', schema=None) as batch_op:
        batch_op.add_column(sa.Column('malaria_vaccine', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
    op.create_table(
        'health_doses_given',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('enrollment_id', sa.Integer(), nullable=False),
        sa.Column('antigen', sa.String(length=16), nullable=False),
        sa.Column('dose', sa.Integer(), nullable=False),
        sa.Column('given_on', sa.Date(), nullable=False),
        sa.Column('facility_code', sa.String(length=32), nullable=False),
        sa.Column('recorded_by', sa.String(length=80), nullable=False),
        sa.Column('client_key', sa.String(length=160), nullable=False),
        sa.Column('created_at', ussd_app.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['enrollment_id'], ['health_enrollments.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('client_key'),
        sa.UniqueConstraint('enrollment_id', 'antigen', 'dose'))
    op.create_index('ix_health_doses_given_enrollment_id', 'health_doses_given', ['enrollment_id'])
    op.create_index('ix_health_doses_given_facility_code', 'health_doses_given', ['facility_code'])
    op.create_table(
        'health_antenatal_contacts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('enrollment_id', sa.Integer(), nullable=False),
        sa.Column('attended_on', sa.Date(), nullable=False),
        sa.Column('facility_code', sa.String(length=32), nullable=False),
        sa.Column('recorded_by', sa.String(length=80), nullable=False),
        sa.Column('client_key', sa.String(length=160), nullable=False),
        sa.Column('created_at', ussd_app.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['enrollment_id'], ['health_enrollments.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('client_key'),
        sa.UniqueConstraint('enrollment_id', 'attended_on'))
    op.create_index('ix_health_antenatal_contacts_enrollment_id', 'health_antenatal_contacts', ['enrollment_id'])
    op.create_index('ix_health_antenatal_contacts_facility_code', 'health_antenatal_contacts', ['facility_code'])


def downgrade() -> None:
    op.drop_table('health_antenatal_contacts')
    op.drop_table('health_doses_given')
    with op.batch_alter_table('health_facilities', schema=None) as batch_op:
        batch_op.drop_column('malaria_vaccine')
