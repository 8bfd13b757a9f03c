"""What a CSCom or an NGO sees of a group: sums over its ledger, read-only (the dashboard's
savings pages and the CLI use these; the treasurer's screens use the same ledger sums)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select

from ussd_app.savings.ledger import group_balance
from ussd_app.savings.loans import group_open_loans
from ussd_app.savings.models import Cycle, LedgerEntry, Meeting, SavingsGroup


@dataclass(frozen=True)
class CycleReport:
    cycle: Cycle
    savings: int  # shares bought this cycle, XOF
    loan_fund: int
    loans_out: int  # owed on open loans (principal and service charge)
    loans_open: int
    loans_overdue: int
    health_fund: int
    payouts_by_reason: dict[str, int]  # every cycle: the health fund is never shared out
    meetings: list[tuple[date, int, int]]  # (day, savings so far, health fund paid at it)


def _by_kind(db, group_id: int, kind: str, *filters) -> int:
    return int(db.scalar(select(func.coalesce(func.sum(LedgerEntry.amount), 0)).where(
        LedgerEntry.group_id == group_id, LedgerEntry.kind == kind, *filters)))


def cycle_report(db, group: SavingsGroup, cycle: Cycle, today: date) -> CycleReport:
    boxes = group_balance(db, group.id, cycle.id)
    loans = group_open_loans(db, group.id, cycle.id)
    payouts = dict(db.execute(select(LedgerEntry.reason, func.sum(LedgerEntry.amount)).where(
        LedgerEntry.group_id == group.id, LedgerEntry.kind == "health_payout")
        .group_by(LedgerEntry.reason)).all())
    per_meeting = db.execute(
        select(Meeting.held_on,
               func.coalesce(func.sum(LedgerEntry.amount).filter(LedgerEntry.kind == "shares"), 0),
               func.coalesce(func.sum(LedgerEntry.amount).filter(LedgerEntry.kind == "health_fund"),
                             0))
        .join(LedgerEntry, LedgerEntry.meeting_id == Meeting.id)
        .where(Meeting.cycle_id == cycle.id).group_by(Meeting.held_on).order_by(Meeting.held_on)).all()
    running, meetings = 0, []
    for day, shares, health in per_meeting:
        running += int(shares)
        meetings.append((day, running, int(health)))
    return CycleReport(
        cycle=cycle, savings=_by_kind(db, group.id, "shares", LedgerEntry.cycle_id == cycle.id),
        loan_fund=boxes.loan_fund, loans_out=sum(x.owed for x in loans), loans_open=len(loans),
        loans_overdue=sum(1 for x in loans if x.terms.due_on < today),
        health_fund=boxes.health_fund,
        payouts_by_reason={reason: int(total) for reason, total in payouts.items() if total},
        meetings=meetings)


def linked_payouts(db, group_id: int) -> list[LedgerEntry]:
    """Health-fund payouts tied to a registration at the CSCom, newest first."""
    return list(db.scalars(select(LedgerEntry).where(
        LedgerEntry.group_id == group_id, LedgerEntry.kind == "health_payout",
        LedgerEntry.enrollment_id.is_not(None), LedgerEntry.reverses_id.is_(None))
        .order_by(LedgerEntry.id.desc()).limit(50)))
