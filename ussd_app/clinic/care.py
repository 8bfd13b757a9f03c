"""The centre's care journeys, read through its scope: what each child and pregnancy had, what is
due today, and the late list (who, which doses, how late, phone) that community health workers
follow up. The plans themselves come from ussd_app.health.catchup."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select

from ussd_app.clinic.directory import enrollments
from ussd_app.clinic.scope import Scope
from ussd_app.health.catchup import PREGNANCY_DAYS, due_on, late_doses
from ussd_app.health.enrollment import APPROVED, CHILD, PREGNANCY, Enrollment
from ussd_app.health.facilities import flags
from ussd_app.health.records import ContactAttended, DoseGiven
from ussd_app.sms.schedules import LATE_AFTER_DAYS, antenatal_dates

MAX_LATE_ROWS = 2000  # one centre's children; the CSV export streams the same rows


@dataclass
class Journey:
    enrollment: Enrollment
    given: dict[str, date] = field(default_factory=dict)  # "Penta1" -> day given
    due_today: list = field(default_factory=list)  # calendar Doses that can be ticked today
    contacts: list[date] = field(default_factory=list)  # antenatal contacts attended


@dataclass(frozen=True)
class LateRow:
    enrollment: Enrollment
    doses: tuple[str, ...]  # "Penta2", "VPO2"...
    due: date  # the earliest of them was due that day
    days_late: int


def given_by_enrollment(db, ids: list[int]) -> dict[int, dict[str, date]]:
    given: dict[int, dict[str, date]] = {i: {} for i in ids}
    for row in db.scalars(select(DoseGiven).where(DoseGiven.enrollment_id.in_(ids))) if ids else ():
        given[row.enrollment_id][row.key] = row.given_on
    return given


def contacts_by_enrollment(db, ids: list[int]) -> dict[int, list[date]]:
    contacts: dict[int, list[date]] = {i: [] for i in ids}
    rows = db.execute(select(ContactAttended.enrollment_id, ContactAttended.attended_on)
                      .where(ContactAttended.enrollment_id.in_(ids))
                      .order_by(ContactAttended.attended_on)) if ids else ()
    for enrollment_id, day in rows:
        contacts[enrollment_id].append(day)
    return contacts


def journeys(db, person, today: date) -> dict[str, Journey]:
    """Per reference, the journey of each approved registration on the person's page."""
    approved = [e for e in person.enrollments if e.status == APPROVED]
    ids = [e.id for e in approved]
    given, contacts = given_by_enrollment(db, ids), contacts_by_enrollment(db, ids)
    found = {}
    for e in approved:
        journey = Journey(e, given[e.id], contacts=contacts[e.id])
        if e.kind == CHILD and e.birth_date:
            journey.due_today = due_on(e.birth_date, journey.given, today, flags=flags(e.facility))
        found[e.reference] = journey
    return found


def late_list(db, scope: Scope, today: date) -> list[LateRow]:
    """Approved children with doses not recorded a week after their day, most late first."""
    children = list(db.scalars(enrollments(scope, APPROVED, CHILD).order_by(Enrollment.id).limit(MAX_LATE_ROWS)))
    given = given_by_enrollment(db, [e.id for e in children])
    rows = []
    for child in children:
        late = late_doses(child.birth_date, given[child.id], today, after_days=LATE_AFTER_DAYS,
                          flags=flags(child.facility))
        if late:
            due = min(day for _dose, day in late)
            rows.append(LateRow(child, tuple(d.key for d, _day in late), due, (today - due).days))
    return sorted(rows, key=lambda r: (-r.days_late, r.enrollment.id))


def late_pregnancies(db, scope: Scope, today: date) -> list[LateRow]:
    """Approved pregnancies with no contact recorded a week after a contact's day."""
    pregnancies = list(db.scalars(enrollments(scope, APPROVED, PREGNANCY).order_by(Enrollment.id)
                                  .limit(MAX_LATE_ROWS)))
    contacts = contacts_by_enrollment(db, [e.id for e in pregnancies])
    rows = []
    for pregnancy in pregnancies:
        if not pregnancy.due_date or today > pregnancy.due_date:
            continue
        ahead = antenatal_dates(pregnancy.due_date)[len(contacts[pregnancy.id]):]
        missed = [(step, day) for step, day in ahead if (today - day).days >= LATE_AFTER_DAYS]
        if missed:
            rows.append(LateRow(pregnancy, tuple(step for step, _ in missed), missed[0][1],
                                (today - missed[0][1]).days))
    return sorted(rows, key=lambda r: (-r.days_late, r.enrollment.id))


def pregnancy_week(enrollment: Enrollment, today: date) -> int | None:
    if not enrollment.due_date:
        return None
    return max(0, (today - enrollment.due_date).days + PREGNANCY_DAYS) // 7


def late_rows(db, scope: Scope, today: date):
    """The late list as export rows (ussd_app.clinic.exports): children, then pregnancies."""
    for kind, rows in ((CHILD, late_list(db, scope, today)), (PREGNANCY, late_pregnancies(db, scope, today))):
        for row in rows:
            e = row.enrollment
            yield (e.reference, kind, e.facility.code, e.child_name if kind == CHILD else e.mother_name,
                   e.phone, " ".join(row.doses), row.due, row.days_late)
