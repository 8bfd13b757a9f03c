"""savings groups: groups, cycles, members, PINs, meetings and the append-only ledger

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22
"""
from alembic import op
import sqlalchemy as sa
import ussd_app.db


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


# The ledger only grows: the database itself refuses to change or delete an entry.
# (SQLite: UPDATE only, since its tests empty tables with DELETE; PostgreSQL: both. TRUNCATE,
# an operator's action, is not a row change and stays possible on PostgreSQL.)
PG_GUARD = """
CREATE FUNCTION savings_ledger_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'savings_ledger is append-only: add a reversing entry instead';
END $$;
CREATE TRIGGER savings_ledger_no_update BEFORE UPDATE ON savings_ledger
    FOR EACH ROW EXECUTE FUNCTION savings_ledger_append_only();
CREATE TRIGGER savings_ledger_no_delete BEFORE DELETE ON savings_ledger
    FOR EACH ROW EXECUTE FUNCTION savings_ledger_append_only();
"""
SQLITE_GUARD = """
CREATE TRIGGER savings_ledger_no_update BEFORE UPDATE ON savings_ledger
BEGIN
    SELECT RAISE(ABORT, 'savings_ledger is append-only: add a reversing entry instead');
END
"""


def _add_ledger_guard() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute(PG_GUARD)
    elif dialect == "sqlite":
        op.execute(SQLITE_GUARD)


def _drop_ledger_guard() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS savings_ledger_no_delete ON savings_ledger")
        op.execute("DROP TRIGGER IF EXISTS savings_ledger_no_update ON savings_ledger")
        op.execute("DROP FUNCTION IF EXISTS savings_ledger_append_only()")
    elif dialect == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS savings_ledger_no_update")


