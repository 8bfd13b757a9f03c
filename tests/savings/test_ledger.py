"""The ledger: append-only at every level, reversals once, balances equal the sums, whole numbers."""

from datetime import date, datetime, timezone

import pytest
from sqlalchemy import delete, func, select, text, update
from sqlalchemy.exc import DBAPIError, IntegrityError

from tests.conftest import TEST_NOW
from ussd_app.savings.groups import current_cycle
from ussd_app.savings.ledger import (
    AppendOnlyViolation,
    LedgerError,
    add_entry,
    entry_by_reference,
    group_balance,
    member_balance,
    reference,
    reverse_entry,
)
from ussd_app.savings.models import LedgerEntry
from ussd_app.savings.recording import (
    MeetingAlreadyRecorded,
    correct_entry,
    draft_key,
    record_meeting,
)

pytestmark = pytest.mark.dates  # run again under shifted clocks (scripts/test)

NOW = datetime(2026, 11, 22, 9, tzinfo=timezone.utc)


def _entry(db, member, key="k1", shares=2):
    cycle = current_cycle(db, member.group_id)
    return add_entry(db, member=member, cycle_id=cycle.id, kind="shares", shares=shares,
                     amount=shares * 500, idempotency_key=key, now=NOW)


def test_an_entry_cannot_be_changed_or_deleted_through_the_orm(make_group, db):
    _, members = make_group(size=2)
    entry = _entry(db, members[0])
    db.commit()
    entry.amount = 1
    with pytest.raises(AppendOnlyViolation):
        db.flush()
    db.rollback()
    db.delete(db.get(LedgerEntry, entry.id))
    with pytest.raises(AppendOnlyViolation):
        db.flush()
    db.rollback()
    with pytest.raises(AppendOnlyViolation):
        db.execute(update(LedgerEntry).values(amount=0))
    with pytest.raises(AppendOnlyViolation):
        db.execute(delete(LedgerEntry))


def test_the_database_refuses_an_update_even_in_raw_sql(make_group, db):
    _, members = make_group(size=2)
    _entry(db, members[0])
    db.commit()
    with pytest.raises(DBAPIError, match="append-only"):
        db.execute(text("UPDATE savings_ledger SET amount = 0"))
    db.rollback()


def test_postgresql_refuses_a_raw_delete(make_group, db, backend):
    if backend != "postgresql":
        pytest.skip("SQLite keeps the ORM guard only for DELETE (see migration 0003)")
    _, members = make_group(size=2)
    _entry(db, members[0])
    db.commit()
    with pytest.raises(DBAPIError, match="append-only"):
        db.execute(text("DELETE FROM savings_ledger"))
    db.rollback()


def test_the_same_key_writes_once(make_group, db):
    _, members = make_group(size=2)
    first = _entry(db, members[0], key="same")
    again = _entry(db, members[0], key="same", shares=5)
    assert again.id == first.id
    assert db.scalar(select(func.count()).select_from(LedgerEntry)) == 1


def test_the_unique_key_holds_in_the_database(make_group, db):
    group, members = make_group(size=2)
    _entry(db, members[0], key="dup")
    cycle = current_cycle(db, group.id)
    db.add(LedgerEntry(group_id=group.id, cycle_id=cycle.id, member_id=members[0].id, kind="shares",
                       shares=1, amount=500, idempotency_key="dup", created_at=NOW))
    with pytest.raises(IntegrityError):
        db.flush()
    db.rollback()


def test_an_entry_is_reversed_once_and_a_reversal_never(make_group, db):
    group, members = make_group(size=2)
    entry = _entry(db, members[0])
    reversal = reverse_entry(db, entry, idempotency_key="r1", now=NOW)
    assert (reversal.shares, reversal.amount, reversal.reverses_id) == (-2, -1000, entry.id)
    assert reverse_entry(db, entry, idempotency_key="r1", now=TEST_NOW).id == reversal.id  # a retry
    with pytest.raises(LedgerError, match="already reversed"):
        reverse_entry(db, entry, idempotency_key="r2", now=TEST_NOW)
    with pytest.raises(LedgerError, match="cannot be reversed"):
        reverse_entry(db, reversal, idempotency_key="r3", now=TEST_NOW)
    cycle = current_cycle(db, group.id)
    db.add(LedgerEntry(group_id=group.id, cycle_id=cycle.id, member_id=members[0].id, kind="shares",
                       shares=-2, amount=-1000, reverses_id=entry.id, idempotency_key="r4",
                       created_at=NOW))
    with pytest.raises(IntegrityError):  # the unique constraint, whatever the code does
        db.flush()
    db.rollback()


