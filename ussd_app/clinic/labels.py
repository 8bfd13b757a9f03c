"""What the dashboard shows for the codes stored in the database: a translated label for every
kind, step, status and reason, so staff never read `anc12`, `day-2` or an English reason.

Every function returns a `T` (or None when there is nothing worth showing): the templates
translate it into the staff member's language with `_()`. A code nobody knows yet shows nothing
rather than itself.
"""

from __future__ import annotations

import re

from ussd_app.clinic.campaigns import CANCELLED_ERROR
from ussd_app.health import enrollment as health
from ussd_app.sms.dispatch import SKIP_OPTED_OUT, SKIP_VISIT_PASSED
from ussd_app.sms.purposes import ALL, CAMPAIGNS, REMINDERS
from ussd_app.sms.schedules import SKIP_PAST
from ussd_app.text.i18n import N_, T

ENROLLMENT_STATUSES = {health.PENDING: N_("pending"), health.APPROVED: N_("approved"),
                       health.DECLINED: N_("declined"), health.ENDED: N_("closed")}
ENROLLMENT_KINDS = {health.PREGNANCY: N_("pregnancy"), health.CHILD: N_("child")}
# What staff choose from (the mother is told health.DECLINE_REASONS, in her language).
DECLINE_REASONS = {"outside_area": N_("Lives outside the centre's area"),
                   "bring_card": N_("Must come to the centre with the health card"),
                   "already_registered": N_("Already registered"),
                   "missing_information": N_("Information missing"),
                   "see_the_centre": N_("Other: she should come to the centre")}

REMINDER_KINDS = {"immunization": N_("vaccination"), "antenatal": N_("antenatal visit"),
                  "appointment": N_("appointment")}
REMINDER_STATUSES = {"planned": N_("planned"), "queued": N_("sent to the outbox"),
                     "skipped": N_("skipped"), "stopped": N_("stopped")}
STAFF_STOP = "stopped by "  # + the staff member's user name (ussd_app.clinic.views_people)
# Rows from before stopping became her choice (ussd_app.sms.optout) say it this way.
OLD_USER_STOP = "stopped by the person (USSD)"
SKIP_REASONS = {
    SKIP_PAST: N_("its date had passed when it was planned"),
    SKIP_VISIT_PASSED: N_("the visit had passed before it could go"),
    SKIP_OPTED_OUT: N_("she stopped these SMS"),
    OLD_USER_STOP: N_("she stopped them from her phone"),
    health.DECLINED: N_("the registration was declined"),
    health.ENDED: N_("the registration was closed"),
}

MESSAGE_KINDS = {"enrollment": N_("registration"), "reminder": N_("reminder"), "campaign": N_("campaign"),
                 "health_info": N_("health information"), "keyword_reply": N_("reply to an SMS"),
                 "savings_receipt": N_("savings receipt"), "test": N_("test message")}
MESSAGE_STATUSES = {"pending": N_("waiting"), "queued": N_("queued"), "sent": N_("sent"),
                    "delivered": N_("delivered"), "failed": N_("failed"), "rejected": N_("rejected")}
MESSAGE_ERRORS = {CANCELLED_ERROR: N_("cancelled by the centre"), SKIP_OPTED_OUT: N_("she stopped these SMS"),
                  "not an E.164 phone number": N_("not a valid phone number")}

_WEEKS = re.compile(r"^(\d{1,2})w$")
_MONTHS = re.compile(r"^(\d{1,2})m$")
_ANTENATAL = re.compile(r"^anc(\d{1,2})$")
_DAYS_BEFORE = re.compile(r"^day-(\d{1,2})$")


def _known(table: dict, code: str | None) -> T | None:
    msgid = table.get(code or "")
    return T(msgid) if msgid else None


def enrollment_status(code: str) -> T | None:
    return _known(ENROLLMENT_STATUSES, code)


def enrollment_kind(code: str) -> T | None:
    return _known(ENROLLMENT_KINDS, code)


def decline_reason(code: str | None) -> T | None:
    return _known(DECLINE_REASONS, code)


def reminder_kind(code: str) -> T | None:
    return _known(REMINDER_KINDS, code)


def reminder_status(code: str) -> T | None:
    return _known(REMINDER_STATUSES, code)


def reminder_step(step: str) -> T | None:
    """A visit's step as people say it: "6 weeks", "week 12 of pregnancy", "2 days before"."""
    if step == "birth":
        return T(N_("at birth"))
    if step == "day-0":
        return T(N_("on the day"))
    for pattern, msgid, name in ((_WEEKS, N_("at {count} weeks"), "count"),
                                 (_MONTHS, N_("at {count} months"), "count"),
                                 (_ANTENATAL, N_("week {count} of pregnancy"), "count"),
                                 (_DAYS_BEFORE, N_("{count} days before"), "count")):
        found = pattern.match(step or "")
        if found:
            return T(msgid, {name: int(found.group(1))})
    return None


def skip_reason(reason: str | None) -> T | None:
    if not reason:
        return None
    if reason in SKIP_REASONS:
        return T(SKIP_REASONS[reason])
    if reason.startswith(STAFF_STOP):
        return T(N_("stopped by {name}"), {"name": reason[len(STAFF_STOP):]})
    return None


def message_kind(code: str) -> T | None:
    return _known(MESSAGE_KINDS, code)


def message_status(code: str) -> T | None:
    return _known(MESSAGE_STATUSES, code)


def message_error(error: str | None) -> T | None:
    """Why a message failed: our own reasons translated; the SMS provider's answer as it gave it."""
    if not error:
        return None
    if error in MESSAGE_ERRORS:
        return T(MESSAGE_ERRORS[error])
    if error.startswith("stopped: "):
        return T(N_("reminder stopped"))
    if error.startswith("gave up after "):
        return T(N_("given up after several tries"))
    if error.startswith("call not answered: "):  # ussd_app/voice/calls.py
        return T(N_("call not answered ({cause})"), {"cause": error.split(": ", 1)[1]})
    if error.endswith(": sent by SMS instead"):
        return T(N_("no call: sent by SMS instead"))
    return T(N_("SMS provider: {detail}"), {"detail": error})


def opted_out(stopped: frozenset[str]) -> T | None:
    """What she stopped from her phone (ussd_app.sms.optout), said to the staff who plan her visits."""
    if ALL in stopped:
        return T(N_("She stopped every SMS of the service: nothing is sent to her."))
    if REMINDERS in stopped:
        return T(N_("She stopped her reminders from her phone: the planned ones will not be sent."))
    if CAMPAIGNS in stopped:
        return T(N_("She stopped the centres' campaigns."))
    return None
