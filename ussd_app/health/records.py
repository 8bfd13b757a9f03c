"""What the centre gave: vaccine doses and antenatal contacts, recorded by staff (dashboard, API,
the register's CSV). A record re-plans the journey: the visit's reminders and its overdue message
stop, the next doses move to keep their minimum intervals after the date actually given.

Each record carries a client key: the same key again is the same record (a resent form or API
call, a CSV imported twice), never a second one. Functions take a session and never commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, String, UniqueConstraint, select
from sqlalchemy.orm import Mapped, mapped_column

from ussd_app.clock import system_now
from ussd_app.db import Base, UTCDateTime
from ussd_app.health.calendar import CALENDAR
from ussd_app.health.enrollment import APPROVED, CHILD, PREGNANCY, Enrollment
from ussd_app.health.facilities import flags
from ussd_app.sms import schedules
from ussd_app.sms.quiet_hours import BAMAKO


class DoseGiven(Base):
    __tablename__ = "health_doses_given"
    __table_args__ = (UniqueConstraint("enrollment_id", "antigen", "dose"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enrollment_id: Mapped[int] = mapped_column(ForeignKey("health_enrollments.id"), index=True)
    antigen: Mapped[str] = mapped_column(String(16))
    dose: Mapped[int] = mapped_column(Integer)
    given_on: Mapped[date] = mapped_column(Date)
    facility_code: Mapped[str] = mapped_column(String(32), index=True)  # where it was given
    recorded_by: Mapped[str] = mapped_column(String(80))
    client_key: Mapped[str] = mapped_column(String(160), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=system_now)

    @property
    def key(self) -> str:
        return f"{self.antigen}{self.dose}"


class ContactAttended(Base):
    __tablename__ = "health_antenatal_contacts"
    __table_args__ = (UniqueConstraint("enrollment_id", "attended_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enrollment_id: Mapped[int] = mapped_column(ForeignKey("health_enrollments.id"), index=True)
    attended_on: Mapped[date] = mapped_column(Date)
    facility_code: Mapped[str] = mapped_column(String(32), index=True)
    recorded_by: Mapped[str] = mapped_column(String(80))
    client_key: Mapped[str] = mapped_column(String(160), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=system_now)


class RecordError(ValueError):
    """A record that cannot be kept (unknown dose, a date before birth or in the future...)."""


@dataclass(frozen=True)
class Recorded:
    rows: list
    created: int  # how many are new (0: every one was already recorded)


def doses_given(db, enrollment: Enrollment) -> dict[str, date]:
    return {r.key: r.given_on for r in db.scalars(select(DoseGiven).where(DoseGiven.enrollment_id == enrollment.id))}


def contacts_attended(db, enrollment: Enrollment) -> list[date]:
    return list(db.scalars(select(ContactAttended.attended_on)
                           .where(ContactAttended.enrollment_id == enrollment.id)
                           .order_by(ContactAttended.attended_on)))


def _today(now: datetime) -> date:
    return now.astimezone(BAMAKO).date()


def record_doses(db, enrollment: Enrollment, doses: list[tuple[str, date]], *, recorded_by: str,
                 client_key: str, now: datetime) -> Recorded:
    """Record doses given to a child (("Penta1", date), ...) and re-plan her reminders."""
    if enrollment.kind != CHILD:
        raise RecordError("doses are recorded for a child's registration")
    if not doses:
        raise RecordError("no dose to record")
    rows, created = [], 0
    for name, given_on in doses:
        dose = CALENDAR.dose(name)
        if dose is None:
            raise RecordError(f"unknown dose {name!r}")
        if not enrollment.birth_date <= given_on <= _today(now):
            raise RecordError(f"{dose.key}: the date must be between the birth and today")
        key = f"{client_key}:{dose.key}"[:160]
        same = db.scalar(select(DoseGiven).where(DoseGiven.client_key == key))
        earlier = same or db.scalar(select(DoseGiven).where(
            DoseGiven.enrollment_id == enrollment.id, DoseGiven.antigen == dose.antigen,
            DoseGiven.dose == dose.number))
        if earlier is not None:
            if earlier.given_on != given_on:
                raise RecordError(f"{dose.key} is already recorded on {earlier.given_on:%d/%m/%Y}")
            rows.append(earlier)
            continue
        row = DoseGiven(enrollment_id=enrollment.id, antigen=dose.antigen, dose=dose.number, given_on=given_on,
                        facility_code=enrollment.facility.code, recorded_by=recorded_by[:80], client_key=key,
                        created_at=now)
        db.add(row)
        rows.append(row)
        created += 1
    db.flush()
    if created:
        replan(db, enrollment, now=now)
    return Recorded(rows, created)


def record_contact(db, enrollment: Enrollment, attended_on: date, *, recorded_by: str, client_key: str,
                   now: datetime) -> Recorded:
    """Record an antenatal contact she attended and re-plan the contacts ahead."""
    if enrollment.kind != PREGNANCY:
        raise RecordError("antenatal contacts are recorded for a pregnancy's registration")
    if attended_on > _today(now):
        raise RecordError("the date must be today or earlier")
    key = client_key[:160]
    earlier = db.scalar(select(ContactAttended).where(ContactAttended.client_key == key)) or db.scalar(
        select(ContactAttended).where(ContactAttended.enrollment_id == enrollment.id,
                                      ContactAttended.attended_on == attended_on))
    if earlier is not None:
        return Recorded([earlier], 0)
    row = ContactAttended(enrollment_id=enrollment.id, attended_on=attended_on, recorded_by=recorded_by[:80],
                          facility_code=enrollment.facility.code, client_key=key, created_at=now)
    db.add(row)
    db.flush()
    replan(db, enrollment, now=now)
    return Recorded([row], 1)


def replan(db, enrollment: Enrollment, *, now: datetime) -> None:
    """Move an approved journey's planned reminders to what was recorded (ussd_app.sms.schedules)."""
    if enrollment.status != APPROVED:
        return
    if enrollment.kind == CHILD:
        rows = schedules.immunization_rows(enrollment.birth_date, doses_given(db, enrollment),
                                           flags(enrollment.facility), now)
        schedules.replan(db, kind="immunization", source_ref=enrollment.source_ref, rows=rows, now=now)
    else:
        rows = schedules.antenatal_rows(enrollment.due_date, contacts_attended(db, enrollment), now)
        schedules.replan(db, kind="antenatal", source_ref=enrollment.source_ref, rows=rows, now=now)
