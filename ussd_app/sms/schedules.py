"""Reminder schedules: visits computed from what the USSD flows collect, planned as rows.

Called by the health registration flow when a clinic approves an enrollment
(`source_ref="enrollment:K7P4QX"`) and by clinic staff setting an appointment. Each function
takes a db session and never commits. Starting twice with the same source_ref plans once.

Timing: a visit's reminder goes at 09:00 Africa/Bamako the day before the visit; an
appointment gets one two days before (09:00) and one the morning of (08:00, the end of the
default quiet hours). A reminder whose time has already passed when it is planned is kept
with status "skipped" and its reason, never sent late. Vaccinations and antenatal contacts
are planned from the calendar (ussd_app.health.catchup): what was missed but is still allowed
is asked for tomorrow, its reminder going now; each visit also has an overdue message a week
after it (step "<visit>-late"), stopped when the visit is recorded (`replan`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from ussd_app.sms import outbox
from ussd_app.health.calendar import CALENDAR, add_months  # noqa: F401 (add_months: callers' import)
from ussd_app.health.catchup import PREGNANCY_DAYS, antenatal_dates, plan_child, plan_pregnancy  # noqa: F401
from ussd_app.sms.outbox import OutboxMessage
from ussd_app.sms.reminder import PLANNED, QUEUED, SKIPPED, STOPPED, Reminder
from ussd_app.text.i18n import LANGUAGES
from ussd_app.ussd_request import normalise_phone

BAMAKO = ZoneInfo("Africa/Bamako")
SKIP_PAST = "due before it was planned"
SKIP_TOO_OLD = "past the catch-up age"
RECORDED = "visit recorded or moved"  # a dose or contact was recorded: the plan changed
LATE_SUFFIX = "-late"  # the overdue message of a visit: step "6w-late"
LATE_AFTER_DAYS = 7
STEP_SEPARATOR = "~"  # a visit planned again after its first reminder: "10w~2"


@dataclass(frozen=True)
class Visit:
    step: str
    weeks: int = 0
    months: int = 0
    antigens: str = ""


def _visit(step: str, age, doses) -> Visit:
    return Visit(step, weeks=age.count if age.unit == "w" else 0, months=age.count if age.unit == "m" else 0,
                 antigens=", ".join(d.key for d in doses))


# The calendar is data (ussd_app/health/data/calendar.toml, each row with its source); these
# are the visits every centre gives (the malaria vaccine is a per-centre flag).
IMMUNIZATION_VISITS = tuple(_visit(step, age, doses) for step, age, doses in CALENDAR.visits())
ANTENATAL_WEEKS = CALENDAR.antenatal_weeks

VISIT_REMINDER_TIME = time(9, 0)
APPOINTMENT_REMINDERS = (("day-2", 2, time(9, 0)), ("day-0", 0, time(8, 0)))


def immunization_dates(birth_date: date, flags: frozenset[str] = frozenset()) -> list[tuple[Visit, date]]:
    """The calendar's visits for a child born on `birth_date`, at their ages."""
    return [(_visit(step, age, doses), age.after(birth_date)) for step, age, doses in CALENDAR.visits(flags)]


def bamako_time(day: date, at: time) -> datetime:
    return datetime.combine(day, at, tzinfo=BAMAKO)


def _existing(db, source_ref: str, kind: str) -> list[Reminder]:
    return list(db.scalars(select(Reminder).where(Reminder.source_ref == source_ref, Reminder.kind == kind)
                           .order_by(Reminder.visit_date, Reminder.due_at)))


def _checked(language: str, now: datetime) -> None:
    if language not in LANGUAGES:
        raise ValueError(f"unsupported language {language!r}")
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")


def _plan(db, *, kind: str, phone: str, language: str, source_ref: str, facility_name: str,
          now: datetime, rows: list[tuple], child_name: str | None = None) -> list[Reminder]:
    """Rows are (step, visit date, due at[, reason it is not sent])."""
    _checked(language, now)
    existing = _existing(db, source_ref, kind)
    if existing:
        return existing
    return _add(db, kind=kind, phone=normalise_phone(phone), language=language, source_ref=source_ref,
                facility_name=facility_name, now=now, rows=rows, child_name=child_name)


def _add(db, *, kind, phone, language, source_ref, facility_name, now, rows, child_name=None) -> list[Reminder]:
    planned = []
    for step, visit_date, due_at, *why in rows:
        reason = why[0] if why else (SKIP_PAST if due_at < now else None)
        reminder = Reminder(phone=phone, language=language, kind=kind, step=step, source_ref=source_ref,
                            child_name=child_name, facility_name=facility_name.strip(),
                            visit_date=visit_date, due_at=due_at, created_at=now,
                            status=SKIPPED if reason else PLANNED,
                            skip_reason=reason, closed_at=now if reason else None)
        db.add(reminder)
        planned.append(reminder)
    db.flush()
    return planned


