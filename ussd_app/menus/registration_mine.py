"""Main menu "My registrations": her registrations with their status, and each one's details
(who, the mother's name, the centre, the status, why it was declined, the expected birth)."""

from __future__ import annotations

from datetime import date

from ussd_app.health import enrollment as enr
from ussd_app.menus.screens import Choice, Go, Menu, Option, Raw, Screen
from ussd_app.text.i18n import LANGUAGES, N_, T, translate

MINE, DETAIL = "reg.mine", "reg.detail"
REGISTER = "reg.start"

STATUS_LABELS = {
    enr.PENDING: N_("pending"),
    enr.APPROVED: N_("approved"),
    enr.DECLINED: N_("declined"),
    enr.ENDED: N_("closed"),
}
PREGNANCY_LABEL = N_("Pregnancy")


def _lang(s) -> str:
    return s.lang if s.lang in LANGUAGES else "fr"


def _show(day: date) -> str:
    return day.strftime("%d/%m/%Y")


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
    lines = [Raw(f"{e.reference} - {_who(lang, e)}")]
    if e.mother_name:
        lines.append(T(N_("Mother: {name}"), {"name": e.mother_name}))
    lines += [Raw(e.facility.name),
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


def screens() -> list[Screen]:
    return [
        Choice(MINE, N_("My registrations"), mine_items, choose_mine, [DETAIL],
               empty=N_("You have no registration yet.")),
        Menu(DETAIL, detail_text, [Option(N_("Register for care"), REGISTER)]),
    ]
