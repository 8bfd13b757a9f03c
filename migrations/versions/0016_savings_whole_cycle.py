"""savings: loans, repayments, fines, health-fund payouts, share-out; rules per cycle; several groups
per phone

The ledger gains kinds (see ussd_app/savings/models.py) and three columns: the loan a repayment
pays back, a payout's reason and the registration it helps with. Loans keep their terms in
savings_loans; each cycle's rules live in savings_rules (existing cycles get the defaults);
a phone may now be in several groups (unique per group); earlier phones are kept.

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-29
"""
from alembic import op
import sqlalchemy as sa
import ussd_app.db


revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None

KINDS = ("shares", "repayment", "charge", "fine", "carry_in", "loan", "share_out", "carry_out",
         "health_fund", "health_repayment", "health_payout")
OLD_KINDS = ("shares", "health_fund")
# Recreating the table (SQLite's batch mode) drops its trigger: it is put back.
SQLITE_GUARD = """
CREATE TRIGGER IF NOT EXISTS savings_ledger_no_update BEFORE UPDATE ON savings_ledger
BEGIN
    SELECT RAISE(ABORT, 'savings_ledger is append-only: add a reversing entry instead');
END
"""


def _kinds(kinds) -> str:
    return "kind IN (" + ", ".join(f"'{k}'" for k in kinds) + ")"


def _sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"


def upgrade() -> None:
    with op.batch_alter_table('savings_ledger', schema=None) as batch_op:
        batch_op.add_column(sa.Column('loan_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('reason', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('enrollment_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_savings_ledger_loan_id_savings_ledger'),
                                    'savings_ledger', ['loan_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_savings_ledger_enrollment_id_health_enrollments'),
                                    'health_enrollments', ['enrollment_id'], ['id'])
        batch_op.create_index(batch_op.f('ix_savings_ledger_loan_id'), ['loan_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_savings_ledger_enrollment_id'), ['enrollment_id'],
                              unique=False)
        batch_op.create_index('ix_savings_ledger_group_sums',
                              ['group_id', 'cycle_id', 'kind', 'amount'], unique=False)
        batch_op.create_index('ix_savings_ledger_member_sums',
                              ['member_id', 'cycle_id', 'kind', 'amount', 'shares'], unique=False)
        batch_op.drop_constraint(batch_op.f('ck_savings_ledger_kind_known'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_savings_ledger_kind_known'), _kinds(KINDS))
    if _sqlite():
        op.execute(SQLITE_GUARD)

    with op.batch_alter_table('savings_members', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_savings_members_phone'), type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_savings_members_group_id_phone'),
                                          ['group_id', 'phone'])
        batch_op.create_index(batch_op.f('ix_savings_members_phone'), ['phone'], unique=False)

    op.create_table('savings_rules',
    sa.Column('cycle_id', sa.Integer(), nullable=False),
    sa.Column('service_charge_pct', sa.Integer(), nullable=False),
    sa.Column('max_loan_multiple', sa.Integer(), nullable=False),
    sa.Column('loan_months', sa.Integer(), nullable=False),
    sa.Column('fine_late', sa.Integer(), nullable=False),
    sa.Column('fine_absent', sa.Integer(), nullable=False),
    sa.Column('health_mode', sa.String(length=8), nullable=False),
    sa.Column('updated_at', ussd_app.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('service_charge_pct >= 0 AND service_charge_pct <= 20', name=op.f('ck_savings_rules_charge_range')),
    sa.CheckConstraint('max_loan_multiple >= 1 AND max_loan_multiple <= 10', name=op.f('ck_savings_rules_multiple_range')),
    sa.CheckConstraint('loan_months >= 1 AND loan_months <= 12', name=op.f('ck_savings_rules_months_range')),
    sa.CheckConstraint('fine_late >= 0 AND fine_absent >= 0', name=op.f('ck_savings_rules_fines_not_negative')),
    sa.CheckConstraint("health_mode IN ('grants', 'loans')", name=op.f('ck_savings_rules_health_mode_known')),
    sa.ForeignKeyConstraint(['cycle_id'], ['savings_cycles.id'], name=op.f('fk_savings_rules_cycle_id_savings_cycles')),
    sa.PrimaryKeyConstraint('cycle_id', name=op.f('pk_savings_rules'))
    )
    op.create_table('savings_loans',
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('months', sa.Integer(), nullable=False),
    sa.Column('charge_pct', sa.Integer(), nullable=False),
    sa.Column('charge', sa.Integer(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.ForeignKeyConstraint(['entry_id'], ['savings_ledger.id'], name=op.f('fk_savings_loans_entry_id_savings_ledger')),
    sa.ForeignKeyConstraint(['group_id'], ['savings_groups.id'], name=op.f('fk_savings_loans_group_id_savings_groups')),
    sa.ForeignKeyConstraint(['member_id'], ['savings_members.id'], name=op.f('fk_savings_loans_member_id_savings_members')),
    sa.PrimaryKeyConstraint('entry_id', name=op.f('pk_savings_loans'))
    )
    with op.batch_alter_table('savings_loans', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_savings_loans_due_on'), ['due_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_savings_loans_group_id'), ['group_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_savings_loans_member_id'), ['member_id'], unique=False)
    op.create_table('savings_phone_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('old_phone', sa.String(length=16), nullable=False),
    sa.Column('new_phone', sa.String(length=16), nullable=False),
    sa.Column('changed_by', sa.String(length=40), nullable=False),
    sa.Column('changed_at', ussd_app.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['savings_members.id'], name=op.f('fk_savings_phone_changes_member_id_savings_members')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_savings_phone_changes'))
    )
    with op.batch_alter_table('savings_phone_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_savings_phone_changes_member_id'), ['member_id'],
                              unique=False)
    # Every open or past cycle gets the default rules (those of models.CycleRules).
    op.execute("INSERT INTO savings_rules (cycle_id, service_charge_pct, max_loan_multiple, "
               "loan_months, fine_late, fine_absent, health_mode, updated_at) "
               "SELECT id, 5, 3, 3, 100, 250, 'grants', CURRENT_TIMESTAMP FROM savings_cycles")


def downgrade() -> None:
    op.drop_table('savings_phone_changes')
    op.drop_table('savings_loans')
    op.drop_table('savings_rules')
    with op.batch_alter_table('savings_members', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_savings_members_phone'))
        batch_op.drop_constraint(batch_op.f('uq_savings_members_group_id_phone'), type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_savings_members_phone'), ['phone'])
    with op.batch_alter_table('savings_ledger', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_savings_ledger_kind_known'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_savings_ledger_kind_known'),
                                         _kinds(OLD_KINDS))
        batch_op.drop_index('ix_savings_ledger_member_sums')
        batch_op.drop_index('ix_savings_ledger_group_sums')
        batch_op.drop_index(batch_op.f('ix_savings_ledger_enrollment_id'))
        batch_op.drop_index(batch_op.f('ix_savings_ledger_loan_id'))
        batch_op.drop_constraint(batch_op.f('fk_savings_ledger_enrollment_id_health_enrollments'),
                                 type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_savings_ledger_loan_id_savings_ledger'),
                                 type_='foreignkey')
        batch_op.drop_column('enrollment_id')
        batch_op.drop_column('reason')
        batch_op.drop_column('loan_id')
    if _sqlite():
        op.execute(SQLITE_GUARD)
