"""Main menu "Register for care" and "My registrations".

She registers her pregnancy (month, or date of last period) or a child under five, picks her
CSCom (commune, then centre), confirms, and gets a reference on screen and by SMS. The
reference is planned while reading (so the screen shows it) from the hop's idempotency key and
stored by the effect under that same key: a resent hop shows and stores the same one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from ussd_app.health import dates, enrollment as enr
from ussd_app.health.facilities import by_id, communes, in_commune
from ussd_app.menus.engine import MAIN, Hop
from ussd_app.menus.screens import Choice, Effect, Go, Invalid, Menu, Option, Prompt, Raw, Screen
from ussd_app.text.i18n import LANGUAGES, N_, T, translate

START, MINE = "reg.start", "reg.mine"
PREG_HOW, PREG_MONTH, PREG_LMP = "reg.preg.how", "reg.preg.month", "reg.preg.lmp"
CHILD_NAME, CHILD_DOB = "reg.child.name", "reg.child.dob"
COMMUNE, CENTRE, CONFIRM = "reg.commune", "reg.centre", "reg.confirm"
DONE, EXISTS, DETAIL = "reg.done", "reg.exists", "reg.detail"

STATUS_LABELS = {
    enr.PENDING: N_("pending"),
    enr.APPROVED: N_("approved"),
    enr.DECLINED: N_("declined"),
    enr.ENDED: N_("closed"),
}
PREGNANCY_LABEL = N_("Pregnancy")

DATE_HINTS = {
    "format": N_("Type 8 digits: day, month, year. Example: 05032025"),
    "not_a_date": N_("This date does not exist. Check the day and the month."),
    "future": N_("This date is in the future. Check the year."),
}
TOO_OLD_CHILD = N_("This child is 5 or older. Only children under 5 can be registered.")
TOO_OLD_PERIOD = N_("This date is more than 42 weeks ago. Check it, or give the month instead.")
MAX_NAME = 30


def _show(day: str | date) -> str:
    return (date.fromisoformat(day) if isinstance(day, str) else day).strftime("%d/%m/%Y")


def _lang(s) -> str:
    return s.lang if s.lang in LANGUAGES else "fr"


# --- pregnancy -----------------------------------------------------------------------------

def parse_month(value: str, ctx, s) -> int:
    if value.isdigit() and 1 <= int(value) <= 9:
        return int(value)
    raise Invalid(N_("Type a number from 1 to 9."))


def after_month(ctx, s, month: int) -> Go:
    due = dates.due_date_from_month(month, dates.today_in_mali(ctx.now))
    return Go(COMMUNE, data={"kind": enr.PREGNANCY, "month": month, "due": due.isoformat()},
              drop=("lmp", "child", "born"))


def parse_last_period(value: str, ctx, s) -> date:
    try:
        return dates.last_period_date(value, dates.today_in_mali(ctx.now))
    except dates.DateProblem as problem:
        raise Invalid(TOO_OLD_PERIOD if problem.kind == "too_old" else DATE_HINTS[problem.kind])


def after_last_period(ctx, s, lmp: date) -> Go:
    due = dates.due_date_from_last_period(lmp)
    return Go(COMMUNE, data={"kind": enr.PREGNANCY, "lmp": lmp.isoformat(), "due": due.isoformat()},
              drop=("month", "child", "born"))


# --- child ---------------------------------------------------------------------------------

def parse_child_name(value: str, ctx, s) -> str:
    name = " ".join(value.split())
    allowed = all(ch.isalpha() or ch in " -'" for ch in name)
    if not 2 <= len(name) <= MAX_NAME or not allowed or not any(ch.isalpha() for ch in name):
        raise Invalid(N_("Type the child's first name with letters only."))
    return " ".join(word[:1].upper() + word[1:] for word in name.split(" "))


def parse_birth_date(value: str, ctx, s) -> date:
    try:
        return dates.child_birth_date(value, dates.today_in_mali(ctx.now))
    except dates.DateProblem as problem:
        raise Invalid(TOO_OLD_CHILD if problem.kind == "too_old" else DATE_HINTS[problem.kind])


def after_birth_date(ctx, s, born: date) -> Go:
    return Go(COMMUNE, data={"kind": enr.CHILD, "born": born.isoformat()},
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
            language=self.language, kind=self.kind, facility_id=self.facility_id, now=hop.now,
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
        return Go(DONE, data={"ref": already.reference}, reset_history=True)
    existing = _existing(ctx, s, s.data["centre"])
    if existing is not None:
        return Go(EXISTS, data={"ref": existing.reference, "status": existing.status})
    reference = enr.plan_reference(ctx.db, request_key)
    effect = Register(reference=reference, language=_lang(s), kind=s.data["kind"],
                      facility_id=s.data["centre"], child_name=s.data.get("child"),
                      birth_date=s.data.get("born"), last_period=s.data.get("lmp"),
                      pregnancy_month=s.data.get("month"), due_date=s.data.get("due"))
    return Go(DONE, data={"ref": reference}, effects=(effect,), reset_history=True)


def done_text(ctx, s):
    return T(N_("Registered. Your reference: {ref} at {centre}. It is also sent by SMS. The centre "
                "will answer by SMS."),
             {"ref": s.data.get("ref", ""), "centre": s.data.get("centre_name", "")})


def exists_text(ctx, s):
    return [T(N_("Already registered at {centre}. Your reference: {ref}. Status:"),
              {"ref": s.data.get("ref", ""), "centre": s.data.get("centre_name", "")}),
            STATUS_LABELS.get(s.data.get("status"), STATUS_LABELS[enr.PENDING])]


# --- my registrations ----------------------------------------------------------------------

def _who(lang: str, e) -> str:
    return e.child_name if e.kind == enr.CHILD else translate(lang, PREGNANCY_LABEL)


def mine_items(ctx, s):
    lang = _lang(s)
    return [(Raw(f"{e.reference} {_who(lang, e)}: {translate(lang, STATUS_LABELS[e.status])}"),
             e.reference) for e in enr.for_phone(ctx.db, s.phone)]


def choose_mine(ctx, s, reference: str):
    return Go(DETAIL, data={"ref": reference})


def detail_text(ctx, s):
    e = enr.by_reference(ctx.db, s.data.get("ref", ""))
    if e is None or e.phone != s.phone:
        return N_("Nothing to show.")
    lang = _lang(s)
    lines = [Raw(f"{e.reference} - {_who(lang, e)}"), Raw(e.facility.name),
             T(N_("Status: {status}"), {"status": translate(lang, STATUS_LABELS[e.status])})]
    told = enr.reason_told(e, lang)
    if told:
        lines.append(T(N_("Reason: {reason}"), {"reason": told}))
    if e.kind == enr.PREGNANCY and e.due_date:
        lines.append(T(N_("Birth expected about {due}"), {"due": _show(e.due_date)}))
    return lines


def walk_phones(db) -> list[str]:
    """For the screen walk: a caller with registrations (from the demo data) reaches reg.detail."""
    from ussd_app.health.demo import DEMO_PHONE

    return [DEMO_PHONE]


def _example_date(days_ago: int):
    """A valid date answer `days_ago` before the hop's day (Prompt examples may be functions of now)."""
    return lambda now: [(now.date() - timedelta(days=days_ago)).strftime("%d%m%Y")]


