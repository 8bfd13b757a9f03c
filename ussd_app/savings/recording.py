"""Writing a meeting, one contribution or a correction: ledger entries plus the members' receipts.

Each function is idempotent on the key it is given and writes everything of one event in the
caller's transaction (entries and outbox rows together), so a retry can neither double nor lose it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select

from ussd_app.savings import receipts
from ussd_app.savings.groups import GroupError, current_cycle, meeting_on
from ussd_app.savings.ledger import (LedgerError, add_entry, count_purchases, last_contribution,
                                     member_balance, reverse_entry, standing_health_entry)
from ussd_app.savings.loans import open_loans
from ussd_app.savings.models import LedgerEntry, Meeting, Member, SavingsGroup


class MeetingAlreadyRecorded(GroupError):
    def __init__(self, meeting: Meeting):
        super().__init__(f"a meeting is already recorded for {meeting.held_on.isoformat()}")
        self.meeting = meeting


def draft_key(group_id: int, day: date, origin: str) -> str:
    """Names one roll-call draft; `origin` is where it started (a session and hop)."""
    digest = hashlib.sha256(origin.encode("utf-8")).hexdigest()[:20]
    return f"g{group_id}:{day.isoformat()}:{digest}"


@dataclass(frozen=True)
class MeetingResult:
    meeting: Meeting
    created: bool


def record_meeting(db, group: SavingsGroup, *, day: date, key: str, shares_by_member: dict[int, int],
                   recorded_by_id: int | None, now: datetime,
                   send_receipts: bool = True) -> MeetingResult:
    """Write a whole roll-call: shares and the health-fund contribution of each present member.

    `shares_by_member` maps member id to shares bought (0: absent). The same `key` writes once;
    another draft for a day already recorded raises MeetingAlreadyRecorded. `send_receipts`
    is off only for demo history (its phones are made up).
    """
    existing = db.scalar(select(Meeting).where(Meeting.draft_key == key))
    if existing is not None:
        return MeetingResult(existing, False)
    other = meeting_on(db, group.id, day)
    if other is not None:
        raise MeetingAlreadyRecorded(other)
    cycle = current_cycle(db, group.id)
    meeting = Meeting(group_id=group.id, cycle_id=cycle.id, held_on=day, draft_key=key,
                      recorded_by_id=recorded_by_id, created_at=now)
    db.add(meeting)
    db.flush()  # the unique (group, day) constraint stops a concurrent twin here
    members = {m.id: m for m in db.scalars(select(Member).where(
        Member.group_id == group.id, Member.id.in_(list(shares_by_member))))}
    for member_id, shares in sorted(shares_by_member.items()):
        if shares == 0 or member_id not in members:
            continue
        _check_shares(group, shares)
        member = members[member_id]
        entry = add_entry(db, member=member, cycle_id=cycle.id, kind="shares", shares=shares,
                          amount=shares * group.share_value, meeting_id=meeting.id,
                          idempotency_key=f"{key}:m{member_id}:shares",
                          recorded_by_id=recorded_by_id, now=now)
        health = None
        if group.health_fund_per_meeting > 0:
            health = add_entry(db, member=member, cycle_id=cycle.id, kind="health_fund",
                               amount=group.health_fund_per_meeting, meeting_id=meeting.id,
                               idempotency_key=f"{key}:m{member_id}:health",
                               recorded_by_id=recorded_by_id, now=now)
        if send_receipts:
            receipts.purchase_receipt(db, group, member, entry, health,
                                      member_balance(db, member.id, cycle.id), day)
    return MeetingResult(meeting, True)


def _check_shares(group: SavingsGroup, shares: int) -> None:
    if type(shares) is not int or not group.min_shares <= shares <= group.max_shares:
        raise LedgerError(f"shares must be {group.min_shares} to {group.max_shares}")


def record_contribution(db, group: SavingsGroup, member: Member, *, shares: int, key: str,
                        recorded_by_id: int | None, now: datetime) -> LedgerEntry:
    """One member's share purchase outside a roll-call (joined with today's meeting if any)."""
    _check_shares(group, shares)
    cycle = current_cycle(db, group.id)
    today = meeting_on(db, group.id, now.date())
    entry = add_entry(db, member=member, cycle_id=cycle.id, kind="shares", shares=shares,
                      amount=shares * group.share_value, meeting_id=today.id if today else None,
                      idempotency_key=key, recorded_by_id=recorded_by_id, now=now)
    receipts.purchase_receipt(db, group, member, entry, None,
                              member_balance(db, member.id, cycle.id), now.date())
    return entry


@dataclass(frozen=True)
class Correction:
    reversal: LedgerEntry
    replacement: LedgerEntry | None  # the right number of shares, when re-entered
    health_reversal: LedgerEntry | None  # cancelled with the purchase: she was not there


def correct_entry(db, group: SavingsGroup, entry: LedgerEntry, *, new_shares: int | None, key: str,
                  recorded_by_id: int | None, now: datetime) -> Correction:
    """Reverse a share purchase and record the right number, or cancel it (with that meeting's
    health-fund contribution: she was marked present by mistake). The member is told by SMS."""
    if entry.group_id != group.id:
        raise LedgerError("this entry belongs to another group")
    if entry.kind != "shares":
        raise LedgerError("only a share purchase is corrected here")
    if new_shares is not None:
        _check_shares(group, new_shares)
    # Looked up before the reversal: a replay finds the same health entry already reversed by it.
    health = None
    if new_shares is None and _from_roll_call(db, entry):
        health = standing_health_entry(db, entry)
    reversal = reverse_entry(db, entry, idempotency_key=f"{key}:reverse",
                             recorded_by_id=recorded_by_id, now=now)
    member = db.get(Member, entry.member_id)
    replacement = health_reversal = None
    if new_shares is not None:
        replacement = add_entry(db, member=member, cycle_id=entry.cycle_id, kind="shares",
                                shares=new_shares, amount=new_shares * group.share_value,
                                meeting_id=entry.meeting_id, idempotency_key=f"{key}:replace",
                                recorded_by_id=recorded_by_id, now=now)
    elif health is not None:
        health_reversal = reverse_entry(db, health, idempotency_key=f"{key}:reverse-health",
                                        recorded_by_id=recorded_by_id, now=now)
    receipts.correction_receipt(db, group, member, entry, reversal, replacement, health_reversal,
                                member_balance(db, member.id, entry.cycle_id))
    return Correction(reversal, replacement, health_reversal)


def _from_roll_call(db, entry: LedgerEntry) -> bool:
    """Bought at a roll-call (where being present also meant paying the health fund)."""
    meeting = db.get(Meeting, entry.meeting_id) if entry.meeting_id else None
    return meeting is not None and entry.idempotency_key.startswith(meeting.draft_key + ":")


def send_statement(db, group: SavingsGroup, member: Member, *, key: str, now: datetime) -> None:
    cycle = current_cycle(db, group.id)
    purchases = count_purchases(db, member.id, cycle.id)
    balance = member_balance(db, member.id, cycle.id)
    receipts.statement(db, group, member, cycle.number, purchases, balance,
                       last_contribution(db, member.id, cycle.id), key, now)
    loans = open_loans(db, member.id, cycle.id)
    if loans or balance.fines:
        receipts.loans_statement(db, group, member, cycle.number, sum(x.owed for x in loans),
                                 min((x.terms.due_on for x in loans), default=None), balance.fines,
                                 f"{key}:loans", now)
