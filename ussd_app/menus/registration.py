"""Main menu "Register for care" and "My registrations".

She registers her pregnancy (month, or date of last period) or a child under five, gives her
name, picks her CSCom (commune, then centre), confirms, and gets a reference on screen and by
SMS. The
reference is planned while reading (so the screen shows it) from the hop's idempotency key and
stored by the effect under that same key: a resent hop shows and stores the same one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from ussd_app.effects import Hop
from ussd_app.health import dates
from ussd_app.health import enrollment as enr
from ussd_app.health.facilities import by_id, communes, in_commune
from ussd_app.menus.engine import MAIN
from ussd_app.menus.registration_mine import MINE, STATUS_LABELS
from ussd_app.menus.screens import (
    Choice,
    Effect,
    Go,
    Invalid,
    Menu,
    Option,
    Prompt,
    Raw,
    Screen,
)
from ussd_app.text.i18n import LANGUAGES, N_, T
from ussd_app.text.keypad import as_number
from ussd_app.voice.channels import BOTH, LABELS, SMS, VOICE, SetChannel

START, MOTHER = "reg.start", "reg.mother"
PREG_HOW, PREG_MONTH, PREG_LMP = "reg.preg.how", "reg.preg.month", "reg.preg.lmp"
PREG_TOO_OLD = "reg.preg.too_old"
CHILD_NAME, CHILD_DOB = "reg.child.name", "reg.child.dob"
COMMUNE, CENTRE, CONFIRM = "reg.commune", "reg.centre", "reg.confirm"
DONE, EXISTS = "reg.done", "reg.exists"
HOW = "reg.channel"  # right after the confirmation: SMS, phone call or both


DATE_HINTS = {
    "format": N_("Type the day, month and year, e.g. 05032025 or 5/3/25."),
    "not_a_date": N_("This date does not exist. Check the day and the month."),
    "no_year": N_("Type the year too, e.g. 050325."),
    "future": N_("This date is in the future. Check the year."),
}
TOO_OLD_CHILD = N_("This child is 5 or older. Only children under 5 can be registered.")
TOO_OLD_PERIOD = N_("This date is more than 42 weeks ago: a pregnancy does not last that long.")
MAX_NAME = 30
MAX_MOTHER_NAME = 40
TOO_OLD = "too_old"  # what parse_last_period returns for a date over 42 weeks ago
# Asked when she dials again after the call dropped with something typed (see Screen.resumable).
CONTINUE = N_("Continue your registration?")


def _show(day: str | date) -> str:
    return (date.fromisoformat(day) if isinstance(day, str) else day).strftime("%d/%m/%Y")


def _lang(s) -> str:
    return s.lang if s.lang in LANGUAGES else "fr"


# --- pregnancy -----------------------------------------------------------------------------

def parse_month(value: str, ctx, s) -> int:
    month = as_number(value)
    if month is not None and 1 <= month <= 9:
        return month
    raise Invalid(N_("Type a number from 1 to 9."))


def after_month(ctx, s, month: int) -> Go:
    due = dates.due_date_from_month(month, dates.today_in_mali(ctx.now))
    return Go(MOTHER, data={"kind": enr.PREGNANCY, "month": month, "due": due.isoformat()},
              drop=("lmp", "child", "born"))


def parse_last_period(value: str, ctx, s) -> date | str:
    """Her date, or TOO_OLD: she is then told why and offered the month question instead."""
    try:
        return dates.last_period_date(value, dates.today_in_mali(ctx.now))
    except dates.DateProblem as problem:
        if problem.kind == "too_old":
            return TOO_OLD
        raise Invalid(DATE_HINTS[problem.kind])


def after_last_period(ctx, s, lmp: date | str) -> Go:
    if lmp == TOO_OLD:
        return Go(PREG_TOO_OLD)
    due = dates.due_date_from_last_period(lmp)
    return Go(MOTHER, data={"kind": enr.PREGNANCY, "lmp": lmp.isoformat(), "due": due.isoformat()},
              drop=("month", "child", "born"))


# --- names ---------------------------------------------------------------------------------

def _name(value: str, longest: int) -> str | None:
    """A name typed on a keypad, tidied ("awa  traore" -> "Awa Traore"), or None."""
    name = " ".join(value.split())
    allowed = all(ch.isalpha() or ch in " -'" for ch in name)
    if not 2 <= len(name) <= longest or not allowed or sum(ch.isalpha() for ch in name) < 2:
        return None
    return " ".join(word[:1].upper() + word[1:] for word in name.split(" "))


def parse_mother_name(value: str, ctx, s) -> str:
    name = _name(value, MAX_MOTHER_NAME)
    if name is None:
        raise Invalid(N_("Type your name with letters only."))
    return name


def after_mother_name(ctx, s, name: str) -> Go:
    return Go(COMMUNE, data={"mother": name})


# --- child ---------------------------------------------------------------------------------

def parse_child_name(value: str, ctx, s) -> str:
    name = _name(value, MAX_NAME)
    if name is None:
        raise Invalid(N_("Type the child's first name with letters only."))
    return name


def parse_birth_date(value: str, ctx, s) -> date:
    try:
        return dates.child_birth_date(value, dates.today_in_mali(ctx.now))
    except dates.DateProblem as problem:
        raise Invalid(TOO_OLD_CHILD if problem.kind == "too_old" else DATE_HINTS[problem.kind])


def after_birth_date(ctx, s, born: date) -> Go:
    return Go(MOTHER, data={"kind": enr.CHILD, "born": born.isoformat()},
              drop=("month", "lmp", "due"))


# --- centre --------------------------------------------------------------------------------

def commune_items(ctx, s):
    return [(Raw(commune if region == "Bamako" or commune == region else f"{commune} ({region})"),
             [region, commune]) for region, commune in communes(ctx.db)]


def centre_items(ctx, s):
    region, commune = s.data.get("commune", [None, None])
    return [(Raw(f.name), f.id) for f in in_commune(ctx.db, region, commune)]


def _existing(ctx, s, facility_id: int):
    born = date.fromisoformat(s.data["born"]) if s.data.get("born") else None
    return enr.find_active(ctx.db, phone=s.phone, kind=s.data["kind"], facility_id=facility_id,
                           child_name=s.data.get("child"), birth_date=born)


def choose_centre(ctx, s, facility_id: int):
    facility = by_id(ctx.db, facility_id)
    data = {"centre": facility_id, "centre_name": facility.name}
    existing = _existing(ctx, s, facility_id)
    if existing is not None:
        return Go(EXISTS, data={**data, "ref": existing.reference, "status": existing.status})
    return Go(CONFIRM, data=data)


def confirm_title(ctx, s):
    params = {"centre": s.data.get("centre_name", "")}
    if s.data.get("kind") == enr.CHILD:
        return T(N_("Register {name}, born {born}, at {centre}?"),
                 {**params, "name": s.data.get("child", ""), "born": _show(s.data["born"])})
    return T(N_("Register your pregnancy (birth expected about {due}) at {centre}?"),
             {**params, "due": _show(s.data["due"]) if s.data.get("due") else ""})


@dataclass(frozen=True)
class Register(Effect):
    reference: str
    language: str
    kind: str
    mother_name: str | None
    facility_id: int
    child_name: str | None
    birth_date: str | None
    last_period: str | None
    pregnancy_month: int | None
    due_date: str | None

    def apply(self, db, hop) -> None:
        iso = lambda v: date.fromisoformat(v) if v else None  # noqa: E731
        stored = enr.register(
            db, request_key=hop.key("enroll"), reference=self.reference, phone=hop.phone,
            language=self.language, kind=self.kind, mother_name=self.mother_name,
            facility_id=self.facility_id, now=hop.now,
            child_name=self.child_name, birth_date=iso(self.birth_date),
            last_period=iso(self.last_period), pregnancy_month=self.pregnancy_month,
            due_date=iso(self.due_date))
        if stored.reference != self.reference:
            # Another session registered the same person a moment ago: the screen would show a
            # reference that is not hers. Fail the hop (nothing is written); the resent hop
            # shows her existing reference instead.
            raise RuntimeError("enrollment raced with a duplicate; hop is redone")


def choose_confirm(ctx, s, answer: str):
    if answer == "no":
        return Go(MAIN, reset_history=True)
    request_key = Hop(s.id, s.phone, len(s.inputs), ctx.now).key("enroll")
    already = enr.by_request_key(ctx.db, request_key)
    if already is not None:  # this very hop was applied before (a session Redis lost, replayed)
        return Go(HOW, data={"ref": already.reference}, reset_history=True)
    existing = _existing(ctx, s, s.data["centre"])
    if existing is not None:
        return Go(EXISTS, data={"ref": existing.reference, "status": existing.status})
    reference = enr.plan_reference(ctx.db, request_key)
    effect = Register(reference=reference, language=_lang(s), kind=s.data["kind"],
                      mother_name=s.data.get("mother"), facility_id=s.data["centre"], child_name=s.data.get("child"),
                      birth_date=s.data.get("born"), last_period=s.data.get("lmp"),
                      pregnancy_month=s.data.get("month"), due_date=s.data.get("due"))
    return Go(HOW, data={"ref": reference}, effects=(effect,), reset_history=True)


def how_title(ctx, s):
    return T(N_("Registered. Reference: {ref}. How do you want your reminders?"), {"ref": s.data.get("ref", "")})


def _channel_option(channel: str) -> Option:
    return Option(LABELS[channel], DONE, effects=lambda ctx, s: (SetChannel(channel),))


def done_text(ctx, s):
    return T(N_("Registered at {centre}. Reference: {ref} (also sent by SMS). The centre will "
                "answer by SMS."),
             {"ref": s.data.get("ref", ""), "centre": s.data.get("centre_name", "")})


def exists_text(ctx, s):
    return [T(N_("Already registered at {centre}. Your reference: {ref}. Status:"),
              {"ref": s.data.get("ref", ""), "centre": s.data.get("centre_name", "")}),
            STATUS_LABELS.get(s.data.get("status"), STATUS_LABELS[enr.PENDING])]


def _example_dates(*days_ago: int):
    """Date answers `days_ago` before the hop's day (Prompt examples may be functions of now)."""
    return lambda now: [(now.date() - timedelta(days=d)).strftime("%d%m%Y") for d in days_ago]


