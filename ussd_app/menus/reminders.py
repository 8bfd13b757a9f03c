""""My reminders": the caller's upcoming visits (hers and her children's), stop / restart her
health reminders, and stop / receive again every SMS of the service (receipts included).

Stopping is a choice kept for the person (ussd_app.sms.optout), asked for with a confirmation
that says what still comes; the visits stay listed, marked as stopped, with the way back.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from ussd_app.menus.channel import CHOOSE as CHANNEL
from ussd_app.menus.screens import Effect, End, Menu, Option, Raw, Screen
from ussd_app.sms.optout import record_opt_in, record_opt_out, stopped_for
from ussd_app.sms.purposes import ALL, HEALTH, REMINDERS
from ussd_app.sms.quiet_hours import BAMAKO
from ussd_app.sms.reminder import PLANNED, Reminder
from ussd_app.sms.wording import VISIT_LABELS, is_overdue, short_date
from ussd_app.text.i18n import N_, T, translate

HOME = "reminders.home"
CONFIRM_STOP, CONFIRM_STOP_ALL = "reminders.stop.confirm", "reminders.optout.confirm"
STOPPED_END, RESTARTED_END = "reminders.stopped", "reminders.restarted"
OPTED_OUT_END, OPTED_IN_END = "reminders.optout.done", "reminders.optin.done"
SHOWN_VISITS = 2  # more would push the choices to a second page


def upcoming_visits(ctx, phone: str) -> list[Reminder]:
    """One entry per visit (an appointment has two reminders but is one visit); read once a hop."""
    return ctx.once(("reminders.visits", phone), lambda: _upcoming_visits(ctx, phone))


def _upcoming_visits(ctx, phone: str) -> list[Reminder]:
    today = ctx.now.astimezone(BAMAKO).date()
    planned = ctx.db.scalars(select(Reminder).where(Reminder.phone == phone, Reminder.status == PLANNED,
                                                    Reminder.visit_date >= today)
                             .order_by(Reminder.visit_date, Reminder.id))
    seen, visits = set(), []
    for reminder in planned:
        key = (reminder.source_ref, reminder.kind, reminder.visit_date)
        if key not in seen and not is_overdue(reminder):  # an overdue message is no visit
            seen.add(key)
            visits.append(reminder)
    return visits


def _stopped(ctx, s) -> frozenset[str]:
    # Asked by the title and by each option's condition: read once a hop.
    return ctx.once(("reminders.stopped", s.phone), lambda: stopped_for(ctx.db, s.phone))


def _title(ctx, s):
    lang = s.lang or "fr"
    stopped = _stopped(ctx, s)
    visits = upcoming_visits(ctx, s.phone)
    shown = SHOWN_VISITS
    if ALL in stopped:
        heading = N_("All SMS stopped, receipts too.")
    elif REMINDERS in stopped:
        # The next visit, marked as stopped; two choices follow (restart, or stop everything).
        heading = N_("Reminders stopped. Next visit:") if visits else N_("Your reminders are stopped.")
        shown = 1
    elif visits:
        heading = N_("Upcoming visits:")
    else:
        return [N_("My reminders"), N_("No upcoming visits.")]
    lines = [heading]
    for r in visits[:shown]:
        text = translate(lang, T(VISIT_LABELS[r.kind], {"date": short_date(lang, r.visit_date),
                                                       "child": r.child_name or ""}))
        lines.append(Raw(text))
    return lines


def _reminders_go(ctx, s) -> bool:
    return not _stopped(ctx, s) & {REMINDERS, ALL}


def _health_stopped_only(ctx, s) -> bool:
    stopped = _stopped(ctx, s)
    return ALL not in stopped and bool(stopped & set(HEALTH))


@dataclass(frozen=True)
class StopMyReminders(Effect):
    """Her health reminders and the centres' campaigns; receipts and what she asks for still go."""

    def apply(self, db, hop) -> None:
        record_opt_out(db, hop.phone, source="ussd", now=hop.now, categories=HEALTH)


@dataclass(frozen=True)
class RestartMyReminders(Effect):
    """Reminders not yet due go again; those that fell due while stopped stay skipped."""

    def apply(self, db, hop) -> None:
        record_opt_in(db, hop.phone, now=hop.now, categories=HEALTH)


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
            Option(N_("Stop my reminders"), CONFIRM_STOP, when=_reminders_go),
            Option(N_("Restart my reminders"), RESTARTED_END, when=_health_stopped_only,
                   effects=lambda ctx, s: (RestartMyReminders(),)),
            Option(N_("Stop all SMS from this service"), CONFIRM_STOP_ALL,
                   when=lambda ctx, s: ALL not in _stopped(ctx, s)),
            Option(N_("Receive SMS again"), OPTED_IN_END,
                   when=lambda ctx, s: ALL in _stopped(ctx, s),
                   effects=lambda ctx, s: (OptInToSms(),)),
            Option(N_("SMS or phone call"), CHANNEL),
        ], resumable=False),
        Menu(CONFIRM_STOP, N_("Stop your reminders and your centre's messages? Savings receipts and "
                              "SMS you ask for still come."), [
            Option(N_("Yes"), STOPPED_END, effects=lambda ctx, s: (StopMyReminders(),)),
            Option(N_("No"), HOME),
        ], resumable=False),
        Menu(CONFIRM_STOP_ALL, N_("Stop every SMS from this service? Your savings receipts stop too."), [
            Option(N_("Yes"), OPTED_OUT_END, effects=lambda ctx, s: (OptOutOfSms(),)),
            Option(N_("No"), HOME),
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
