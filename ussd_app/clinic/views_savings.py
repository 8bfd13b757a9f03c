"""Savings groups of the centre: read-only totals, computed by the savings module's ledger sums;
a group's page shows its cycle (savings over the meetings, loans out and overdue, health fund
and its payouts by reason, those tied to the centre's registrations)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timezone

from flask import abort, flash, g, redirect, render_template, request, url_for
from markupsafe import Markup
from sqlalchemy import func, select

from ussd_app.clinic import chart
from ussd_app.clinic.web import _, bp
from ussd_app.clock import app_now
from ussd_app.health.enrollment import Enrollment
from ussd_app.savings.groups import GroupError, current_cycle
from ussd_app.savings.models import Member, SavingsGroup
from ussd_app.savings.report import CycleReport, cycle_report, linked_payouts
from ussd_app.savings.rules import LIMITS, rules_for, set_rules
from ussd_app.text.i18n import N_

REASONS = {"anc": N_("antenatal care"), "delivery": N_("delivery"), "sick_child": N_("sick child"),
           "other": N_("other care")}


@dataclass(frozen=True)
class GroupSummary:
    group: SavingsGroup
    members: int
    report: CycleReport | None

    # The columns earlier pages showed, kept for their templates and tests.
    @property
    def cycle_number(self) -> int | None:
        return self.report.cycle.number if self.report else None

    @property
    def loan_fund(self) -> int:
        return self.report.loan_fund if self.report else 0

    @property
    def health_fund(self) -> int:
        return self.report.health_fund if self.report else 0


def _today():
    return app_now().date()


def summaries(db, scope, today) -> list[GroupSummary]:
    groups = list(db.scalars(select(SavingsGroup).where(scope.where(SavingsGroup.facility_code))
                             .order_by(SavingsGroup.name)))
    counts = dict(db.execute(select(Member.group_id, func.count()).where(Member.group_id.in_([x.id for x in groups]))
                             .group_by(Member.group_id)).all()) if groups else {}
    out = []
    for group in groups:
        try:
            report = cycle_report(db, group, current_cycle(db, group.id), today)
        except GroupError:
            report = None
        out.append(GroupSummary(group, counts.get(group.id, 0), report))
    return out


def xof(amount: int) -> str:
    """5 000 FCFA: whole francs, thin groups of three, as written in Mali."""
    return f"{amount:,}".replace(",", "\u202f") + " FCFA"


@dataclass(frozen=True)
class _Point:
    at: datetime
    counts: dict


@bp.get("/savings")
def savings_groups():
    return render_template("clinic/savings.html", rows=summaries(g.db, g.scope, _today()), xof=xof)


RULES_SAVED = N_("Rules saved: later loans follow them.")
RULES_BAD = N_("Rules not saved: {problem}")


def _group_in_scope(group_id: int) -> SavingsGroup:
    group = g.db.scalar(select(SavingsGroup).where(SavingsGroup.id == group_id,
                                                   g.scope.where(SavingsGroup.facility_code)))
    if group is None:
        abort(404)
    return group


@bp.post("/savings/<int:group_id>/rules")
def savings_rules(group_id: int):
    """The group's rules for its current cycle, as the group decided them (members see them
    under My savings on USSD)."""
    group = _group_in_scope(group_id)
    changes = {}
    for name in LIMITS:
        raw = (request.form.get(name) or "").strip()
        if raw:
            changes[name] = int(raw) if raw.isdigit() and len(raw) <= 6 else -1
    if request.form.get("health_mode"):
        changes["health_mode"] = request.form["health_mode"]
    try:
        set_rules(g.db, current_cycle(g.db, group.id).id, now=app_now(), **changes)
    except GroupError as exc:
        g.db.rollback()
        flash(_(RULES_BAD, problem=str(exc)), "error")
    else:
        g.db.commit()
        flash(_(RULES_SAVED), "ok")
    return redirect(url_for("clinic.savings_group", group_id=group.id))


@bp.get("/savings/<int:group_id>")
def savings_group(group_id: int):
    group = _group_in_scope(group_id)
    report = cycle_report(g.db, group, current_cycle(g.db, group.id), _today())
    points = [_Point(datetime.combine(day, time(), timezone.utc), {"savings": total})
              for day, total, _health_paid in report.meetings]
    svg = chart.svg(points, ("savings",), {"savings": _("Savings this cycle")},
                    _("Savings over the meetings")) if len(points) > 1 else ""
    linked = [(entry, g.db.get(Enrollment, entry.enrollment_id)) for entry in linked_payouts(g.db, group.id)]
    rules = rules_for(g.db, report.cycle.id)
    return render_template("clinic/savings_group.html", group=group, r=report, chart_svg=Markup(svg),
                           linked=linked, reasons=REASONS, xof=xof, rules=rules, limits=LIMITS)
