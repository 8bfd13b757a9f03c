"""Which visits a child or a pregnancy still has, and when: from the calendar, what was given
or attended, and the earliest day she can be asked to come. Pure functions (no database).

A dose is planned at its age, and never sooner than its minimum interval after the antigen's
previous dose (given or planned): Penta1 given at 9 weeks moves Penta2 to 13 weeks. A child
registered late is planned from `earliest` (tomorrow, when a plan is made), and a dose past its
catch-up age is dropped rather than reminded. With `earliest=None` the same function gives the
dates the visits were due on time, which the late list and the coverage chart compare with.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from ussd_app.health.calendar import CALENDAR, Calendar, Dose

PREGNANCY_DAYS = 280  # expected date of delivery = 40 weeks after the last menstrual period
FIRST_CONTACT = "anc-first"  # "come for your first visit", when the 12-week contact has passed
FIRST_CONTACT_GAP = timedelta(days=14)  # a contact this close after the first visit is not asked
# Missed doses wait for a visit already due within this time rather than bring her twice.
CATCH_UP_JOINS_WITHIN = timedelta(days=14)


@dataclass(frozen=True)
class PlannedVisit:
    step: str
    day: date  # when she is asked to come (or was due, with earliest=None)
    doses: tuple[Dose, ...]  # still to give at this visit
    given: tuple[Dose, ...]  # already recorded
    dropped: tuple[Dose, ...]  # past their catch-up age: never reminded


def _in_season(day: date, months: tuple[int, ...]) -> date:
    while months and day.month not in months:
        day = (day.replace(day=1) + timedelta(days=32)).replace(day=1)
    return day


def plan_child(birth: date, given: dict[str, date], *, flags: frozenset[str] = frozenset(),
               earliest: date | None, calendar: Calendar = CALENDAR) -> list[PlannedVisit]:
    """Every visit of the calendar for this child, in order, with what is left to give."""
    last: dict[str, date] = {}  # antigen -> date of its latest dose, given or planned
    visits = []
    schedule = calendar.visits(flags)
    if earliest is not None:
        soon = [age.after(birth) for _, age, _ in schedule
                if earliest <= age.after(birth) <= earliest + CATCH_UP_JOINS_WITHIN]
        earliest = min(soon, default=earliest)
    for step, age, doses in schedule:
        done = tuple(d for d in doses if d.key in given)
        for dose in done:
            last[dose.antigen] = max(last.get(dose.antigen, given[dose.key]), given[dose.key])
        pending = [d for d in doses if d.key not in given]
        dropped: list[Dose] = []
        while True:
            dues = [age.after(birth)] + [last[d.antigen] + timedelta(days=d.min_interval_days)
                                         for d in pending if d.antigen in last]
            day = max(dues + ([earliest] if earliest else []))
            day = _in_season(day, tuple(sorted({m for d in pending for m in d.months_of_year})))
            late = [d for d in pending if d.catch_up_until.after(birth) < day]
            if not late:
                break
            dropped += late
            pending = [d for d in pending if d not in late]
        for dose in pending:
            last[dose.antigen] = day
        visits.append(PlannedVisit(step, day, tuple(pending), done, tuple(dropped)))
    return visits


def antenatal_dates(due_date: date, calendar: Calendar = CALENDAR) -> list[tuple[str, date]]:
    start = due_date - timedelta(days=PREGNANCY_DAYS)
    return [(f"anc{w}", start + timedelta(weeks=w)) for w in calendar.antenatal_weeks]


def plan_pregnancy(due_date: date, attended: list[date], *, earliest: date,
                   calendar: Calendar = CALENDAR) -> list[tuple[str, date, bool]]:
    """(step, day, still asked) for each contact. The contacts she attended count in order;
    a contact whose day is before `earliest` is not asked. If she has attended none and the
    first contact has passed, a first visit is asked on `earliest` and the contacts within two
    weeks after it are not."""
    contacts = antenatal_dates(due_date, calendar)[len(attended):]
    first_day = None
    if not attended and contacts and contacts[0][1] < earliest <= due_date:
        first_day = earliest
    rows = [(FIRST_CONTACT, first_day, True)] if first_day else []
    for step, day in contacts:
        asked = day >= earliest and not (first_day and day < first_day + FIRST_CONTACT_GAP)
        rows.append((step, day, asked))
    return rows


def due_on(birth: date, given: dict[str, date], today: date, *, flags: frozenset[str] = frozenset(),
           calendar: Calendar = CALENDAR) -> list[Dose]:
    """The doses a child can be given today: of age, still allowed, far enough after the
    antigen's previous dose, which must have been given (unless it is past its own age limit)."""
    doses = calendar.doses_for(flags)
    by_key = {d.key: d for d in doses}
    due = []
    for dose in sorted(doses, key=lambda d: (d.age.after(birth), d.antigen, d.number)):
        if dose.key in given or not dose.age.after(birth) <= today <= dose.catch_up_until.after(birth):
            continue
        previous = by_key.get(f"{dose.antigen}{dose.number - 1}")
        if previous is not None:
            if previous.key in given:
                if given[previous.key] + timedelta(days=dose.min_interval_days) > today:
                    continue
            elif previous.catch_up_until.after(birth) >= today:
                continue
        if dose.months_of_year and today.month not in dose.months_of_year:
            continue
        due.append(dose)
    return due


def late_doses(birth: date, given: dict[str, date], today: date, *, after_days: int = 7,
               flags: frozenset[str] = frozenset(), calendar: Calendar = CALENDAR) -> list[tuple[Dose, date]]:
    """Doses not recorded `after_days` after the day they were due (on the plan that follows
    what was given), and still allowed today: (dose, day it was due)."""
    late = []
    for visit in plan_child(birth, given, flags=flags, earliest=None, calendar=calendar):
        if visit.day + timedelta(days=after_days) > today:
            continue
        late += [(d, visit.day) for d in visit.doses if d.catch_up_until.after(birth) >= today]
    return late
