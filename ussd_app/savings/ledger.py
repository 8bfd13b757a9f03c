"""The append-only ledger: writing entries, reversing one, and balances as sums.

Nothing here updates or deletes an entry; the ORM refuses to (events below) and, on
PostgreSQL, so does the database (trigger in migration 0003). Writes are keyed: calling a
write again with the same idempotency key returns the entry already written.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import event, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ussd_app.savings.models import LedgerEntry, Member

# Reference quoted in disputes: the entry number and a check letter (catches a mistyped digit).
CHECK_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"

# The largest entry: 9 shares of the largest share value (groups.MAX_SHARE_VALUE), or the largest
# health-fund contribution. Columns are 32-bit integers (up to 2 147 483 647): a member's cycle of
# a year of weekly meetings at these limits is 52 x 10 000 000 = 520 000 000, a quarter of that;
# sums (balances, a group's funds) are never stored, and the database adds them up in 64 bits.
MAX_ENTRY_AMOUNT = 9_000_000


class LedgerError(Exception):
    pass


class AlreadyReversed(LedgerError):
    """The entry was corrected by someone else (maybe a moment ago, in a parallel session)."""


class AppendOnlyViolation(LedgerError):
    pass


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


def add_entry(db, *, member: Member, cycle_id: int, kind: str, amount: int, shares: int = 0,
              idempotency_key: str, now: datetime, meeting_id: int | None = None,
              recorded_by_id: int | None = None) -> LedgerEntry:
    """Add money in (shares bought, health-fund contribution). Idempotent on the key."""
    _check_whole(amount=amount, shares=shares)
    if amount < 0 or shares < 0:
        raise LedgerError("money in is not negative; corrections are reversals")
    if amount > MAX_ENTRY_AMOUNT:
        raise LedgerError(f"an entry is at most {MAX_ENTRY_AMOUNT} XOF, not {amount}")
    existing = db.scalar(select(LedgerEntry).where(LedgerEntry.idempotency_key == idempotency_key))
    if existing is not None:
        return existing
    entry = LedgerEntry(group_id=member.group_id, cycle_id=cycle_id, member_id=member.id,
                        meeting_id=meeting_id, kind=kind, shares=shares, amount=amount,
                        idempotency_key=idempotency_key, recorded_by_id=recorded_by_id,
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
    existing = reversal_of(db, entry)
    if existing is not None:
        if existing.idempotency_key == idempotency_key:
            return existing
        raise AlreadyReversed(f"entry {reference(entry.id)} is already reversed")
    reversal = LedgerEntry(group_id=entry.group_id, cycle_id=entry.cycle_id,
                           member_id=entry.member_id, meeting_id=entry.meeting_id, kind=entry.kind,
                           shares=-entry.shares, amount=-entry.amount, reverses_id=entry.id,
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


@dataclass(frozen=True)
class MemberBalance:
    shares: int
    savings: int  # XOF
    health_paid: int  # XOF


@dataclass(frozen=True)
class GroupBalance:
    loan_fund: int  # XOF: shares bought this cycle (no loans are recorded yet)
    health_fund: int  # XOF: every cycle, never shared out


def _sum(db, *columns_and_filters) -> int:
    column, *filters = columns_and_filters
    return int(db.scalar(select(func.coalesce(func.sum(column), 0)).where(*filters)))


def member_balance(db, member_id: int, cycle_id: int) -> MemberBalance:
    in_cycle = (LedgerEntry.member_id == member_id, LedgerEntry.cycle_id == cycle_id)
    shares_kind = LedgerEntry.kind == "shares"
    return MemberBalance(
        shares=_sum(db, LedgerEntry.shares, *in_cycle, shares_kind),
        savings=_sum(db, LedgerEntry.amount, *in_cycle, shares_kind),
        health_paid=_sum(db, LedgerEntry.amount, *in_cycle, LedgerEntry.kind == "health_fund"),
    )


def group_balance(db, group_id: int, cycle_id: int) -> GroupBalance:
    return GroupBalance(
        loan_fund=_sum(db, LedgerEntry.amount, LedgerEntry.group_id == group_id,
                       LedgerEntry.cycle_id == cycle_id, LedgerEntry.kind == "shares"),
        health_fund=_sum(db, LedgerEntry.amount, LedgerEntry.group_id == group_id,
                         LedgerEntry.kind == "health_fund"),
    )


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
    reversed_ids = select(LedgerEntry.reverses_id).where(LedgerEntry.reverses_id.is_not(None))
    return db.scalar(select(LedgerEntry).where(
        LedgerEntry.meeting_id == purchase.meeting_id, LedgerEntry.member_id == purchase.member_id,
        LedgerEntry.kind == "health_fund", LedgerEntry.reverses_id.is_(None),
        LedgerEntry.id.not_in(reversed_ids)).limit(1))


def last_contribution(db, member_id: int, cycle_id: int) -> LedgerEntry | None:
    """Her latest share purchase that still stands (not reversed, not itself a reversal)."""
    reversed_ids = select(LedgerEntry.reverses_id).where(LedgerEntry.reverses_id.is_not(None))
    return db.scalar(select(LedgerEntry).where(
        LedgerEntry.member_id == member_id, LedgerEntry.cycle_id == cycle_id,
        LedgerEntry.kind == "shares", LedgerEntry.reverses_id.is_(None),
        LedgerEntry.id.not_in(reversed_ids)).order_by(LedgerEntry.id.desc()).limit(1))


def correctable_entries(db, group_id: int, limit: int = 8) -> list[LedgerEntry]:
    """The group's latest share purchases that still stand, newest first."""
    reversed_ids = select(LedgerEntry.reverses_id).where(LedgerEntry.reverses_id.is_not(None))
    return list(db.scalars(select(LedgerEntry).where(
        LedgerEntry.group_id == group_id, LedgerEntry.reverses_id.is_(None),
        LedgerEntry.kind == "shares",
        LedgerEntry.id.not_in(reversed_ids)).order_by(LedgerEntry.id.desc()).limit(limit)))
