"""Treasurer (and president) menu: roll-call, one contribution, corrections, group balances.

The president also resets a member's PIN (she chooses a new one at her next dial).
"""

from __future__ import annotations

from sqlalchemy import select

from ussd_app.menus.savings_access import MEMBER_SCREEN, TREASURER_MENU, me, my_group
from ussd_app.menus.screens import End, Go, Invalid, Menu, Option, Prompt
from ussd_app.savings.effects import ResetMemberPin, SaveContribution
from ussd_app.savings.groups import current_cycle, member_by_number, member_label
from ussd_app.savings.ledger import group_balance, meeting_totals
from ussd_app.savings.models import Meeting, Member
from ussd_app.savings.receipts import day_month, xof
from ussd_app.sms.optout import refusing
from ussd_app.sms.purposes import RECEIPT
from ussd_app.text.i18n import N_, T

ROLL_CALL = "savings.roll.start"
CORRECT = "savings.fix.list"
BALANCES = "savings.balances"
CONTRIB_NUMBER = "savings.contrib.number"
CONTRIB_SHARES = "savings.contrib.shares"
CONTRIB_CONFIRM = "savings.contrib.confirm"
CONTRIB_DONE = "savings.contrib.done"
RESET_NUMBER = "savings.reset.number"
RESET_CONFIRM = "savings.reset.confirm"
RESET_DONE = "savings.reset.done"


def _is_president(ctx, s) -> bool:
    return me(ctx, s).role == "president"


def _menu_title(ctx, s):
    return T(N_("{group}: treasurer"), {"group": my_group(ctx, s).name[:30]})


def parse_member_number(value, ctx, s) -> int:
    member = member_by_number(ctx.db, me(ctx, s).group_id, int(value)) if value.isdigit() else None
    if member is None:
        raise Invalid(N_("No member has this number."))
    return member.id


def _chosen(ctx, s, key: str) -> Member:
    return ctx.db.get(Member, s.data[key])


# --- one contribution -------------------------------------------------------------------

def _contrib_shares_text(ctx, s):
    group = my_group(ctx, s)
    return T(N_("{member}: how many shares? {min}-{max}"),
             {"member": member_label(_chosen(ctx, s, "contrib_member")),
              "min": group.min_shares, "max": group.max_shares})


def _parse_contrib_shares(value, ctx, s) -> int:
    group = my_group(ctx, s)
    if value.isdigit() and group.min_shares <= int(value) <= group.max_shares:
        return int(value)
    raise Invalid(T(N_("Enter {min} to {max} shares."), {"min": group.min_shares, "max": group.max_shares}))


def _contrib_summary(ctx, s) -> dict:
    shares = s.data["contrib_shares"]
    member = _chosen(ctx, s, "contrib_member")
    return {"member": member_label(member), "shares": shares,
            "amount": xof(shares * my_group(ctx, s).share_value)}


def _contrib_done_text(ctx, s):
    if refusing(ctx.db, [_chosen(ctx, s, "contrib_member").phone], RECEIPT):
        return T(N_("Recorded: {member}, {shares} shares = {amount}. No SMS receipt: she stopped SMS."),
                 _contrib_summary(ctx, s))
    return T(N_("Recorded: {member}, {shares} shares = {amount}. She gets an SMS receipt."),
             _contrib_summary(ctx, s))


def _save_contribution(ctx, s):
    return (SaveContribution(s.data["contrib_member"], s.data["contrib_shares"], me(ctx, s).id),)


# --- balances ----------------------------------------------------------------------------

def _balances_text(ctx, s):
    group = my_group(ctx, s)
    balance = group_balance(ctx.db, group.id, current_cycle(ctx.db, group.id).id)
    lines = [T(N_("{group}: loan fund {loan}. Health fund {health}."),
               {"group": group.name[:30], "loan": xof(balance.loan_fund),
                "health": xof(balance.health_fund)})]
    last = ctx.db.scalar(select(Meeting).where(Meeting.group_id == group.id)
                         .order_by(Meeting.held_on.desc()).limit(1))
    if last is None:
        lines.append(N_("No meeting recorded yet."))
    else:
        shares, amount, health = meeting_totals(ctx.db, last.id)
        lines.append(T(N_("Meeting {date}: {shares} shares = {amount}, health fund {health}."),
                       {"date": day_month(last.held_on), "shares": shares, "amount": xof(amount),
                        "health": xof(health)}))
    return lines


def screens():
    return [
        Menu(TREASURER_MENU, _menu_title, [
            Option(N_("Meeting roll-call"), ROLL_CALL),
            Option(N_("One contribution"), CONTRIB_NUMBER),
            Option(N_("Correct an entry"), CORRECT),
            Option(N_("Group balances"), BALANCES),
            Option(N_("My savings"), MEMBER_SCREEN),
            Option(N_("Reset a member's PIN"), RESET_NUMBER, when=_is_president),
        ], resumable=False),
        Prompt(CONTRIB_NUMBER, N_("Member number?"), parse_member_number,
               lambda ctx, s, member_id: Go(CONTRIB_SHARES, data={"contrib_member": member_id}),
               targets=[CONTRIB_SHARES], resumable=False, examples=["7"]),
        Prompt(CONTRIB_SHARES, _contrib_shares_text, _parse_contrib_shares,
               lambda ctx, s, shares: Go(CONTRIB_CONFIRM, data={"contrib_shares": shares}),
               targets=[CONTRIB_CONFIRM], resumable=False, examples=["2"]),
        Menu(CONTRIB_CONFIRM,
             lambda ctx, s: T(N_("{member}: {shares} shares = {amount}."), _contrib_summary(ctx, s)),
             [Option(N_("Confirm"), CONTRIB_DONE, effects=_save_contribution)], resumable=False),
        End(CONTRIB_DONE, _contrib_done_text),
        End(BALANCES, _balances_text),
        Prompt(RESET_NUMBER, N_("Number of the member whose PIN to reset?"), parse_member_number,
               lambda ctx, s, member_id: Go(RESET_CONFIRM, data={"reset_member": member_id}),
               targets=[RESET_CONFIRM], resumable=False, examples=["7"]),
        Menu(RESET_CONFIRM,
             lambda ctx, s: T(N_("Reset the PIN of {member}? She chooses a new one at her next dial."),
                              {"member": member_label(_chosen(ctx, s, "reset_member"))}),
             [Option(N_("Confirm"), RESET_DONE,
                     effects=lambda ctx, s: (ResetMemberPin(s.data["reset_member"]),))],
             resumable=False),
        End(RESET_DONE, N_("PIN reset.")),
    ]