def _tomorrow(now: datetime) -> date:
    return now.astimezone(BAMAKO).date() + timedelta(days=1)


def _visit_rows(step: str, day: date, now: datetime) -> list[tuple[str, date, datetime]]:
    """A visit's reminder (the day before at 09:00, or at once for a visit planned for
    tomorrow), and its overdue message a week after the visit, kept unless the visit is recorded."""
    due = max(bamako_time(day - timedelta(days=1), VISIT_REMINDER_TIME), now)
    late_day = day + timedelta(days=LATE_AFTER_DAYS)
    return [(step, day, due), (step + LATE_SUFFIX, late_day, bamako_time(late_day, VISIT_REMINDER_TIME))]


def immunization_rows(birth_date: date, given: dict[str, date], flags: frozenset[str],
                      now: datetime) -> list[tuple]:
    """Reminder rows for a child's plan. Visits falling on one day (missed doses caught up
    together) are one reminder, named after the latest of them."""
    rows, by_day = [], {}
    for visit in plan_child(birth_date, given, flags=flags, earliest=_tomorrow(now)):
        if visit.doses:
            by_day[visit.day] = visit.step
        elif visit.dropped and not visit.given:
            rows.append((visit.step, visit.day, bamako_time(visit.day, VISIT_REMINDER_TIME), SKIP_TOO_OLD))
    for day, step in by_day.items():
        rows += _visit_rows(step, day, now)
    return rows


def start_immunization_schedule(db, *, phone: str, language: str, child_name: str, birth_date: date,
                                facility_name: str, source_ref: str, now: datetime,
                                flags: frozenset[str] = frozenset(),
                                given: dict[str, date] | None = None) -> list[Reminder]:
    """Plan a child's visits from today: what is due later at its age, what was missed as
    catch-up while still allowed (ussd_app.health.catchup)."""
    rows = immunization_rows(birth_date, given or {}, flags, now)
    return _plan(db, kind="immunization", phone=phone, language=language, source_ref=source_ref,
                 facility_name=facility_name, now=now, rows=rows, child_name=child_name.strip())


def antenatal_rows(due_date: date, attended: list[date], now: datetime) -> list[tuple]:
    rows = []
    for step, day, asked in plan_pregnancy(due_date, attended, earliest=_tomorrow(now)):
        if asked:
            rows += _visit_rows(step, day, now)
        else:
            rows.append((step, day, bamako_time(day - timedelta(days=1), VISIT_REMINDER_TIME), SKIP_PAST))
    return rows


def start_antenatal_schedule(db, *, phone: str, language: str, due_date: date, facility_name: str,
                             source_ref: str, now: datetime, attended: list[date] | None = None) -> list[Reminder]:
    return _plan(db, kind="antenatal", phone=phone, language=language, source_ref=source_ref,
                 facility_name=facility_name, now=now, rows=antenatal_rows(due_date, attended or [], now))


def replan(db, *, kind: str, source_ref: str, rows: list[tuple], now: datetime) -> list[Reminder]:
    """After a dose or contact is recorded: keep the planned reminders that still fit, stop the
    others (the visit was recorded or moved), add what is new. Nothing is planned where nothing
    was (a pending or closed enrollment has no schedule to move)."""
    existing = _existing(db, source_ref, kind)
    live = [r for r in existing if r.status == PLANNED]
    if not live:
        return []
    template = live[0]
    wanted = []
    for row in rows:
        if len(row) > 3:
            continue  # history (skipped) rows are written at the first plan only
        step, day, due_at = row
        same = [r for r in existing if r.step.split(STEP_SEPARATOR)[0] == step and r.visit_date == day
                and r.status in (PLANNED, QUEUED)]
        if not same:
            wanted.append((step, day, due_at))
        for reminder in same:  # already planned or sent for that day: it stands
            if reminder in live:
                live.remove(reminder)
    stop_reminders(db, live, reason=RECORDED, now=now)
    taken = {r.step for r in existing}
    fresh = []
    for step, day, due_at in wanted:
        name, n = step, 1
        while name in taken:
            n += 1
            name = f"{step}{STEP_SEPARATOR}{n}"
        taken.add(name)
        fresh.append((name, day, due_at))
    return _add(db, kind=kind, phone=template.phone, language=template.language, source_ref=source_ref,
                facility_name=template.facility_name, now=now, rows=fresh, child_name=template.child_name)


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