def upgrade() -> None:
    op.create_table('savings_groups',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('commune', sa.String(length=80), nullable=True),
    sa.Column('facility_code', sa.String(length=32), nullable=True),
    sa.Column('share_value', sa.Integer(), nullable=False),
    sa.Column('health_fund_per_meeting', sa.Integer(), nullable=False),
    sa.Column('min_shares', sa.Integer(), nullable=False),
    sa.Column('max_shares', sa.Integer(), nullable=False),
    sa.Column('created_at', ussd_app.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('health_fund_per_meeting >= 0', name=op.f('ck_savings_groups_health_fund_not_negative')),
    sa.CheckConstraint('min_shares >= 1 AND max_shares >= min_shares AND max_shares <= 9', name=op.f('ck_savings_groups_share_range')),
    sa.CheckConstraint('share_value > 0', name=op.f('ck_savings_groups_share_value_positive')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_savings_groups')),
    sa.UniqueConstraint('name', name=op.f('uq_savings_groups_name'))
    )
    with op.batch_alter_table('savings_groups', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_savings_groups_facility_code'), ['facility_code'], unique=False)

    op.create_table('savings_cycles',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('started_on', sa.Date(), nullable=False),
    sa.Column('ended_on', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['group_id'], ['savings_groups.id'], name=op.f('fk_savings_cycles_group_id_savings_groups')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_savings_cycles')),
    sa.UniqueConstraint('group_id', 'number', name=op.f('uq_savings_cycles_group_id_number'))
    )
    with op.batch_alter_table('savings_cycles', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_savings_cycles_group_id'), ['group_id'], unique=False)

    op.create_table('savings_members',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('phone', sa.String(length=16), nullable=False),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('joined_at', ussd_app.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("role IN ('member', 'treasurer', 'president')", name=op.f('ck_savings_members_role_known')),
    sa.CheckConstraint('number >= 1 AND number <= 99', name=op.f('ck_savings_members_number_range')),
    sa.ForeignKeyConstraint(['group_id'], ['savings_groups.id'], name=op.f('fk_savings_members_group_id_savings_groups')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_savings_members')),
    sa.UniqueConstraint('group_id', 'number', name=op.f('uq_savings_members_group_id_number')),
    sa.UniqueConstraint('phone', name=op.f('uq_savings_members_phone'))
    )
    with op.batch_alter_table('savings_members', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_savings_members_group_id'), ['group_id'], unique=False)

    op.create_table('savings_meetings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('cycle_id', sa.Integer(), nullable=False),
    sa.Column('held_on', sa.Date(), nullable=False),
    sa.Column('draft_key', sa.String(length=120), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', ussd_app.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['cycle_id'], ['savings_cycles.id'], name=op.f('fk_savings_meetings_cycle_id_savings_cycles')),
    sa.ForeignKeyConstraint(['group_id'], ['savings_groups.id'], name=op.f('fk_savings_meetings_group_id_savings_groups')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['savings_members.id'], name=op.f('fk_savings_meetings_recorded_by_id_savings_members')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_savings_meetings')),
    sa.UniqueConstraint('draft_key', name=op.f('uq_savings_meetings_draft_key')),
    sa.UniqueConstraint('group_id', 'held_on', name=op.f('uq_savings_meetings_group_id_held_on'))
    )
    with op.batch_alter_table('savings_meetings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_savings_meetings_cycle_id'), ['cycle_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_savings_meetings_group_id'), ['group_id'], unique=False)

    op.create_table('savings_pins',
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('pin_hash', sa.String(length=200), nullable=True),
    sa.Column('failed_attempts', sa.Integer(), nullable=False),
    sa.Column('lock_count', sa.Integer(), nullable=False),
    sa.Column('locked_until', ussd_app.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_failure_key', sa.String(length=200), nullable=True),
    sa.Column('updated_at', ussd_app.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['savings_members.id'], name=op.f('fk_savings_pins_member_id_savings_members')),
    sa.PrimaryKeyConstraint('member_id', name=op.f('pk_savings_pins'))
    )
    op.create_table('savings_ledger',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('cycle_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('shares', sa.Integer(), nullable=False),
    sa.Column('amount', sa.Integer(), nullable=False),
    sa.Column('reverses_id', sa.Integer(), nullable=True),
    sa.Column('idempotency_key', sa.String(length=200), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', ussd_app.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('shares', 'health_fund')", name=op.f('ck_savings_ledger_kind_known')),
    sa.CheckConstraint('(reverses_id IS NULL AND amount >= 0 AND shares >= 0) OR (reverses_id IS NOT NULL AND amount <= 0 AND shares <= 0)', name=op.f('ck_savings_ledger_sign')),
    sa.ForeignKeyConstraint(['cycle_id'], ['savings_cycles.id'], name=op.f('fk_savings_ledger_cycle_id_savings_cycles')),
    sa.ForeignKeyConstraint(['group_id'], ['savings_groups.id'], name=op.f('fk_savings_ledger_group_id_savings_groups')),
    sa.ForeignKeyConstraint(['meeting_id'], ['savings_meetings.id'], name=op.f('fk_savings_ledger_meeting_id_savings_meetings')),
    sa.ForeignKeyConstraint(['member_id'], ['savings_members.id'], name=op.f('fk_savings_ledger_member_id_savings_members')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['savings_members.id'], name=op.f('fk_savings_ledger_recorded_by_id_savings_members')),
    sa.ForeignKeyConstraint(['reverses_id'], ['savings_ledger.id'], name=op.f('fk_savings_ledger_reverses_id_savings_ledger')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_savings_ledger')),
    sa.UniqueConstraint('idempotency_key', name=op.f('uq_savings_ledger_idempotency_key')),
    sa.UniqueConstraint('reverses_id', name=op.f('uq_savings_ledger_reverses_id'))
    )
    with op.batch_alter_table('savings_ledger', schema=None) as batch_op:
        batch_op.create_index('ix_savings_ledger_group_cycle', ['group_id', 'cycle_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_savings_ledger_meeting_id'), ['meeting_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_savings_ledger_member_id'), ['member_id'], unique=False)
    _add_ledger_guard()



def downgrade() -> None:
    _drop_ledger_guard()
    with op.batch_alter_table('savings_ledger', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_savings_ledger_member_id'))
        batch_op.drop_index(batch_op.f('ix_savings_ledger_meeting_id'))
        batch_op.drop_index('ix_savings_ledger_group_cycle')

    op.drop_table('savings_ledger')
    op.drop_table('savings_pins')
    with op.batch_alter_table('savings_meetings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_savings_meetings_group_id'))
        batch_op.drop_index(batch_op.f('ix_savings_meetings_cycle_id'))

    op.drop_table('savings_meetings')
    with op.batch_alter_table('savings_members', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_savings_members_group_id'))

    op.drop_table('savings_members')
    with op.batch_alter_table('savings_cycles', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_savings_cycles_group_id'))

    op.drop_table('savings_cycles')
    with op.batch_alter_table('savings_groups', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_savings_groups_facility_code'))

    op.drop_table('savings_groups')
