"""Loans, repayments, fines and health-fund help: ledger entries plus the member's SMS receipt.

A loan's service charge is flat, as in VSLAs: `pct` percent of the amount lent for each month
of the loan, in whole francs (rounded down), fixed when the loan is given (LoanTerms). A
repayment pays the service charge first, then the principal; the two are separate entries
(kinds "charge" and "repayment"), so the group sees what the loans earned. Every function takes
the caller's transaction, writes once per key, and refuses with a reason a loan over the
member's limit (her savings times the cycle's multiple, less what she still owes) or over
what the loan fund holds.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select

from ussd_app.health.enrollment import ACTIVE, Enrollment
from ussd_app.health.facilities import Facility
from ussd_app.savings import receipts
from ussd_app.savings.groups import bamako_today, current_cycle
from ussd_app.savings.ledger import (LedgerError, add_entry, by_key, group_balance, lock_group,
                                     member_balance, not_reversed, standing_entries)
from ussd_app.savings.models import LedgerEntry, LoanTerms, Member, SavingsGroup
from ussd_app.savings.rules import rules_for


class LoanRefused(LedgerError):
    """`why` is "limit" (her savings allow less), "fund" (the loan fund holds less), "months"
    (longer than the rules allow) or "amount" (nothing to lend); `most` is the most allowed."""

    def __init__(self, why: str, most: int):
        super().__init__(f"loan refused ({why}): at most {most}")
        self.why, self.most = why, most


def add_months(day: date, months: int) -> date:
    """The same day `months` later, or the month's last day (31/01 + 1 month = 28/02)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def service_charge(principal: int, pct: int, months: int) -> int:
    return principal * pct * months // 100


@dataclass(frozen=True)
class Quote:
    principal: int
    months: int
    charge: int
    due_on: date

    @property
    def total(self) -> int:
        return self.principal + self.charge


def loan_limit(db, member: Member, cycle_id: int) -> tuple[int, str]:
    """The most she may borrow now, and what bounds it ("limit" or "fund")."""
    rules, mine = rules_for(db, cycle_id), member_balance(db, member.id, cycle_id)
    by_savings = max(0, rules.max_loan_multiple * mine.savings - mine.loan_principal_out)
    fund = max(0, group_balance(db, member.group_id, cycle_id).loan_fund)
    return (by_savings, "limit") if by_savings <= fund else (fund, "fund")


def quote_loan(db, member: Member, *, amount: int, months: int, today: date) -> Quote:
    """What a loan would cost, or LoanRefused with the reason."""
    cycle_id = current_cycle(db, member.group_id).id
    rules = rules_for(db, cycle_id)
    if type(months) is not int or not 1 <= months <= rules.loan_months:
        raise LoanRefused("months", rules.loan_months)
    most, why = loan_limit(db, member, cycle_id)
    if type(amount) is not int or amount < 1:
        raise LoanRefused("amount", most)
    if amount > most:
        raise LoanRefused(why, most)
    return Quote(amount, months, service_charge(amount, rules.service_charge_pct, months),
                 add_months(today, months))


def issue_loan(db, group: SavingsGroup, member: Member, *, amount: int, months: int, key: str,
               recorded_by_id: int | None, now: datetime) -> LedgerEntry:
    existing = by_key(db, key)
    if existing is not None:
        return existing
    lock_group(db, group.id)  # the limit and the fund are read under the lock that writes
    quote = quote_loan(db, member, amount=amount, months=months, today=bamako_today(now))
    cycle = current_cycle(db, group.id)
    entry = add_entry(db, member=member, cycle_id=cycle.id, kind="loan", amount=amount,
                      idempotency_key=key, recorded_by_id=recorded_by_id, now=now)
    pct = rules_for(db, cycle.id).service_charge_pct
    db.add(LoanTerms(entry_id=entry.id, group_id=group.id, member_id=member.id, months=months,
                     charge_pct=pct, charge=quote.charge, due_on=quote.due_on))
    db.flush()
    receipts.loan_receipt(db, group, member, entry, quote.total, quote.due_on)
    return entry


@dataclass(frozen=True)
class LoanState:
    entry: LedgerEntry
    terms: LoanTerms
    principal_paid: int
    charge_paid: int

    @property
    def principal_owed(self) -> int:
        return self.entry.amount - self.principal_paid

    @property
    def charge_owed(self) -> int:
        return self.terms.charge - self.charge_paid

    @property
    def owed(self) -> int:
        return self.principal_owed + self.charge_owed


def loan_state(db, entry: LedgerEntry) -> LoanState:
    """What was paid back on a loan (or on a health-fund payout lent without charge)."""
    paid = dict(db.execute(select(LedgerEntry.kind, func.sum(LedgerEntry.amount)).where(
        LedgerEntry.loan_id == entry.id).group_by(LedgerEntry.kind)).all())
    principal = int(paid.get("repayment") or 0) + int(paid.get("health_repayment") or 0)
    return LoanState(entry, db.get(LoanTerms, entry.id), principal, int(paid.get("charge") or 0))


def open_loans(db, member_id: int, cycle_id: int | None = None) -> list[LoanState]:
    """Her loans still standing with something owed, oldest first: loans from the loan fund
    (of `cycle_id`), then help lent by the health fund (any cycle) when the rules lend it."""
    query = standing_entries().where(LedgerEntry.member_id == member_id, LedgerEntry.kind == "loan")
    if cycle_id is not None:
        query = query.where(LedgerEntry.cycle_id == cycle_id)
    health = standing_entries().where(
        LedgerEntry.member_id == member_id, LedgerEntry.kind == "health_payout",
        LedgerEntry.id.in_(select(LoanTerms.entry_id).where(LoanTerms.member_id == member_id)))
    entries = [*db.scalars(query.order_by(LedgerEntry.id)),
               *db.scalars(health.order_by(LedgerEntry.id))]
    states = [loan_state(db, e) for e in entries]
    return [s for s in states if s.owed > 0]