def screens() -> list[Screen]:
    return [
        Menu(START, N_("Register for subsidized care. Who is it for?"), [
            Option(N_("Me, I am pregnant"), PREG_HOW),
            Option(N_("My child under 5"), CHILD_NAME),
        ]),
        Menu(PREG_HOW, N_("How far along is your pregnancy? Tell us one of these:"), [
            Option(N_("Month of pregnancy"), PREG_MONTH),
            Option(N_("Date of my last period"), PREG_LMP),
        ]),
        Prompt(PREG_MONTH, N_("In which month of pregnancy are you? Type 1 to 9."),
               parse_month, after_month, [MOTHER], examples=["5"]),
        Prompt(PREG_LMP, N_("First day of your last period? Type day, month, year. Example: "
                            "05032025"),
               parse_last_period, after_last_period, [MOTHER, PREG_TOO_OLD],
               examples=_example_dates(70, 300)),
        Menu(PREG_TOO_OLD, TOO_OLD_PERIOD, [
            Option(N_("Type the date again"), PREG_LMP),
            Option(N_("Give the month instead"), PREG_MONTH),
            Option(N_("Start again"), START),
        ]),
        Prompt(CHILD_NAME, N_("Child's first name?"),
               lambda value, ctx, s: parse_child_name(value, ctx, s),
               lambda ctx, s, name: Go(CHILD_DOB, data={"child": name}),
               [CHILD_DOB], examples=["Awa"]),
        Prompt(CHILD_DOB, lambda ctx, s: T(N_("Date of birth of {name}? Type day, month, year. "
                                              "Example: 15062024"), {"name": s.data.get("child", "")}),
               parse_birth_date, after_birth_date, [MOTHER], examples=_example_dates(730),
               resumable=CONTINUE),
        Prompt(MOTHER, N_("Your name? First name and family name."), parse_mother_name,
               after_mother_name, [COMMUNE], examples=["Awa Traore"], resumable=CONTINUE),
        Choice(COMMUNE, N_("Your CSCom: choose the commune or district"), commune_items,
               lambda ctx, s, value: Go(CENTRE, data={"commune": value}), [CENTRE],
               empty=N_("No centre is available yet."), resumable=CONTINUE),
        Choice(CENTRE, N_("Choose your CSCom"), centre_items, choose_centre, [CONFIRM, EXISTS],
               empty=N_("No centre is available yet."), resumable=CONTINUE),
        Choice(CONFIRM, confirm_title, lambda ctx, s: [(N_("Confirm"), "yes"), (N_("Cancel"), "no")],
               choose_confirm, [HOW, EXISTS, MAIN], resumable=CONTINUE),
        Menu(HOW, how_title, [_channel_option(SMS), _channel_option(VOICE), _channel_option(BOTH)],
             resumable=False),
        Menu(DONE, done_text, [Option(N_("My registrations"), MINE)], resumable=False),
        Menu(EXISTS, exists_text, [Option(N_("My registrations"), MINE)], resumable=False),
    ]
