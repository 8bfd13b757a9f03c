"""Scoped reads of the centre's people: enrollments, mothers, children, their reminders.

The health module owns enrollments and facilities; this module only filters them through a
`Scope`, so staff of one centre never load another centre's rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import and_, func, or_, select, true
from werkzeug.exceptions import NotFound

from ussd_app.clinic.models import Appointment, Campaign
from ussd_app.clinic.scope import Scope
from ussd_app.health.enrollment import Enrollment
from ussd_app.health.facilities import Facility
from ussd_app.health.outcomes import for_enrollments as outcomes_for
from ussd_app.sms.optout import stopped_for
from ussd_app.sms.outbox import OutboxMessage
from ussd_app.sms.reminder import PLANNED, Reminder

PAGE_SIZE = 50


def enrollments(scope: Scope, status: str | None = None, kind: str | None = None):
    query = select(Enrollment).join(Enrollment.facility).where(scope.where(Facility.code))
    if status:
        query = query.where(Enrollment.status == status)
    if kind:
        query = query.where(Enrollment.kind == kind)
    return query


def enrollment(db, scope: Scope, reference: str) -> Enrollment:
    """The enrollment with this reference if it is in scope; 404 otherwise (exists or not)."""
    found = db.scalar(enrollments(scope).where(Enrollment.reference == reference.strip().upper()))
    if found is None:
        raise NotFound()
    return found


def facilities(db, scope: Scope) -> list[Facility]:
    return list(db.scalars(select(Facility).where(scope.where(Facility.code)).order_by(Facility.name)))


def facility_by_code(db, code: str | None) -> Facility | None:
    if not code:
        return None
    return db.scalar(select(Facility).where(Facility.code == code))


def centre_phones(scope: Scope):
    """A subquery of the phones of people enrolled at the scope's centre(s)."""
    return (select(Enrollment.phone).join(Enrollment.facility)
            .where(scope.where(Facility.code)).distinct())


@dataclass
class Person:
    phone: str
    enrollments: list = field(default_factory=list)
    reminders: list = field(default_factory=list)
    appointments: list = field(default_factory=list)
    stopped: frozenset = frozenset()  # what she stopped from her phone (ussd_app.sms.optout)
    outcomes: dict = field(default_factory=dict)  # enrollment id -> birth or loss recorded

    @property
    def children(self):
        return [e for e in self.enrollments if e.kind == "child"]

    @property
    def pregnancies(self):
        return [e for e in self.enrollments if e.kind == "pregnancy"]

    @property
    def name(self) -> str | None:
        """Her name as she gave it at her latest registration that asked it (older ones did not)."""
        return next((e.mother_name for e in reversed(self.enrollments) if e.mother_name), None)

    @property
    def children_names(self) -> list[str]:
        return sorted({e.child_name for e in self.children if e.child_name})

    @property
    def stoppable(self) -> set[str]:
        """The schedules (source refs) that still have reminders to stop."""
        return {r.source_ref for r in self.reminders if r.status == PLANNED}

    def shown_phone(self, scope: Scope) -> str:
        """Her number in full for staff of a centre she is registered at, masked for others."""
        codes = {e.facility.code for e in self.enrollments} | {a.facility_code for a in self.appointments}
        return self.phone if scope.facility_code in codes else masked(self.phone)


def masked(phone: str) -> str:
    """+22376••••01: enough to tell two mothers apart, not enough to call her."""
    return phone[:6] + "•" * max(len(phone) - 8, 0) + phone[-2:]


def people_page(db, scope: Scope, *, after: str | None = None, search: str = "") -> list[Person]:
    """Mothers of the centre, by phone (keyset pages), each with her enrollments here."""
    phones_q = (select(Enrollment.phone).join(Enrollment.facility).where(scope.where(Facility.code))
                .group_by(Enrollment.phone).order_by(Enrollment.phone).limit(PAGE_SIZE))
    if after:
        phones_q = phones_q.where(Enrollment.phone > after)
    if search:
        like = f"%{search.strip()}%"
        phones_q = phones_q.where(or_(Enrollment.phone.like(like), Enrollment.child_name.ilike(like),
                                      Enrollment.mother_name.ilike(like),
                                      Enrollment.reference == search.strip().upper()))
    phones = list(db.scalars(phones_q))
    if not phones:
        return []
    people = {p: Person(p) for p in phones}
    rows = db.scalars(enrollments(scope).where(Enrollment.phone.in_(phones))
                      .order_by(Enrollment.created_at))
    for row in rows:
        people[row.phone].enrollments.append(row)
    return [people[p] for p in phones]


def person(db, scope: Scope, phone: str) -> Person:
    """One mother: her enrollments, appointments and reminders at the scope's centre(s)."""
    found = list(db.scalars(enrollments(scope).where(Enrollment.phone == phone).order_by(Enrollment.created_at)))
    appointments = list(db.scalars(select(Appointment).where(Appointment.phone == phone,
                                                             scope.where(Appointment.facility_code))
                                   .order_by(Appointment.visit_date.desc())))
    if not found and not appointments:
        raise NotFound()
    refs = [e.source_ref for e in found] + [a.source_ref for a in appointments]
    reminders = list(db.scalars(select(Reminder).where(Reminder.source_ref.in_(refs))
                                .order_by(Reminder.visit_date, Reminder.due_at)))
    return Person(phone, found, reminders, appointments, stopped_for(db, phone),
                  outcomes_for(db, [e.id for e in found]))


def outbox_in_scope(scope: Scope):
    """Messages a centre may see: its campaigns' and those about its people's care.

    Savings receipts are the group's business, never the clinic's, even to the same phone.
    """
    if scope.is_admin:
        return true()
    campaign_ids = select(Campaign.id).where(scope.where(Campaign.facility_code))
    care = and_(OutboxMessage.recipient.in_(centre_phones(scope)),
                OutboxMessage.kind.in_(("enrollment", "reminder", "immunization", "antenatal", "appointment")))
    return or_(OutboxMessage.campaign_id.in_(campaign_ids), care)


def status_counts(db, scope: Scope) -> dict[str, int]:
    rows = db.execute(select(OutboxMessage.status, func.count()).where(outbox_in_scope(scope))
                      .group_by(OutboxMessage.status))
    return {status: count for status, count in rows}
