"""What the savings screens ask the host to write, inside the hop's one transaction.

Each effect is keyed (`hop.key(...)` or the roll-call's draft key) so a resent hop or a
replayed session writes once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from ussd_app.effects import Effect, StaleStep
from ussd_app.savings import loans, pins, shareout
from ussd_app.savings.groups import GroupError, reset_pin
from ussd_app.savings.ledger import AlreadyReversed, NotEnoughInBox
from ussd_app.savings.loans import LoanRefused
from ussd_app.savings.models import LedgerEntry, Member, PinCredential, SavingsGroup
from ussd_app.savings.recording import (
    correct_entry,
    record_contribution,
    record_meeting,
    send_statement,
)


def _credential(db, member_id: int) -> PinCredential:
    # Row lock on PostgreSQL: a PIN set, confirmed or reset by two sessions at once writes one.
    return db.get(PinCredential, member_id, with_for_update=True, populate_existing=True)


@dataclass(frozen=True)
class SetPendingPin(Effect):
    """A new PIN typed once: its hash waits in the database until it is typed again."""

    member_id: int
    pin_hash: str  # argon2: the clear PIN never leaves the hop that typed it

    def apply(self, db, hop) -> None:
        pins.set_pending(_credential(db, self.member_id), self.pin_hash, hop.now)


@dataclass(frozen=True)
class ClearPendingPin(Effect):
    member_id: int

    def apply(self, db, hop) -> None:
        pins.clear_pending(_credential(db, self.member_id), hop.now)


@dataclass(frozen=True)
class SetPin(Effect):
    member_id: int
    pin_hash: str  # the pending hash the second typing matched

    def apply(self, db, hop) -> None:
        pins.set_pin_hash(_credential(db, self.member_id), self.pin_hash, hop.now)


@dataclass(frozen=True)
class PinSucceeded(Effect):
    """The try was counted before the PIN was checked (pins.claim_try): a right one resets."""

    member_id: int
    rehashed: str | None = None  # the PIN hashed with today's parameters, when its hash is older

    def apply(self, db, hop) -> None:
        pins.record_success(_credential(db, self.member_id), hop.now, self.rehashed)


@dataclass(frozen=True)
class ResetMemberPin(Effect):
    member_id: int

    def apply(self, db, hop) -> None:
        reset_pin(db, db.get(Member, self.member_id), now=hop.now)


@dataclass(frozen=True)
class SaveMeeting(Effect):
    group_id: int
    day: date
    draft_key: str
    shares: tuple[tuple[int, int], ...]  # (member id, shares), 0 = absent
    recorded_by_id: int

    def apply(self, db, hop) -> None:
        record_meeting(db, db.get(SavingsGroup, self.group_id), day=self.day, key=self.draft_key,
                       shares_by_member=dict(self.shares), recorded_by_id=self.recorded_by_id,
                       now=hop.now)


@dataclass(frozen=True)
class SaveContribution(Effect):
    member_id: int
    shares: int
    recorded_by_id: int

    def apply(self, db, hop) -> None:
        member = db.get(Member, self.member_id)
        record_contribution(db, db.get(SavingsGroup, member.group_id), member, shares=self.shares,
                            key=hop.key("contribution", self.member_id),
                            recorded_by_id=self.recorded_by_id, now=hop.now)


@dataclass(frozen=True)
class CorrectEntry(Effect):
    entry_id: int
    new_shares: int | None
    recorded_by_id: int

    def apply(self, db, hop) -> None:
        entry = db.get(LedgerEntry, self.entry_id)
        try:
            correct_entry(db, db.get(SavingsGroup, entry.group_id), entry,
                          new_shares=self.new_shares, key=hop.key("correct", self.entry_id),
                          recorded_by_id=self.recorded_by_id, now=hop.now)
        except AlreadyReversed as exc:  # another treasurer was faster: answered again, told so
            raise StaleStep(str(exc)) from exc


@dataclass(frozen=True)
class SendStatement(Effect):
    member_id: int

    def apply(self, db, hop) -> None:
        member = db.get(Member, self.member_id)
        # One statement per member and day, however often she asks: each SMS costs the group.
        send_statement(db, db.get(SavingsGroup, member.group_id), member,
                       key=f"statement:{self.member_id}:{hop.now.date().isoformat()}", now=hop.now)


# --- loans, repayments, fines, health-fund help, end of cycle ------------------------------
# Their keys are fixed when the treasurer starts the task (see menus/savings_loans.py), so a
# resent hop, a replayed session or a second confirm writes once. Money that is no longer
# there (another treasurer lent it meanwhile) makes the hop answer again, with the reason.

def _stale(fn):
    try:
        return fn()
    except (LoanRefused, NotEnoughInBox, GroupError) as exc:
        raise StaleStep(str(exc)) from exc


@dataclass(frozen=True)
class IssueLoan(Effect):
    member_id: int
    amount: int
    months: int
    key: str
    recorded_by_id: int

    def apply(self, db, hop) -> None:
        member = db.get(Member, self.member_id)
        _stale(lambda: loans.issue_loan(
            db, db.get(SavingsGroup, member.group_id), member, amount=self.amount,
            months=self.months, key=self.key, recorded_by_id=self.recorded_by_id, now=hop.now))


@dataclass(frozen=True)
class RecordRepayment(Effect):
    loan_id: int
    amount: int
    key: str
    recorded_by_id: int

    def apply(self, db, hop) -> None:
        loan = db.get(LedgerEntry, self.loan_id)
        if any(loans.by_key(db, f"{self.key}:{part}") for part in ("charge", "principal")):
            return
        if self.amount > loans.loan_state(db, loan).owed:  # repaid meanwhile in another session
            raise StaleStep("the loan was repaid meanwhile")
        loans.repay(db, db.get(SavingsGroup, loan.group_id), loan, amount=self.amount,
                    key=self.key, recorded_by_id=self.recorded_by_id, now=hop.now)


@dataclass(frozen=True)
class RecordFine(Effect):
    member_id: int
    amount: int
    key: str
    recorded_by_id: int

    def apply(self, db, hop) -> None:
        member = db.get(Member, self.member_id)
        loans.record_fine(db, db.get(SavingsGroup, member.group_id), member, amount=self.amount,
                          key=self.key, recorded_by_id=self.recorded_by_id, now=hop.now)


@dataclass(frozen=True)
class PayHealth(Effect):
    member_id: int
    amount: int
    reason: str
    key: str
    recorded_by_id: int

    def apply(self, db, hop) -> None:
        member = db.get(Member, self.member_id)
        group = db.get(SavingsGroup, member.group_id)
        _stale(lambda: loans.pay_health(
            db, group, member, amount=self.amount, reason=self.reason, key=self.key,
            recorded_by_id=self.recorded_by_id, now=hop.now,
            enrollment_id=loans.her_registration(db, member, group.facility_code)))


@dataclass(frozen=True)
class EndCycle(Effect):
    group_id: int
    cycle_id: int
    carry: int
    key: str
    recorded_by_id: int

    def apply(self, db, hop) -> None:
        _stale(lambda: shareout.end_cycle(
            db, db.get(SavingsGroup, self.group_id), cycle_id=self.cycle_id, carry=self.carry,
            key=self.key, recorded_by=db.get(Member, self.recorded_by_id), now=hop.now))


@dataclass(frozen=True)
class ChangePhone(Effect):
    member_id: int
    phone: str
    changed_by_id: int

    def apply(self, db, hop) -> None:
        from ussd_app.savings.groups import change_member_phone

        try:
            change_member_phone(db, db.get(Member, self.member_id), self.phone,
                                changed_by=f"member:{self.changed_by_id}", now=hop.now)
        except GroupError as exc:  # the number joined the group meanwhile
            raise StaleStep(str(exc)) from exc