def group_open_loans(db, group_id: int, cycle_id: int) -> list[LoanState]:
    query = standing_entries().where(LedgerEntry.group_id == group_id,
                                     LedgerEntry.cycle_id == cycle_id, LedgerEntry.kind == "loan")
    states = [loan_state(db, e) for e in db.scalars(query.order_by(LedgerEntry.id))]
    return [s for s in states if s.owed > 0]


def repay(db, group: SavingsGroup, loan: LedgerEntry, *, amount: int, key: str,
          recorded_by_id: int | None, now: datetime) -> tuple[LedgerEntry | None, LedgerEntry | None]:
    """Record a repayment: (service-charge entry, principal entry), either None when nothing of
    it was paid. At most what she owes."""
    done = by_key(db, f"{key}:charge"), by_key(db, f"{key}:principal")
    if any(done):
        return done
    state = loan_state(db, loan)
    if type(amount) is not int or not 1 <= amount <= state.owed:
        raise LedgerError(f"a repayment is 1 to {state.owed} XOF")
    member = db.get(Member, loan.member_id)
    if loan.kind == "health_payout":  # back into the health fund, never a service charge
        entry = add_entry(db, member=member, cycle_id=current_cycle(db, group.id).id,
                          kind="health_repayment", amount=amount, loan_id=loan.id,
                          idempotency_key=f"{key}:principal", recorded_by_id=recorded_by_id,
                          now=now)
        receipts.repayment_receipt(db, group, member, entry, amount, state.owed - amount)
        return None, entry
    charge_part = min(amount, state.charge_owed)
    principal_part = amount - charge_part
    charge = principal = None
    if charge_part:
        charge = add_entry(db, member=member, cycle_id=loan.cycle_id, kind="charge",
                           amount=charge_part, loan_id=loan.id, idempotency_key=f"{key}:charge",
                           recorded_by_id=recorded_by_id, now=now)
    if principal_part:
        principal = add_entry(db, member=member, cycle_id=loan.cycle_id, kind="repayment",
                              amount=principal_part, loan_id=loan.id,
                              idempotency_key=f"{key}:principal", recorded_by_id=recorded_by_id,
                              now=now)
    receipts.repayment_receipt(db, group, member, charge or principal, amount,
                               state.owed - amount)
    return charge, principal


def record_fine(db, group: SavingsGroup, member: Member, *, amount: int, key: str,
                recorded_by_id: int | None, now: datetime) -> LedgerEntry:
    existing = by_key(db, key)
    if existing is not None:
        return existing
    entry = add_entry(db, member=member, cycle_id=current_cycle(db, group.id).id, kind="fine",
                      amount=amount, idempotency_key=key, recorded_by_id=recorded_by_id, now=now)
    receipts.fine_receipt(db, group, member, entry)
    return entry


def pay_health(db, group: SavingsGroup, member: Member, *, amount: int, reason: str, key: str,
               recorded_by_id: int | None, now: datetime,
               enrollment_id: int | None = None) -> LedgerEntry:
    """Help from the health fund (a grant, or an interest-free loan when the rules say so)."""
    existing = by_key(db, key)
    if existing is not None:
        return existing
    if type(amount) is not int or amount < 1:
        raise LedgerError("a payout is at least 1 XOF")
    cycle_id = current_cycle(db, group.id).id
    entry = add_entry(db, member=member, cycle_id=cycle_id,
                      kind="health_payout", amount=amount, reason=reason,
                      enrollment_id=enrollment_id, idempotency_key=key,
                      recorded_by_id=recorded_by_id, now=now)
    rules = rules_for(db, cycle_id)
    if rules.health_mode == "loans":  # lent without charge, repaid into the health fund
        db.add(LoanTerms(entry_id=entry.id, group_id=group.id, member_id=member.id,
                         months=rules.loan_months, charge_pct=0, charge=0,
                         due_on=add_months(bamako_today(now), rules.loan_months)))
        db.flush()
    receipts.payout_receipt(db, group, member, entry)
    return entry


def overdue_loans(db, today: date, group_id: int | None = None) -> list[LoanState]:
    """Loans past their due date with something still owed (standing ones only)."""
    query = (select(LedgerEntry).join(LoanTerms, LoanTerms.entry_id == LedgerEntry.id)
             .where(LoanTerms.due_on < today))
    if group_id is not None:
        query = query.where(LoanTerms.group_id == group_id)
    query = query.where(LedgerEntry.reverses_id.is_(None), not_reversed())
    states = [loan_state(db, e) for e in db.scalars(query.order_by(LoanTerms.due_on))]
    return [s for s in states if s.owed > 0]


def her_registration(db, member: Member, facility_code: str | None) -> int | None:
    """Her latest pending or approved registration at the group's CSCom, if any: a health-fund
    payout is tied to it so the centre sees the help its patient received."""
    if not facility_code:
        return None
    return db.scalar(select(Enrollment.id).join(Facility, Facility.id == Enrollment.facility_id)
                     .where(Enrollment.phone == member.phone, Facility.code == facility_code,
                            Enrollment.status.in_(ACTIVE))
                     .order_by(Enrollment.id.desc()).limit(1))
