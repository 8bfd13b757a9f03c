"""From "My registrations": "My baby is born" and "I lost my pregnancy or my baby".

Birth: the date (within the six postnatal weeks), the sex if she wants, a confirmation; the
centre is told and the child registered (ussd_app.health.birth_loss). The name is not asked: it
is often given on the seventh day, and reminders say "your baby" until then. Loss: a few gentle
words, the reason if she wants to say it, whether the centre's general health information
should still come, a confirmation (a slip of a key must not stop her reminders); then one kind
SMS. Nothing asks more than it needs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from ussd_app.effects import Hop
from ussd_app.health import birth_loss
from ussd_app.health import enrollment as enr
from ussd_app.health import outcomes
from ussd_app.health.dates import DateProblem, today_in_mali
from ussd_app.menus.engine import MAIN
from ussd_app.menus.registration import DATE_HINTS
from ussd_app.menus.registration_mine import BIRTH, LOSS, MINE, may_tell_birth
from ussd_app.menus.registration_mine import shown as _enrollment
from ussd_app.menus.screens import (Choice, Effect, End, Go, Invalid, Menu, Option, Prompt, Screen)
from ussd_app.text.i18n import N_, T

BIRTH_DATE, LOSS_REASON = BIRTH, LOSS
BIRTH_SEX = "birth.sex"
BIRTH_CONFIRM, BIRTH_DONE = "birth.confirm", "birth.done"
LOSS_INFO, LOSS_CONFIRM, LOSS_DONE = "loss.info", "loss.confirm", "loss.done"
# TRANSLATORS: Source: WHO recommendations on maternal and newborn care for a positive postnatal
# experience, 2022 (NBK579653), Recommendation 44: postnatal contacts within 24 hours, at 48-72
# hours ("day 3"), days 7-14 and week 6.
BIRTH_TOLD = N_("Congratulations! The centre is told. Check-ups for you and the baby: day 1, day 3, "
                "days 7-14, week 6. An SMS follows.")
TOO_OLD_BIRTH = N_("More than 6 weeks ago: register the child with Register for care.")


# --- birth ---------------------------------------------------------------------------------

def parse_birth(value: str, ctx, s) -> date:
    try:
        return birth_loss.birth_date(value, today_in_mali(ctx.now))
    except DateProblem as problem:
        raise Invalid(TOO_OLD_BIRTH if problem.kind == "too_old" else DATE_HINTS[problem.kind])


def confirm_title(ctx, s):
    e = _enrollment(ctx, s)
    return T(N_("Your baby was born on {born}. Tell {centre}?"),
             {"born": date.fromisoformat(s.data["out_born"]).strftime("%d/%m/%Y"),
              "centre": e.facility.name if e else ""})


@dataclass(frozen=True)
class RecordBirth(Effect):
    reference: str
    born: str
    sex: str | None

    def apply(self, db, hop) -> None:
        pregnancy = enr.by_reference(db, self.reference)
        if pregnancy is None or pregnancy.phone != hop.phone:
            raise RuntimeError("birth told for a registration that is not hers")
        birth_loss.record_birth(db, pregnancy, born=date.fromisoformat(self.born), sex=self.sex,
                                child_name=None, channel=outcomes.USSD,
                                recorded_by=outcomes.MOTHER, request_key=hop.key("outcome"), now=hop.now)


def _applied(ctx, s) -> bool:
    """This very hop was applied before (a session Redis lost, replayed from the gateway's text)."""
    key = Hop(s.id, s.phone, len(s.inputs), ctx.now).key("outcome")
    return outcomes.by_request_key(ctx.db, key) is not None


def choose_birth(ctx, s, answer: str):
    if answer == "yes" and _applied(ctx, s):
        return Go(BIRTH_DONE, reset_history=True)
    if answer == "no" or not may_tell_birth(ctx, s):
        return Go(MAIN, reset_history=True)
    effect = RecordBirth(s.data["ref"], s.data["out_born"], s.data.get("out_sex") or None)
    return Go(BIRTH_DONE, effects=(effect,), reset_history=True)


# --- loss ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class RecordLoss(Effect):
    reference: str
    reason_code: str
    keep_information: bool

    def apply(self, db, hop) -> None:
        enrollment = enr.by_reference(db, self.reference)
        if enrollment is None or enrollment.phone != hop.phone:
            raise RuntimeError("loss told for a registration that is not hers")
        birth_loss.record_loss(db, enrollment, reason_code=self.reason_code,
                               keep_information=self.keep_information, channel=outcomes.USSD,
                               recorded_by=outcomes.MOTHER, request_key=hop.key("outcome"), now=hop.now)


def choose_loss(ctx, s, answer: str):
    if answer == "yes" and _applied(ctx, s):
        return Go(LOSS_DONE, reset_history=True)
    e = _enrollment(ctx, s)
    if answer == "no" or e is None or not birth_loss.can_record_loss(e, outcomes.for_enrollment(ctx.db, e.id)):
        return Go(MAIN, reset_history=True)
    effect = RecordLoss(s.data["ref"], s.data.get("out_reason", "not_said"), bool(s.data.get("out_keep")))
    return Go(LOSS_DONE, effects=(effect,), reset_history=True)


def _for_pregnancy(ctx, s) -> bool:
    e = _enrollment(ctx, s)
    return e is not None and e.kind == enr.PREGNANCY


def _reason(label: str, code: str, pregnancy_only: bool = False) -> Option:
    return Option(label, LOSS_INFO, when=_for_pregnancy if pregnancy_only else None,
                  data={"out_reason": code})


def _example_birth(now):
    return [(now.date() - timedelta(days=1)).strftime("%d%m%Y")]


def screens() -> list[Screen]:
    return [
        Prompt(BIRTH_DATE, N_("Date of birth of your baby? Type day, month, year. Example: 05032025"),
               parse_birth, lambda ctx, s, born: Go(BIRTH_SEX, data={"out_born": born.isoformat()}),
               [BIRTH_SEX], examples=_example_birth),
        Menu(BIRTH_SEX, N_("Is the baby a girl or a boy?"), [
            Option(N_("Girl"), BIRTH_CONFIRM, data={"out_sex": outcomes.GIRL}),
            Option(N_("Boy"), BIRTH_CONFIRM, data={"out_sex": outcomes.BOY}),
            Option(N_("I prefer not to say"), BIRTH_CONFIRM, data={"out_sex": ""}),
        ]),
        Choice(BIRTH_CONFIRM, confirm_title, lambda ctx, s: [(N_("Confirm"), "yes"), (N_("Cancel"), "no")],
               choose_birth, [BIRTH_DONE, MAIN]),
        Menu(BIRTH_DONE, BIRTH_TOLD, [Option(N_("My registrations"), MINE)], resumable=False),
        Menu(LOSS_REASON, N_("We are very sorry. You may tell us what happened, or not:"), [
            _reason(N_("I lost my pregnancy"), "miscarriage", pregnancy_only=True),
            _reason(N_("The baby was born without life"), "stillbirth", pregnancy_only=True),
            _reason(N_("My baby died"), "baby_died"),
            _reason(N_("I prefer not to say"), "not_said"),
        ]),
        Menu(LOSS_INFO, N_("Do you still want the centre's general health information by SMS?"), [
            Option(N_("Yes"), LOSS_CONFIRM, data={"out_keep": True}),
            Option(N_("No"), LOSS_CONFIRM, data={"out_keep": False}),
        ]),
        Choice(LOSS_CONFIRM, N_("Every reminder for this pregnancy or child will stop and the centre will be told."),
               lambda ctx, s: [(N_("Confirm"), "yes"), (N_("Cancel"), "no")], choose_loss, [LOSS_DONE, MAIN]),
        End(LOSS_DONE, N_("These reminders have stopped. Take care of yourself. The centre is "
                          "there for you.")),
    ]
