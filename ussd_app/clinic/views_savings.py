"""Savings groups of the centre: read-only totals, computed by the savings module's ledger sums."""

from __future__ import annotations

from dataclasses import dataclass

from flask import g, render_template
from sqlalchemy import func, select

from ussd_app.clinic.web import bp
from ussd_app.savings import ledger
from ussd_app.savings.groups import GroupError, current_cycle
from ussd_app.savings.models import Member, SavingsGroup


@dataclass(frozen=True)
class GroupSummary:
    group: SavingsGroup
    members: int
    cycle_number: int | None
    loan_fund: int
    health_fund: int


def summaries(db, scope) -> list[GroupSummary]:
    groups = list(db.scalars(select(SavingsGroup).where(scope.where(SavingsGroup.facility_code))
                             .order_by(SavingsGroup.name)))
    counts = dict(db.execute(select(Member.group_id, func.count()).where(Member.group_id.in_([x.id for x in groups]))
                             .group_by(Member.group_id)).all()) if groups else {}
    out = []
    for group in groups:
        try:
            cycle = current_cycle(db, group.id)
        except GroupError:
            cycle = None
        balance = ledger.group_balance(db, group.id, cycle.id) if cycle else ledger.GroupBalance(0, 0)
        out.append(GroupSummary(group, counts.get(group.id, 0), cycle.number if cycle else None,
                                balance.loan_fund, balance.health_fund))
    return out


def xof(amount: int) -> str:
    """5 000 FCFA: whole francs, thin groups of three, as written in Mali."""
    return f"{amount:,}".replace(",", "\u202f") + " FCFA"


@bp.get("/savings")
def savings_groups():
    return render_template("clinic/savings.html", rows=summaries(g.db, g.scope), xof=xof)
