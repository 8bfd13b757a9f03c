"""The centre's own indicators, per month: the share of doses given on time, late or not yet,
and the antenatal contacts of each pregnancy, for the dashboard's coverage charts.

A dose belongs to the month its age falls in; it is on time when given within ON_TIME_DAYS of
that age (WHO counts timeliness in the weeks after the scheduled age; four weeks here), late
when given after, missing when still not given once that window has closed. Doses whose window
is still open are not counted yet.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from ussd_app.clinic import care
from ussd_app.clinic.directory import enrollments
from ussd_app.clinic.scope import Scope
from ussd_app.health.calendar import CALENDAR, add_months
from ussd_app.health.enrollment import APPROVED, CHILD, ENDED, PREGNANCY
from ussd_app.health.facilities import flags

ON_TIME_DAYS = 28
MONTHS = 6
DOSE_SERIES = ("on_time", "late", "missing")  # stacked from the bottom, as percentages
CONTACT_SERIES = ("anc8", "anc4", "anc1", "anc0")  # 8+ contacts, 4-7, 1-3, none
MAX_ROWS = 5000


@dataclass(frozen=True)
class Point:  # what ussd_app.clinic.chart draws
    at: datetime
    counts: dict


@dataclass(frozen=True)
class Coverage:
    doses: list[Point]  # per month, percentages of DOSE_SERIES
    doses_counted: list[int]  # per month, how many doses those percentages are of
    by_dose: list[tuple[str, int, int, int]]  # (dose, on time %, late %, counted)
    contacts: list[Point]  # per month of expected delivery, pregnancies by contacts attended
    months: list[date]


def _month_starts(today: date) -> list[date]:
    first = today.replace(day=1)
    return [add_months(first, -n) for n in range(MONTHS - 1, -1, -1)]


def _percent(part: int, whole: int) -> int:
    return round(100 * part / whole) if whole else 0


def compute(db, scope: Scope, today: date) -> Coverage:
    months = _month_starts(today)
    start = months[0]
    tally = {m: dict.fromkeys(DOSE_SERIES, 0) for m in months}
    per_dose: dict[str, list[int]] = {}
    children = [c for c in db.scalars(enrollments(scope, None, CHILD).limit(MAX_ROWS))
                if c.status in (APPROVED, ENDED) and c.birth_date]
    given_by = care.given_by_enrollment(db, [c.id for c in children])
    for child in children:
        given = given_by[child.id]
        for dose in CALENDAR.doses_for(flags(child.facility)):
            due = dose.age.after(child.birth_date)
            if due < start or due > today:
                continue
            closes = due + timedelta(days=ON_TIME_DAYS)
            day = given.get(dose.key)
            if day is not None:
                outcome = "on_time" if day <= closes else "late"
            elif today > closes:
                outcome = "missing"
            else:
                continue
            tally[due.replace(day=1)][outcome] += 1
            counts = per_dose.setdefault(dose.key, [0, 0, 0])
            counts[DOSE_SERIES.index(outcome)] += 1
    doses, counted = [], []
    for month in months:
        whole = sum(tally[month].values())
        counted.append(whole)
        doses.append(Point(_at(month), {s: _percent(tally[month][s], whole) for s in DOSE_SERIES}))
    order = {d.key: i for i, d in enumerate(CALENDAR.doses)}
    by_dose = [(key, _percent(c[0], sum(c)), _percent(c[1], sum(c)), sum(c))
               for key, c in sorted(per_dose.items(), key=lambda kv: order[kv[0]])]
    return Coverage(doses, counted, by_dose, _contacts(db, scope, months, today), months)


def _contacts(db, scope: Scope, months: list[date], today: date) -> list[Point]:
    pregnancies = [p for p in db.scalars(enrollments(scope, None, PREGNANCY).limit(MAX_ROWS))
                   if p.status in (APPROVED, ENDED) and p.due_date]
    attended = care.contacts_by_enrollment(db, [p.id for p in pregnancies])
    tally = {m: dict.fromkeys(CONTACT_SERIES, 0) for m in months}
    for pregnancy in pregnancies:
        month = pregnancy.due_date.replace(day=1)
        if month not in tally or pregnancy.due_date > today:
            continue
        n = len(attended[pregnancy.id])
        tally[month]["anc8" if n >= 8 else "anc4" if n >= 4 else "anc1" if n >= 1 else "anc0"] += 1
    return [Point(_at(m), tally[m]) for m in months]


def _at(month: date) -> datetime:
    return datetime(month.year, month.month, month.day, tzinfo=timezone.utc)
