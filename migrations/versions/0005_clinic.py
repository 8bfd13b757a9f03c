"""clinic: staff accounts, API tokens, appointments, campaigns

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22
"""
from alembic import op
import sqlalchemy as sa
import ussd_app.db


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('clinic_api_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('facility_code', sa.String(length=32), nullable=True),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', ussd_app.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_used_at', ussd_app.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', ussd_app.db.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_clinic_api_tokens')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_clinic_api_tokens_token_hash'))
    )
    with op.batch_alter_table('clinic_api_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_clinic_api_tokens_facility_code'), ['facility_code'], unique=False)

    op.create_table('clinic_appointments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('facility_code', sa.String(length=32), nullable=False),
    sa.Column('phone', sa.String(length=16), nullable=False),
    sa.Column('enrollment_reference', sa.String(length=8), nullable=True),
    sa.Column('visit_date', sa.Date(), nullable=False),
    sa.Column('note', sa.String(length=200), nullable=False),
    sa.Column('idempotency_key', sa.String(length=80), nullable=False),
    sa.Column('created_by', sa.String(length=120), nullable=False),
    sa.Column('created_at', ussd_app.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('stopped_at', ussd_app.db.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_clinic_appointments')),
    sa.UniqueConstraint('idempotency_key', name=op.f('uq_clinic_appointments_idempotency_key'))
    )
    with op.batch_alter_table('clinic_appointments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_clinic_appointments_facility_code'), ['facility_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_clinic_appointments_phone'), ['phone'], unique=False)

    op.create_table('clinic_campaigns',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('facility_code', sa.String(length=32), nullable=True),
    sa.Column('idempotency_key', sa.String(length=80), nullable=False),
    sa.Column('created_by', sa.String(length=120), nullable=False),
    sa.Column('title', sa.String(length=120), nullable=False),
    sa.Column('audience_kind', sa.String(length=32), nullable=False),
    sa.Column('audience_params', sa.Text(), nullable=False),
    sa.Column('message_fr', sa.Text(), nullable=False),
    sa.Column('message_bm', sa.Text(), nullable=False),
    sa.Column('send_at', ussd_app.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('audience_total', sa.Integer(), nullable=False),
    sa.Column('planned_count', sa.Integer(), nullable=False),
    sa.Column('plan_cursor', sa.String(length=16), nullable=True),
    sa.Column('created_at', ussd_app.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('planning_touched_at', ussd_app.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('planned_at', ussd_app.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('cancelled_at', ussd_app.db.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_clinic_campaigns')),
    sa.UniqueConstraint('idempotency_key', name=op.f('uq_clinic_campaigns_idempotency_key'))
    )
    with op.batch_alter_table('clinic_campaigns', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_clinic_campaigns_facility_code'), ['facility_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_clinic_campaigns_status'), ['status'], unique=False)

    op.create_table('clinic_staff',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('display_name', sa.String(length=120), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('facility_code', sa.String(length=32), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', ussd_app.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_login_at', ussd_app.db.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_clinic_staff')),
    sa.UniqueConstraint('username', name=op.f('uq_clinic_staff_username'))
    )
    with op.batch_alter_table('clinic_staff', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_clinic_staff_facility_code'), ['facility_code'], unique=False)

    op.create_table('clinic_campaign_messages',
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('outbox_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['clinic_campaigns.id'], name=op.f('fk_clinic_campaign_messages_campaign_id_clinic_campaigns')),
    sa.ForeignKeyConstraint(['outbox_id'], ['sms_outbox.id'], name=op.f('fk_clinic_campaign_messages_outbox_id_sms_outbox')),
    sa.PrimaryKeyConstraint('campaign_id', 'outbox_id', name=op.f('pk_clinic_campaign_messages')),
    sa.UniqueConstraint('outbox_id', name=op.f('uq_clinic_campaign_messages_outbox_id'))
    )


def downgrade() -> None:
    op.drop_table('clinic_campaign_messages')
    with op.batch_alter_table('clinic_staff', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_clinic_staff_facility_code'))

    op.drop_table('clinic_staff')
    with op.batch_alter_table('clinic_campaigns', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_clinic_campaigns_status'))
        batch_op.drop_index(batch_op.f('ix_clinic_campaigns_facility_code'))

    op.drop_table('clinic_campaigns')
    with op.batch_alter_table('clinic_appointments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_clinic_appointments_phone'))
        batch_op.drop_index(batch_op.f('ix_clinic_appointments_facility_code'))

    op.drop_table('clinic_appointments')
    with op.batch_alter_table('clinic_api_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_clinic_api_tokens_facility_code'))

    op.drop_table('clinic_api_tokens')
