"""The append-only ledger: writing entries, reversing one, and balances as sums.

Nothing here updates or deletes an entry; the ORM refuses to (events below) and, on
PostgreSQL, so does the database (trigger in migration 0003). Writes are keyed: calling a
write again with the same idempotency key returns the entry already written.

The group's cash is two boxes, the loan fund and the health fund, each a sum over the current
cycle's entries (models.LOAN_FUND_IN and the others say which kinds go in and out); the
share-out moves the health fund, never shared out, to the next cycle by two carry entries.
A write that takes money out of a box (a loan, a payout, a share-out, or the reversal of money
in) first locks the group's row and checks the box can pay it, so no box ever goes negative,
even with two treasurers confirming at once.

"Still standing" (not reversed) is a NOT EXISTS probe of the unique index on `reverses_id`
for each of the caller's rows, never a read of every reversal in the country.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, event, exists, func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased

from ussd_app.savings.models import (CARRY_KINDS, ENTRY_KINDS, HEALTH_FUND_IN, HEALTH_FUND_OUT,
                                     LOAN_FUND_IN, LOAN_FUND_OUT, PAYOUT_REASONS, Cycle,
                                     LedgerEntry, Member, SavingsGroup)

# Reference quoted in disputes: the entry number and a check letter (catches a mistyped digit).
CHECK_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"

# The largest entry: 9 shares of the largest share value (groups.MAX_SHARE_VALUE), or the largest
# health-fund contribution. Columns are 32-bit integers (up to 2 147 483 647): a member's cycle of
# a year of weekly meetings at these limits is 52 x 10 000 000 = 520 000 000, a quarter of that;
# sums (balances, a group's funds) are never stored, and the database adds them up in 64 bits.
MAX_ENTRY_AMOUNT = 9_000_000
MAX_CARRY_AMOUNT = 2_147_483_647  # a box moved to the next cycle: the column's limit


class LedgerError(Exception):
    """A write the ledger refuses."""


class AlreadyReversed(LedgerError):
    """The entry was corrected by someone else (maybe a moment ago, in a parallel session)."""


class AppendOnlyViolation(LedgerError):
    pass


class NotEnoughInBox(LedgerError):
    """The loan fund or the health fund cannot pay this."""


@event.listens_for(LedgerEntry, "before_update")
def _refuse_update(mapper, connection, target) -> None:
    raise AppendOnlyViolation("ledger entries are never changed: add a reversing entry")


@event.listens_for(LedgerEntry, "before_delete")
def _refuse_delete(mapper, connection, target) -> None:
    raise AppendOnlyViolation("ledger entries are never deleted: add a reversing entry")


@event.listens_for(Session, "do_orm_execute")
def _refuse_bulk_change(state) -> None:
    if (state.is_update or state.is_delete) and any(
            m.class_ is LedgerEntry for m in state.all_mappers):
        raise AppendOnlyViolation("ledger entries are never changed or deleted")


def reference(entry_id: int) -> str:
    digits = str(entry_id)
    weighted = sum((i + 1) * int(d) for i, d in enumerate(reversed(digits)))
    return f"{digits}{CHECK_LETTERS[weighted % len(CHECK_LETTERS)]}"


def entry_by_reference(db, ref: str) -> LedgerEntry | None:
    ref = ref.strip().upper()
    if len(ref) < 2 or not ref[:-1].isdigit() or reference(int(ref[:-1])) != ref:
        return None
    return db.get(LedgerEntry, int(ref[:-1]))


def _check_whole(**values: object) -> None:
    for name, value in values.items():
        if type(value) is not int:  # bool and float are refused too
            raise LedgerError(f"{name} must be a whole number, got {value!r}")


def by_key(db, idempotency_key: str) -> LedgerEntry | None:
    return db.scalar(select(LedgerEntry).where(LedgerEntry.idempotency_key == idempotency_key))


def lock_group(db, group_id: int) -> None:
    """Serialise money going out of one group's boxes: a row lock on PostgreSQL. On SQLite the
    driver starts a transaction at its first write, and reads before it see whatever was last
    committed: a write that changes nothing takes SQLite's one writer lock now, before the
    boxes are read, so a second treasurer waits for the first to commit."""
    if db.get_bind().dialect.name == "sqlite":
        db.execute(text("UPDATE savings_groups SET id = id WHERE id = :id"), {"id": group_id})
    else:
        db.get(SavingsGroup, group_id, with_for_update=True)


def _box_check(db, *, group_id: int, cycle_id: int, kind: str, amount: int) -> None:
    """Refuse a write that would take a box below zero (`amount` is signed: a reversal's is < 0)."""
    into_loan_fund = kind in LOAN_FUND_IN and amount < 0 or kind in LOAN_FUND_OUT and amount > 0
    into_health = kind in HEALTH_FUND_IN and amount < 0 or kind in HEALTH_FUND_OUT and amount > 0
    if not (into_loan_fund or into_health):
        return  # money in: no box can go below zero by it
    lock_group(db, group_id)
    boxes = group_balance(db, group_id, cycle_id)
    available = boxes.loan_fund if into_loan_fund else boxes.health_fund
    if abs(amount) > available:
        box = "loan fund" if into_loan_fund else "health fund"
        raise NotEnoughInBox(f"the {box} holds {available} XOF, not {abs(amount)}")


def add_entry(db, *, member: Member, cycle_id: int, kind: str, amount: int, shares: int = 0,
              idempotency_key: str, now: datetime, meeting_id: int | None = None,
              recorded_by_id: int | None = None, loan_id: int | None = None,
              reason: str | None = None, enrollment_id: int | None = None) -> LedgerEntry:
    """Add one movement of money (its kind says which way). Idempotent on the key."""
    _check_whole(amount=amount, shares=shares)
    if kind not in ENTRY_KINDS:
        raise LedgerError(f"unknown entry kind {kind!r}")
    if amount < 0 or shares < 0:
        raise LedgerError("an amount is not negative; corrections are reversals")
    most = MAX_CARRY_AMOUNT if kind in CARRY_KINDS else MAX_ENTRY_AMOUNT
    if amount > most:
        raise LedgerError(f"an entry is at most {most} XOF, not {amount}")
    if reason is not None and reason not in PAYOUT_REASONS:
        raise LedgerError(f"reason must be one of {', '.join(PAYOUT_REASONS)}")
    existing = by_key(db, idempotency_key)
    if existing is not None:
        return existing
    _box_check(db, group_id=member.group_id, cycle_id=cycle_id, kind=kind, amount=amount)
    entry = LedgerEntry(group_id=member.group_id, cycle_id=cycle_id, member_id=member.id,
                        meeting_id=meeting_id, kind=kind, shares=shares, amount=amount,
                        idempotency_key=idempotency_key, recorded_by_id=recorded_by_id,
                        loan_id=loan_id, reason=reason, enrollment_id=enrollment_id,
                        created_at=now)
    db.add(entry)
    db.flush()
    return entry


def reversal_of(db, entry: LedgerEntry) -> LedgerEntry | None:
    return db.scalar(select(LedgerEntry).where(LedgerEntry.reverses_id == entry.id))


def reverse_entry(db, entry: LedgerEntry, *, idempotency_key: str, now: datetime,
                  recorded_by_id: int | None = None) -> LedgerEntry:
    """The entry that cancels `entry`. An entry is reversed once; a reversal is never reversed."""
    if entry.reverses_id is not None:
        raise LedgerError("a reversal cannot be reversed")
    if entry.kind in CARRY_KINDS or db.get(Cycle, entry.cycle_id).ended_on is not None:
        # Its cycle's boxes were moved on: a change there would be lost from the current ones.
        raise LedgerError("a closed cycle's entries stay as they are")
    existing = reversal_of(db, entry)
    if existing is not None:
        if existing.idempotency_key == idempotency_key:
            return existing
        raise AlreadyReversed(f"entry {reference(entry.id)} is already reversed")
    if entry.kind == "loan" and db.scalar(select(standing_entries().where(
            LedgerEntry.loan_id == entry.id).exists())):
        raise LedgerError("cancel this loan's repayments first")
    _box_check(db, group_id=entry.group_id, cycle_id=entry.cycle_id, kind=entry.kind,
               amount=-entry.amount)
    reversal = LedgerEntry(group_id=entry.group_id, cycle_id=entry.cycle_id,
                           member_id=entry.member_id, meeting_id=entry.meeting_id, kind=entry.kind,
                           shares=-entry.shares, amount=-entry.amount, reverses_id=entry.id,
                           loan_id=entry.loan_id, reason=entry.reason,
                           enrollment_id=entry.enrollment_id,
                           idempotency_key=idempotency_key, recorded_by_id=recorded_by_id,
                           created_at=now)
    db.add(reversal)
    ref = reference(entry.id)  # read now: a failed flush expires the entry
    try:
        db.flush()
    except IntegrityError as exc:
        # A parallel transaction reversed it first (reverses_id is unique): this one must be
        # rolled back, and the caller told.
        raise AlreadyReversed(f"entry {ref} was reversed meanwhile") from exc
    return reversal


def not_reversed():
    """The condition "this entry still stands": no reversal names it (one index probe per row)."""
    reversal = aliased(LedgerEntry)
    return ~exists().where(reversal.reverses_id == LedgerEntry.id)


def standing_entries():
    """Original entries (not reversals) that no reversal cancels.

    "Not a reversal" is written so no planner takes it for an index condition: on SQLite,
    `reverses_id IS NULL` led the planner to walk the unique index over every original entry of
    every group instead of the caller's member or group index."""
    return select(LedgerEntry).where(func.coalesce(LedgerEntry.reverses_id, 0) == 0,
                                     not_reversed())


@dataclass(frozen=True)
class MemberBalance:
    shares: int
    savings: int  # XOF
    health_paid: int  # XOF
    fines: int = 0  # XOF paid this cycle
    loan_principal_out: int = 0  # XOF lent to her and not yet repaid (principal only)
    health_received: int = 0  # XOF paid to her by the health fund (every cycle)


@dataclass(frozen=True)
class GroupBalance:
    loan_fund: int  # XOF: the cycle's cash for loans (see the module docstring)
    health_fund: int  # XOF: never shared out, carried from cycle to cycle


def _signed(kinds_in, kinds_out):
    """Each entry's amount with the sign of its effect on one box (0 for other kinds)."""
    return func.coalesce(func.sum(case(
        (LedgerEntry.kind.in_(kinds_in), LedgerEntry.amount),
        (LedgerEntry.kind.in_(kinds_out), -LedgerEntry.amount), else_=0)), 0)


def _by_kind(kind: str, column=None):
    column = LedgerEntry.amount if column is None else column
    return func.coalesce(func.sum(case((LedgerEntry.kind == kind, column), else_=0)), 0)


def member_balance(db, member_id: int, cycle_id: int) -> MemberBalance:
    """Her sums for the cycle in one query over her own rows (the health fund's: every cycle)."""
    row = db.execute(select(
        _by_kind("shares", LedgerEntry.shares), _by_kind("shares"), _by_kind("fine"), _by_kind("loan"), _by_kind("repayment"),
    ).where(LedgerEntry.member_id == member_id, LedgerEntry.cycle_id == cycle_id)).one()
    health = db.execute(select(_by_kind("health_fund"), _by_kind("health_payout")).where(
        LedgerEntry.member_id == member_id)).one()
    shares, savings, fines, lent, repaid = (int(x) for x in row)
    return MemberBalance(shares=shares, savings=savings, health_paid=int(health[0]), fines=fines,
                         loan_principal_out=lent - repaid, health_received=int(health[1]))


def group_balance(db, group_id: int, cycle_id: int) -> GroupBalance:
    """Both boxes in one query over the cycle's rows of the group (a closed cycle's are 0)."""
    loan_fund, health_fund = db.execute(select(
        _signed(LOAN_FUND_IN, LOAN_FUND_OUT), _signed(HEALTH_FUND_IN, HEALTH_FUND_OUT)).where(
        LedgerEntry.group_id == group_id, LedgerEntry.cycle_id == cycle_id)).one()
    return GroupBalance(loan_fund=int(loan_fund), health_fund=int(health_fund))


def _sum(db, *columns_and_filters) -> int:
    column, *filters = columns_and_filters
    return int(db.scalar(select(func.coalesce(func.sum(column), 0)).where(*filters)))


def meeting_totals(db, meeting_id: int) -> tuple[int, int, int]:
    """(shares, shares in XOF, health fund in XOF) of a meeting, corrections included."""
    of_meeting = LedgerEntry.meeting_id == meeting_id
    return (_sum(db, LedgerEntry.shares, of_meeting, LedgerEntry.kind == "shares"),
            _sum(db, LedgerEntry.amount, of_meeting, LedgerEntry.kind == "shares"),
            _sum(db, LedgerEntry.amount, of_meeting, LedgerEntry.kind == "health_fund"))


def standing_health_entry(db, purchase: LedgerEntry) -> LedgerEntry | None:
    """The health-fund contribution paid at the same meeting as `purchase`, if not cancelled."""
    if purchase.meeting_id is None:
        return None
    return db.scalar(standing_entries().where(
        LedgerEntry.meeting_id == purchase.meeting_id, LedgerEntry.member_id == purchase.member_id,
        LedgerEntry.kind == "health_fund").limit(1))


def last_contribution(db, member_id: int, cycle_id: int) -> LedgerEntry | None:
    """Her latest share purchase that still stands (not reversed, not itself a reversal)."""
    return db.scalar(standing_entries().where(
        LedgerEntry.member_id == member_id, LedgerEntry.cycle_id == cycle_id,
        LedgerEntry.kind == "shares").order_by(LedgerEntry.id.desc()).limit(1))


def count_purchases(db, member_id: int, cycle_id: int) -> int:
    """Her share purchases of the cycle that still stand."""
    return int(db.scalar(select(func.count()).select_from(standing_entries().where(
        LedgerEntry.member_id == member_id, LedgerEntry.cycle_id == cycle_id,
        LedgerEntry.kind == "shares").subquery())))


def correctable_entries(db, group_id: int, limit: int = 8, kinds: tuple[str, ...] = ("shares",),
                        cycle_id: int | None = None) -> list[LedgerEntry]:
    """The group's latest entries of these kinds that still stand, newest first (of one cycle:
    a closed cycle's are shared out and stay as they are)."""
    query = standing_entries().where(LedgerEntry.group_id == group_id, LedgerEntry.kind.in_(kinds))
    if cycle_id is not None:
        query = query.where(LedgerEntry.cycle_id == cycle_id)
    return list(db.scalars(query.order_by(LedgerEntry.id.desc()).limit(limit)))
