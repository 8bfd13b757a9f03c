"""Appointments a centre sets: a row here, reminders planned by the SMS schedules. Never commits."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import select, update

from ussd_app.clinic.models import Appointment
from ussd_app.clinic.scope import Scope
from ussd_app.health.enrollment import mother_language
from ussd_app.sms import schedules
from ussd_app.text.i18n import N_

MAX_AHEAD_DAYS = 366
PAST_DATE = N_("Give the date as DD/MM/YYYY, today or later.")
NO_CENTRE = N_("Choose the centre of this appointment.")


class AppointmentError(ValueError):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def set_appointment(db, *, scope: Scope, enrollment, phone: str, when: date, note: str,
                    created_by: str, idempotency_key: str, now: datetime,
                    facility_code: str | None = None) -> Appointment:
    """Record an appointment and plan its reminders (idempotent on `idempotency_key`)."""
    existing = db.scalar(select(Appointment).where(Appointment.idempotency_key == idempotency_key))
    if existing is not None:
        return existing
    today = now.date()
    if when < today or when > today + timedelta(days=MAX_AHEAD_DAYS):
        raise AppointmentError(PAST_DATE)
    if enrollment is not None:
        facility = enrollment.facility
        language = mother_language(db, enrollment)
    else:
        raise AppointmentError(NO_CENTRE)
    scope.check(facility.code)
    appointment = Appointment(facility_code=facility.code, phone=phone,
                              enrollment_reference=enrollment.reference, visit_date=when,
                              note=" ".join(note.split())[:200], idempotency_key=idempotency_key,
                              created_by=created_by[:120], created_at=now)
    db.add(appointment)
    db.flush()
    schedules.start_appointment_reminders(db, phone=phone, language=language, when=when,
                                          facility_name=facility.name,
                                          source_ref=appointment.source_ref, now=now)
    return appointment


def stop_schedule(db, *, source_ref: str, reason: str, now: datetime) -> int:
    """Stop the reminders of an enrollment or appointment that have not gone yet."""
    if source_ref.startswith("appointment:"):
        db.execute(update(Appointment).where(Appointment.id == int(source_ref.split(":", 1)[1]),
                                             Appointment.stopped_at.is_(None))
                   .values(stopped_at=now))
    return schedules.stop_schedules(db, source_ref=source_ref, reason=reason[:200], now=now)