def screens() -> list[Screen]:
    return [
        Menu(START, N_("Register for subsidized care. Who is it for?"), [
            Option(N_("Me, I am pregnant"), PREG_HOW),
            Option(N_("My child under 5"), CHILD_NAME),
        ]),
        Menu(PREG_HOW, N_("What can you tell us?"), [
            Option(N_("Month of pregnancy"), PREG_MONTH),
            Option(N_("Date of my last period"), PREG_LMP),
        ]),
        Prompt(PREG_MONTH, N_("In which month of pregnancy are you? Type 1 to 9."),
               parse_month, after_month, [COMMUNE], examples=["5"]),
        Prompt(PREG_LMP, N_("First day of your last period? Type day, month, year. Example: "
                            "05032025"),
               parse_last_period, after_last_period, [COMMUNE], examples=_example_date(70)),
        Prompt(CHILD_NAME, N_("Child's first name?"),
               lambda value, ctx, s: parse_child_name(value, ctx, s),
               lambda ctx, s, name: Go(CHILD_DOB, data={"child": name}),
               [CHILD_DOB], examples=["Awa"]),
        Prompt(CHILD_DOB, lambda ctx, s: T(N_("Date of birth of {name}? Type day, month, year. "
                                              "Example: 15062024"), {"name": s.data.get("child", "")}),
               parse_birth_date, after_birth_date, [COMMUNE], examples=_example_date(730)),
        Choice(COMMUNE, N_("Your CSCom: choose the commune or district"), commune_items,
               lambda ctx, s, value: Go(CENTRE, data={"commune": value}), [CENTRE],
               empty=N_("No centre is available yet.")),
        Choice(CENTRE, N_("Choose your CSCom"), centre_items, choose_centre, [CONFIRM, EXISTS],
               empty=N_("No centre is available yet.")),
        Choice(CONFIRM, confirm_title, lambda ctx, s: [(N_("Confirm"), "yes"), (N_("Cancel"), "no")],
               choose_confirm, [DONE, EXISTS, MAIN]),
        Menu(DONE, done_text, [Option(N_("My registrations"), MINE)], resumable=False),
        Menu(EXISTS, exists_text, [Option(N_("My registrations"), MINE)], resumable=False),
        Choice(MINE, N_("My registrations"), mine_items, choose_mine, [DETAIL],
               empty=N_("You have no registration yet.")),
        Menu(DETAIL, detail_text, [Option(N_("Register for care"), START)]),
    ]
