"""Postnatal-care reminders for a mother and her newborn, planned from the date of birth.

Source: WHO recommendations on maternal and newborn care for a positive postnatal experience
(Geneva, 2022; NCBI Bookshelf NBK579653), Recommendation 44: at least four postnatal contacts,
the first within 24 hours of birth (in the facility for at least 24 hours after a facility
birth), then between 48 and 72 hours, between days 7 and 14, and during week 6. The Family
Planning Global Handbook (2022), ch. 24 "After Childbirth", says the same as "on day 3,
in days 7 through 14, at 6 weeks".

Each contact is a window of days after the birth. Births are told after the fact, so a window
already open is reminded now (its visit day is today) and a window already closed is kept as
"skipped", never sent late. The other reminders go at 09:00 (Bamako) the day before the visit,
like every visit reminder. Rows belong to the child's registration (`source_ref`), so stopping
the child's schedules (a loss) stops them too. Starting twice plans once.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from ussd_app.health.dates import today_in_mali
from ussd_app.sms.reminder import PLANNED, SKIPPED, Reminder

KIND = "postnatal"
BAMAKO = ZoneInfo("Africa/Bamako")
REMIND_AT = time(9, 0)
# (step, first day, last day) after the birth (day 0): Recommendation 44 above.
CONTACTS = (
    ("pnc1", 0, 1),  # within 24 hours
    ("pnc2", 2, 3),  # 48-72 hours ("day 3")
    ("pnc3", 7, 14),  # days 7-14
    ("pnc4", 42, 42),  # 6 weeks
)
POSTNATAL_DAYS = 42  # the postnatal period: six weeks after the birth
SKIP_PAST = "postnatal window closed before the birth was recorded"


def contact_days(birth_date: date, today: date) -> list[tuple[str, date, date | None]]:
    """Each contact: its step, its first day, and its visit day (the first day, today if the
    window is open, None if it has closed)."""
    days = []
    for step, first, last in CONTACTS:
        start, end = birth_date + timedelta(days=first), birth_date + timedelta(days=last)
        days.append((step, start, None if today > end else max(start, today)))
    return days


def is_newborn(birth_date: date | None, today: date) -> bool:
    return birth_date is not None and 0 <= (today - birth_date).days <= POSTNATAL_DAYS


def start(db, *, phone: str, language: str, birth_date: date, facility_name: str, source_ref: str,
          child_name: str | None, now: datetime) -> list[Reminder]:
    """Plan the postnatal reminders of a child born on `birth_date` (once per `source_ref`)."""
    existing = list(db.scalars(select(Reminder).where(Reminder.source_ref == source_ref,
                                                      Reminder.kind == KIND)))
    if existing:
        return existing
    today = today_in_mali(now)
    planned = []
    for step, first_day, visit in contact_days(birth_date, today):
        if visit is None:
            row = Reminder(visit_date=first_day, due_at=now, status=SKIPPED, skip_reason=SKIP_PAST,
                           closed_at=now)
        else:
            day_before = datetime.combine(visit - timedelta(days=1), REMIND_AT, tzinfo=BAMAKO)
            row = Reminder(visit_date=visit, due_at=max(day_before, now), status=PLANNED)
        row.phone, row.language, row.kind, row.step = phone, language, KIND, step
        row.source_ref, row.child_name, row.facility_name = source_ref, child_name, facility_name.strip()
        row.created_at = now
        db.add(row)
        planned.append(row)
    db.flush()
    return planned
