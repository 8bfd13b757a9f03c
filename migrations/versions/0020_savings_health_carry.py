"""savings: the health fund moves from cycle to cycle by carry entries

A group's health fund was summed over every cycle of the group, so a balance screen read the
group's whole history. The share-out now writes two more entries: what the health fund holds
leaves the closed cycle (health_carry_out) and enters the next one (health_carry_in), so both
boxes are sums over the current cycle. Cycles already closed get the same two entries here, in
cycle order (each carry includes the one before); a carry out and its carry in cancel, so the
sum over every cycle, and every earlier figure, is unchanged. The downgrade removes them.

Revision ID: 0020
Revises: 0019
Create Date: 2026-11-29
"""
from alembic import op
import sqlalchemy as sa


revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None

OLD_KINDS = ("shares", "repayment", "charge", "fine", "carry_in", "loan", "share_out", "carry_out",
             "health_fund", "health_repayment", "health_payout")
KINDS = (*OLD_KINDS, "health_carry_in", "health_carry_out")
HEALTH_IN = ("health_fund", "health_repayment", "health_carry_in")
HEALTH_OUT = ("health_payout", "health_carry_out")
# Recreating the table (SQLite's batch mode) drops its trigger: it is put back.
SQLITE_GUARD = """
CREATE TRIGGER IF NOT EXISTS savings_ledger_no_update BEFORE UPDATE ON savings_ledger
BEGIN
    SELECT RAISE(ABORT, 'savings_ledger is append-only: add a reversing entry instead');
END
"""


def _kinds(kinds) -> str:
    return "kind IN (" + ", ".join(f"'{k}'" for k in kinds) + ")"


def _quoted(kinds) -> str:
    return ", ".join(f"'{k}'" for k in kinds)


def _set_kinds(kinds) -> None:
    with op.batch_alter_table('savings_ledger', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_savings_ledger_kind_known'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_savings_ledger_kind_known'), _kinds(kinds))
    if op.get_bind().dialect.name == "sqlite":
        op.execute(SQLITE_GUARD)


def _carry_closed_cycles(conn) -> None:
    health = sa.text(
        f"SELECT COALESCE(SUM(CASE WHEN kind IN ({_quoted(HEALTH_IN)}) THEN amount "
        f"WHEN kind IN ({_quoted(HEALTH_OUT)}) THEN -amount ELSE 0 END), 0) "
        "FROM savings_ledger WHERE group_id = :g AND cycle_id = :c")
    # Who closed it (the share-out's carry entry), else the group's first member.
    closer = sa.text(
        "SELECT COALESCE((SELECT MIN(member_id) FROM savings_ledger WHERE cycle_id = :c "
        "AND kind = 'carry_out'), (SELECT MIN(id) FROM savings_members WHERE group_id = :g))")
    insert = sa.text(
        "INSERT INTO savings_ledger (group_id, cycle_id, member_id, kind, shares, amount, "
        "idempotency_key, recorded_by_id, created_at) "
        "VALUES (:g, :c, :m, :kind, 0, :amount, :key, :m, :at)")
    cycles = conn.execute(sa.text(
        "SELECT id, group_id, number, ended_on FROM savings_cycles "
        "ORDER BY group_id, number")).all()
    for cycle, following in zip(cycles, cycles[1:]):
        cycle_id, group_id, _, ended_on = cycle
        if ended_on is None or following[1] != group_id:
            continue
        amount = int(conn.execute(health, {"g": group_id, "c": cycle_id}).scalar())
        member = conn.execute(closer, {"g": group_id, "c": cycle_id}).scalar()
        if amount == 0 or member is None:
            continue  # nothing to move (and no one to write it for)
        at = conn.execute(sa.text("SELECT MAX(created_at) FROM savings_ledger WHERE cycle_id = :c"),
                          {"c": cycle_id}).scalar()
        for cycle_of, kind, key in ((cycle_id, "health_carry_out", f"cycle:{cycle_id}:health-out"),
                                    (following[0], "health_carry_in",
                                     f"cycle:{cycle_id}:health-in")):
            conn.execute(insert, {"g": group_id, "c": cycle_of, "m": member, "kind": kind,
                                  "amount": amount, "key": key, "at": at})


def upgrade() -> None:
    _set_kinds(KINDS)
    _carry_closed_cycles(op.get_bind())


def downgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    if postgresql:  # the only removal ever: entries this revision added
        op.execute("ALTER TABLE savings_ledger DISABLE TRIGGER savings_ledger_no_delete")
    op.execute("DELETE FROM savings_ledger WHERE kind IN ('health_carry_in', 'health_carry_out')")
    if postgresql:
        op.execute("ALTER TABLE savings_ledger ENABLE TRIGGER savings_ledger_no_delete")
    _set_kinds(OLD_KINDS)
