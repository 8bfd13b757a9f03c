"""President: give a member a new phone number (lost or changed SIM). Her member row, and so her
savings, loans and history, stay hers; the old number is kept (savings_phone_changes)."""

from __future__ import annotations

from ussd_app.menus.savings_access import me
from ussd_app.menus.savings_treasurer import PHONE_NUMBER, parse_member_number
from ussd_app.menus.screens import End, Go, Invalid, Menu, Option, Prompt
from ussd_app.savings.effects import ChangePhone
from ussd_app.savings.groups import member_label
from ussd_app.savings.models import Member
from ussd_app.text.i18n import N_, T
from ussd_app.ussd_request import BadCallback, normalise_phone

NEW_PHONE = "savings.phone.new"
CONFIRM = "savings.phone.confirm"
DONE = "savings.phone.done"


def _member(ctx, s) -> Member:
    return ctx.db.get(Member, s.data["phone_member"])


def _parse_phone(value, ctx, s) -> str:
    try:
        phone = normalise_phone(value)
    except BadCallback:
        phone = ""
    if not phone.startswith("+223") or len(phone) != 12:
        raise Invalid(N_("Type a Malian number of 8 digits."))
    if phone == _member(ctx, s).phone:
        raise Invalid(N_("That is already her number."))
    return phone


def _confirm_text(ctx, s):
    return T(N_("New number of {member}: {phone}? Her savings and history stay hers."),
             {"member": member_label(_member(ctx, s)), "phone": s.data["phone_new"][4:]})


def screens():
    return [
        Prompt(PHONE_NUMBER, N_("Number of the member whose phone changed?"), parse_member_number,
               lambda ctx, s, member_id: Go(NEW_PHONE, data={"phone_member": member_id}),
               targets=[NEW_PHONE], examples=["7"]),
        Prompt(NEW_PHONE, lambda ctx, s: T(N_("{member}: her new number?"),
                                           {"member": member_label(_member(ctx, s))}),
               _parse_phone, lambda ctx, s, phone: Go(CONFIRM, data={"phone_new": phone}),
               targets=[CONFIRM], examples=["76999999"]),
        Menu(CONFIRM, _confirm_text, [Option(N_("Confirm"), DONE, effects=lambda ctx, s: (
            ChangePhone(s.data["phone_member"], s.data["phone_new"], me(ctx, s).id),))]),
        End(DONE, N_("Number changed. She dials from her new phone with her PIN.")),
    ]
