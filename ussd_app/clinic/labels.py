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
from ussd_app.health.birth_loss import STOPPED_BORN, STOPPED_LOST
from ussd_app.health.outcomes import BORN, LOSS_REASONS, LOST
from ussd_app.health.postnatal import SKIP_PAST as POSTNATAL_PAST
from ussd_app.sms.dispatch import SKIP_OPTED_OUT, SKIP_VISIT_PASSED
from ussd_app.sms.outbox import ERASED_ERROR
from ussd_app.sms.purposes import ALL, CAMPAIGNS, REMINDERS
from ussd_app.sms.schedules import LATE_SUFFIX, RECORDED, SKIP_PAST, SKIP_TOO_OLD, STEP_SEPARATOR
from ussd_app.text.i18n import N_, NP_, TN, T

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
                  "appointment": N_("appointment"), "postnatal": N_("postnatal check-up")}
POSTNATAL_STEPS = {"pnc1": N_("first 24 hours after birth"), "pnc2": N_("day 3 after birth"),
                   "pnc3": N_("days 7-14 after birth"), "pnc4": N_("6 weeks after birth")}
OUTCOME_KINDS = {BORN: N_("Born on {date}"), LOST: N_("Loss recorded on {date}")}
REMINDER_STATUSES = {"planned": N_("planned"), "queued": N_("sent to the outbox"),
                     "skipped": N_("skipped"), "stopped": N_("stopped")}
STAFF_STOP = "stopped by "  # + the staff member's user name (ussd_app.clinic.views_people)
# Rows from before stopping became her choice (ussd_app.sms.optout) say it this way.
OLD_USER_STOP = "stopped by the person (USSD)"
SKIP_REASONS = {
    SKIP_PAST: N_("its date had passed when it was planned"),
    SKIP_VISIT_PASSED: N_("the visit had passed before it could go"),
    SKIP_OPTED_OUT: N_("she stopped these SMS"),
    SKIP_TOO_OLD: N_("the child is past the age for these doses"),
    RECORDED: N_("the visit was recorded or moved"),
    OLD_USER_STOP: N_("she stopped them from her phone"),
    health.DECLINED: N_("the registration was declined"),
    health.ENDED: N_("the registration was closed"),
    STOPPED_BORN: N_("the baby was born"),
    STOPPED_LOST: N_("a loss was recorded"),
    POSTNATAL_PAST: N_("its window had closed when the birth was recorded"),
    ERASED_ERROR: N_("her data was erased at her request"),
}

MESSAGE_KINDS = {"enrollment": N_("registration"), "reminder": N_("reminder"), "campaign": N_("campaign"),
                 "health_info": N_("health information"), "keyword_reply": N_("reply to an SMS"),
                 "savings_receipt": N_("savings receipt"), "test": N_("test message")}
MESSAGE_STATUSES = {"pending": N_("waiting"), "queued": N_("queued"), "sent": N_("sent"),
                    "delivered": N_("delivered"), "failed": N_("failed"), "rejected": N_("rejected")}
MESSAGE_ERRORS = {CANCELLED_ERROR: N_("cancelled by the centre"), SKIP_OPTED_OUT: N_("she stopped these SMS"),
                  "not an E.164 phone number": N_("not a valid phone number"),
                  ERASED_ERROR: N_("her data was erased at her request")}

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


def reminder_step(step: str) -> T | TN | None:
    """A visit's step as people say it: "6 weeks", "week 12 of pregnancy", "2 days before"."""
    step = (step or "").split(STEP_SEPARATOR)[0]  # the same visit planned again
    if step.endswith(LATE_SUFFIX):
        visit = reminder_step(step[:-len(LATE_SUFFIX)])
        return T(N_("overdue message ({visit})"), {"visit": visit}) if visit else None
    if step == "anc-first":
        return T(N_("first antenatal visit"))
    if step == "birth":
        return T(N_("at birth"))
    if step == "day-0":
        return T(N_("on the day"))
    if step in POSTNATAL_STEPS:
        return T(POSTNATAL_STEPS[step])
    found = _ANTENATAL.match(step or "")
    if found:  # an ordinal: no plural
        return T(N_("week {count} of pregnancy"), {"count": int(found.group(1))})
    for pattern, message in ((_WEEKS, NP_("at {count} week", "at {count} weeks")),
                             (_MONTHS, NP_("at {count} month", "at {count} months")),
                             (_DAYS_BEFORE, NP_("{count} day before", "{count} days before"))):
        found = pattern.match(step or "")
        if found:
            return TN(message, int(found.group(1)))
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


def outcome(found) -> T | None:
    """A birth or loss recorded for a registration, with its date, for the person's page."""
    if found is None or found.kind not in OUTCOME_KINDS:
        return None
    return T(OUTCOME_KINDS[found.kind], {"date": found.event_date.strftime("%d/%m/%Y")})


def loss_reason(code: str | None) -> T | None:
    return _known(LOSS_REASONS, code)


def days_late(days: int) -> T:
    """"3 weeks", "12 days": how late, as staff say it."""
    if days >= 14:
        return T(N_("{count} weeks"), {"count": days // 7})
    return T(N_("{count} days"), {"count": days})