@pytest.mark.parametrize("amount", [2.5, True, "500", -500])
def test_amounts_are_whole_positive_numbers(make_group, db, amount):
    _, members = make_group(size=1)
    cycle = current_cycle(db, members[0].group_id)
    with pytest.raises(LedgerError):
        add_entry(db, member=members[0], cycle_id=cycle.id, kind="shares", shares=1, amount=amount,
                  idempotency_key="x", now=TEST_NOW)


@pytest.mark.parametrize("amount", [9_000_001, 500_000_000, 3_000_000_000])
def test_no_entry_can_overflow_its_column(make_group, db, amount):
    _, members = make_group(size=1)
    cycle = current_cycle(db, members[0].group_id)
    with pytest.raises(LedgerError, match="at most 9000000"):
        add_entry(db, member=members[0], cycle_id=cycle.id, kind="shares", shares=1, amount=amount,
                  idempotency_key="x", now=TEST_NOW)
    db.rollback()


def test_balances_are_the_sums_of_the_ledger(make_group, db):
    group, members = make_group(size=4)
    day = date(2026, 11, 15)
    record_meeting(db, group, day=day, key=draft_key(group.id, day, "a"),
                   shares_by_member={m.id: n for m, n in zip(members, [1, 0, 3, 5])},
                   recorded_by_id=members[0].id, now=NOW)
    wrong = db.scalar(select(LedgerEntry).where(LedgerEntry.member_id == members[3].id,
                                                LedgerEntry.kind == "shares"))
    correct_entry(db, group, wrong, new_shares=4, key="fix", recorded_by_id=members[0].id, now=NOW)
    absent = db.scalar(select(LedgerEntry).where(LedgerEntry.member_id == members[2].id,
                                                 LedgerEntry.kind == "shares"))
    correct_entry(db, group, absent, new_shares=None, key="fix2", recorded_by_id=None, now=NOW)
    cycle = current_cycle(db, group.id)
    for member, shares in zip(members, [1, 0, 0, 4]):
        balance = member_balance(db, member.id, cycle.id)
        assert (balance.shares, balance.savings) == (shares, shares * 500)
        assert balance.savings == db.scalar(select(func.coalesce(func.sum(LedgerEntry.amount), 0)).where(
            LedgerEntry.member_id == member.id, LedgerEntry.kind == "shares"))
    totals = group_balance(db, group.id, cycle.id)
    assert totals.loan_fund == 5 * 500
    assert totals.health_fund == 2 * 250  # members 1 and 4; member 3's was cancelled with her shares
    assert all(type(v) is int for v in (totals.loan_fund, totals.health_fund))


def test_one_meeting_per_group_and_day(make_group, db):
    group, members = make_group(size=2)
    day = date(2026, 11, 15)
    shares = {members[0].id: 1, members[1].id: 2}
    first = record_meeting(db, group, day=day, key="draft-a", shares_by_member=shares,
                           recorded_by_id=None, now=NOW)
    assert record_meeting(db, group, day=day, key="draft-a", shares_by_member=shares,
                          recorded_by_id=None, now=NOW).meeting.id == first.meeting.id
    with pytest.raises(MeetingAlreadyRecorded):
        record_meeting(db, group, day=day, key="draft-b", shares_by_member=shares,
                       recorded_by_id=None, now=NOW)


def test_references_carry_a_check_letter(make_group, db):
    _, members = make_group(size=1)
    entry = _entry(db, members[0])
    ref = reference(entry.id)
    assert entry_by_reference(db, ref.lower()).id == entry.id
    wrong_digit = str(entry.id + 1) + ref[-1]
    assert entry_by_reference(db, wrong_digit) is None
