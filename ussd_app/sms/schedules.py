"""Reminder schedules: visits computed from what the USSD flows collect, planned as rows.

Called by the health registration flow when a clinic approves an enrollment
(`source_ref="enrollment:K7P4QX"`) and by clinic staff setting an appointment. Each function
takes a db session and never commits. Starting twice with the same source_ref plans once.

Timing: a visit's reminder goes at 09:00 Africa/Bamako the day before the visit; an
appointment gets one two days before (09:00) and one the morning of (08:00, the end of the
default quiet hours). A reminder whose time has already passed when it is planned is kept
with status "skipped" and its reason, never sent late.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from ussd_app.sms import outbox
from ussd_app.sms.outbox import OutboxMessage
from ussd_app.sms.reminder import PLANNED, QUEUED, SKIPPED, STOPPED, Reminder
from ussd_app.text.i18n import LANGUAGES
from ussd_app.ussd_request import normalise_phone

BAMAKO = ZoneInfo("Africa/Bamako")
SKIP_PAST = "due before it was planned"


@dataclass(frozen=True)
class Visit:
    step: str
    weeks: int = 0
    months: int = 0
    antigens: str = ""


# Mali's routine immunization calendar (Programme Élargi de Vaccination), as published in the
# WHO immunization data portal's schedule for Mali (immunizationdata.who.int, country MLI) and
# the ministry's PEV calendar: BCG + polio 0 at birth; Penta, polio, PCV and rotavirus at 6, 10
# and 14 weeks (IPV at 14 weeks); measles-rubella 1, yellow fever and MenAfriVac at 9 months;
# measles-rubella 2 at 15 months. The malaria vaccine (from 5 months, introduced 2025) is left
# out until its district roll-out dates are known.
IMMUNIZATION_VISITS = (
    Visit("birth", antigens="BCG, VPO0"),
    Visit("6w", weeks=6, antigens="Penta1, VPO1, PCV1, Rota1"),
    Visit("10w", weeks=10, antigens="Penta2, VPO2, PCV2, Rota2"),
    Visit("14w", weeks=14, antigens="Penta3, VPO3, PCV3, Rota3, VPI"),
    Visit("9m", months=9, antigens="RR1, VAA, MenAfriVac"),
    Visit("15m", months=15, antigens="RR2"),
)

# WHO recommendations on antenatal care for a positive pregnancy experience (2016): eight
# contacts, the first by 12 weeks, then at 20, 26, 30, 34, 36, 38 and 40 weeks of gestation.
ANTENATAL_WEEKS = (12, 20, 26, 30, 34, 36, 38, 40)
PREGNANCY_DAYS = 280  # expected date of delivery = 40 weeks after the last menstrual period

VISIT_REMINDER_TIME = time(9, 0)
APPOINTMENT_REMINDERS = (("day-2", 2, time(9, 0)), ("day-0", 0, time(8, 0)))


def add_months(day: date, months: int) -> date:
    """Same day of the month `months` later (the month's last day when it is shorter)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def immunization_dates(birth_date: date) -> list[tuple[Visit, date]]:
    return [(v, add_months(birth_date + timedelta(weeks=v.weeks), v.months)) for v in IMMUNIZATION_VISITS]


def antenatal_dates(due_date: date) -> list[tuple[str, date]]:
    start = due_date - timedelta(days=PREGNANCY_DAYS)
    return [(f"anc{w}", start + timedelta(weeks=w)) for w in ANTENATAL_WEEKS]


def bamako_time(day: date, at: time) -> datetime:
    return datetime.combine(day, at, tzinfo=BAMAKO)


def _existing(db, source_ref: str, kind: str) -> list[Reminder]:
    return list(db.scalars(select(Reminder).where(Reminder.source_ref == source_ref, Reminder.kind == kind)
                           .order_by(Reminder.visit_date, Reminder.due_at)))


def _plan(db, *, kind: str, phone: str, language: str, source_ref: str, facility_name: str,
          now: datetime, rows: list[tuple[str, date, datetime]], child_name: str | None = None) -> list[Reminder]:
    if language not in LANGUAGES:
        raise ValueError(f"unsupported language {language!r}")
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    existing = _existing(db, source_ref, kind)
    if existing:
        return existing
    phone = normalise_phone(phone)
    planned = []
    for step, visit_date, due_at in rows:
        past = due_at < now
        reminder = Reminder(phone=phone, language=language, kind=kind, step=step, source_ref=source_ref,
                            child_name=child_name, facility_name=facility_name.strip(),
                            visit_date=visit_date, due_at=due_at, created_at=now,
                            status=SKIPPED if past else PLANNED,
                            skip_reason=SKIP_PAST if past else None, closed_at=now if past else None)
        db.add(reminder)
        planned.append(reminder)
    db.flush()
    return planned


def start_immunization_schedule(db, *, phone: str, language: str, child_name: str, birth_date: date,
                                facility_name: str, source_ref: str, now: datetime) -> list[Reminder]:
    rows = [(v.step, day, bamako_time(day - timedelta(days=1), VISIT_REMINDER_TIME))
            for v, day in immunization_dates(birth_date)]
    return _plan(db, kind="immunization", phone=phone, language=language, source_ref=source_ref,
                 facility_name=facility_name, now=now, rows=rows, child_name=child_name.strip())


def start_antenatal_schedule(db, *, phone: str, language: str, due_date: date, facility_name: str,
                             source_ref: str, now: datetime) -> list[Reminder]:
    rows = [(step, day, bamako_time(day - timedelta(days=1), VISIT_REMINDER_TIME))
            for step, day in antenatal_dates(due_date)]
    return _plan(db, kind="antenatal", phone=phone, language=language, source_ref=source_ref,
                 facility_name=facility_name, now=now, rows=rows)


def start_appointment_reminders(db, *, phone: str, language: str, when: date, facility_name: str,
                                source_ref: str, now: datetime) -> list[Reminder]:
    rows = [(step, when, bamako_time(when - timedelta(days=days), at)) for step, days, at in APPOINTMENT_REMINDERS]
    return _plan(db, kind="appointment", phone=phone, language=language, source_ref=source_ref,
                 facility_name=facility_name, now=now, rows=rows)


def stop_reminders(db, reminders: list[Reminder], *, reason: str, now: datetime) -> int:
    """Stop what has not gone: planned reminders, and their outbox rows no worker holds yet."""
    count = 0
    for reminder in reminders:
        if reminder.status == QUEUED and reminder.outbox_id is not None:
            cancelled = outbox.cancel(db, OutboxMessage.id == reminder.outbox_id, f"stopped: {reason}", now)
            if not cancelled:
                continue
        elif reminder.status != PLANNED:
            continue
        reminder.status, reminder.skip_reason, reminder.closed_at = STOPPED, reason[:200], now
        count += 1
    db.flush()
    return count


def stop_schedules(db, *, source_ref: str, reason: str, now: datetime) -> int:
    """Stop every reminder of `source_ref` that has not gone; history stays. Returns how many."""
    reminders = list(db.scalars(select(Reminder).where(Reminder.source_ref == source_ref,
                                                       Reminder.status.in_((PLANNED, QUEUED)))))
    return stop_reminders(db, reminders, reason=reason, now=now)
