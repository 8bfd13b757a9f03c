""""My reminders": the caller's upcoming visits (hers and her children's), stop / restart them,
and stop / receive again every SMS of the service (the person as a whole)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from ussd_app.menus.screens import Effect, End, Menu, Option, Raw, Screen
from ussd_app.sms.optout import is_opted_out, record_opt_in, record_opt_out
from ussd_app.sms.quiet_hours import BAMAKO
from ussd_app.sms.reminder import PLANNED, STOPPED, Reminder
from ussd_app.sms.schedules import stop_reminders
from ussd_app.sms.wording import VISIT_LABELS, short_date
from ussd_app.text.i18n import N_, T, translate

HOME = "reminders.home"
STOPPED_END, RESTARTED_END = "reminders.stopped", "reminders.restarted"
OPTED_OUT_END, OPTED_IN_END = "reminders.optout.done", "reminders.optin.done"
SHOWN_VISITS = 2  # more would push the choices to a second page
USER_STOP = "stopped by the person (USSD)"


def _planned(ctx, phone: str, status: str) -> list[Reminder]:
    today = ctx.now.astimezone(BAMAKO).date()
    return list(ctx.db.scalars(select(Reminder).where(Reminder.phone == phone, Reminder.status == status,
                                                      Reminder.visit_date >= today)
                               .order_by(Reminder.visit_date, Reminder.id)))


def upcoming_visits(ctx, phone: str) -> list[Reminder]:
    """One entry per visit (an appointment has two reminders but is one visit)."""
    seen, visits = set(), []
    for reminder in _planned(ctx, phone, PLANNED):
        key = (reminder.source_ref, reminder.kind, reminder.visit_date)
        if key not in seen:
            seen.add(key)
            visits.append(reminder)
    return visits


def _title(ctx, s):
    lang = s.lang or "fr"
    visits = upcoming_visits(ctx, s.phone)
    if not visits:
        return [N_("My reminders"), N_("No upcoming visits.")]
    lines = [N_("Upcoming visits:")]
    for r in visits[:SHOWN_VISITS]:
        text = translate(lang, T(VISIT_LABELS[r.kind], {"date": short_date(lang, r.visit_date),
                                                       "child": r.child_name or ""}))
        lines.append(Raw(text))
    return lines


def _has_planned(ctx, s) -> bool:
    return bool(_planned(ctx, s.phone, PLANNED))


def _has_stopped_by_user(ctx, s) -> bool:
    return any(r.skip_reason == USER_STOP for r in _planned(ctx, s.phone, STOPPED))


@dataclass(frozen=True)
class StopMyReminders(Effect):
    def apply(self, db, hop) -> None:
        reminders = list(db.scalars(select(Reminder).where(Reminder.phone == hop.phone,
                                                           Reminder.status == PLANNED)))
        stop_reminders(db, reminders, reason=USER_STOP, now=hop.now)


@dataclass(frozen=True)
class RestartMyReminders(Effect):
    """Reminders the person stopped come back if their time has not passed yet."""

    def apply(self, db, hop) -> None:
        for reminder in db.scalars(select(Reminder).where(Reminder.phone == hop.phone, Reminder.status == STOPPED,
                                                          Reminder.skip_reason == USER_STOP,
                                                          Reminder.due_at > hop.now)):
            reminder.status, reminder.skip_reason, reminder.closed_at = PLANNED, None, None


@dataclass(frozen=True)
class OptOutOfSms(Effect):
    def apply(self, db, hop) -> None:
        record_opt_out(db, hop.phone, source="ussd", now=hop.now)


@dataclass(frozen=True)
class OptInToSms(Effect):
    def apply(self, db, hop) -> None:
        record_opt_in(db, hop.phone, now=hop.now)


def screens() -> list[Screen]:
    return [
        Menu(HOME, _title, [
            Option(N_("Stop my reminders"), STOPPED_END, when=_has_planned,
                   effects=lambda ctx, s: (StopMyReminders(),)),
            Option(N_("Restart my reminders"), RESTARTED_END, when=_has_stopped_by_user,
                   effects=lambda ctx, s: (RestartMyReminders(),)),
            Option(N_("Stop all SMS from this service"), OPTED_OUT_END,
                   when=lambda ctx, s: not is_opted_out(ctx.db, s.phone),
                   effects=lambda ctx, s: (OptOutOfSms(),)),
            Option(N_("Receive SMS again"), OPTED_IN_END,
                   when=lambda ctx, s: is_opted_out(ctx.db, s.phone),
                   effects=lambda ctx, s: (OptInToSms(),)),
        ], resumable=False),
        End(STOPPED_END, N_("Your reminders are stopped. You can restart them from My reminders.")),
        End(RESTARTED_END, N_("Your reminders will be sent again.")),
        End(OPTED_OUT_END, N_("You will no longer get SMS from this service. Dial again to change this.")),
        End(OPTED_IN_END, N_("You will get SMS from this service again.")),
    ]


def walk_phones(db) -> list[str]:
    """Phones with reminders in the demo data, so the screen walk sees every screen here."""
    from ussd_app.sms.demo import walk_phones as demo_phones

    return demo_phones(db)
