"""Main menu "My registrations": her registrations with their status, and each one's details
(who, the mother's name, the centre, the status, why it was declined, the expected birth), and
from an active one: "My baby is born" or the loss of the pregnancy or child (menus.birth_loss)."""

from __future__ import annotations

from datetime import date

from ussd_app.health import enrollment as enr
from ussd_app.effects import Hop
from ussd_app.health import birth_loss, outcomes
from ussd_app.menus.screens import Choice, Go, Menu, Option, Raw, Screen
from ussd_app.text.i18n import LANGUAGES, N_, T, translate

MINE, DETAIL = "reg.mine", "reg.detail"
REGISTER = "reg.start"
BIRTH, LOSS = "birth.date", "loss.reason"  # first screens of ussd_app.menus.birth_loss

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


def _this_session(ctx, s) -> str:
    """The start of every idempotency key this session's hops write (ussd_app.effects.Hop)."""
    return Hop(s.id, s.phone, 0, ctx.now).key().rsplit(":", 1)[0] + ":"


def mine_items(ctx, s):
    lang = _lang(s)
    mine = enr.for_phone(ctx.db, s.phone)
    # A child registered by a birth told in this session goes last, so the numbers she already
    # saw (and a session Redis lost, replayed from her keys) still lead where they did.
    here = [e for e in mine if e.request_key.startswith(_this_session(ctx, s))]
    return [(Raw(f"{e.reference} {_who(lang, e)}: {translate(lang, STATUS_LABELS[e.status])}"),
             e.reference) for e in [e for e in mine if e not in here] + here]


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
    outcome = outcomes.for_enrollment(ctx.db, e.id)
    if outcome is not None and outcome.kind == outcomes.BORN:
        lines.append(T(N_("Baby born on {born}"), {"born": _show(outcome.event_date)}))
    elif outcome is None and e.kind == enr.PREGNANCY and e.due_date:
        lines.append(T(N_("Birth expected about {due}"), {"due": _show(e.due_date)}))
    return lines


def shown(ctx, s):
    """The registration of the detail screen, if it is hers."""
    found = enr.by_reference(ctx.db, s.data.get("ref", ""))
    return found if found is not None and found.phone == s.phone else None


def _told_here(ctx, s, outcome) -> bool:
    """The birth or loss was told in this very session: its options stay as she saw them."""
    return outcome is not None and outcome.request_key.startswith(_this_session(ctx, s))


def may_tell_birth(ctx, s) -> bool:
    e = shown(ctx, s)
    if e is None or e.kind != enr.PREGNANCY:
        return False
    outcome = outcomes.for_enrollment(ctx.db, e.id)
    return birth_loss.can_record_birth(e, outcome) or _told_here(ctx, s, outcome)


def may_tell_loss(ctx, s, kind: str | None = None) -> bool:
    e = shown(ctx, s)
    if e is None or kind not in (None, e.kind):
        return False
    outcome = outcomes.for_enrollment(ctx.db, e.id)
    return birth_loss.can_record_loss(e, outcome) or _told_here(ctx, s, outcome)


def walk_phones(db) -> list[str]:
    """For the screen walk: a caller with registrations (from the demo data) reaches reg.detail."""
    from ussd_app.health.demo import DEMO_PHONE

    return [DEMO_PHONE]


def screens() -> list[Screen]:
    return [
        Choice(MINE, N_("My registrations"), mine_items, choose_mine, [DETAIL],
               empty=N_("You have no registration yet.")),
        Menu(DETAIL, detail_text, [
            Option(N_("My baby is born"), BIRTH, when=may_tell_birth),
            Option(N_("I lost my pregnancy or my baby"), LOSS,
                   when=lambda ctx, s: may_tell_loss(ctx, s, enr.PREGNANCY)),
            Option(N_("I lost my child"), LOSS, when=lambda ctx, s: may_tell_loss(ctx, s, enr.CHILD)),
            Option(N_("Register for care"), REGISTER),
        ]),
    ]
