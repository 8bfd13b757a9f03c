"""Treasurer (and president) menu: roll-call, one contribution, corrections, group balances.

A single contribution starts from the group's list ("07 Awa T.", paged with 98): she types the
number shown, or the first letters of a name ("aw") to narrow the list. The president also
resets a member's PIN (she chooses a new one at her next dial).
"""

from __future__ import annotations

import unicodedata

from sqlalchemy import select

from ussd_app.menus.savings_access import MEMBER_SCREEN, TREASURER_MENU, me, my_group
from ussd_app.menus.screens import (INVALID_CHOICE, End, Go, Invalid, Menu, Option, Prompt, Raw,
                                    Reask, Screen, View)
from ussd_app.savings.effects import ResetMemberPin, SaveContribution
from ussd_app.savings.groups import current_cycle, member_by_number, member_label, roster
from ussd_app.savings.ledger import group_balance, meeting_totals
from ussd_app.savings.models import Meeting, Member
from ussd_app.savings.receipts import day_month, shares, xof
from ussd_app.sms.optout import refusing
from ussd_app.sms.purposes import RECEIPT
from ussd_app.text.i18n import N_, T
from ussd_app.text.keypad import as_number, is_digits

ROLL_CALL = "savings.roll.start"
CORRECT = "savings.fix.list"
BALANCES = "savings.balances"
CONTRIB_NUMBER = "savings.contrib.number"  # the whole list
CONTRIB_FOUND = "savings.contrib.found"  # the members whose name starts with her letters
CONTRIB_SHARES = "savings.contrib.shares"
CONTRIB_CONFIRM = "savings.contrib.confirm"
CONTRIB_DONE = "savings.contrib.done"
RESET_NUMBER = "savings.reset.number"
RESET_CONFIRM = "savings.reset.confirm"
RESET_DONE = "savings.reset.done"
PHONE_NUMBER = "savings.phone.number"  # the president changes a member's phone
LOANS_MENU = "savings.loans"  # loans, repayments, fines, health-fund help, end of cycle


def _is_president(ctx, s) -> bool:
    return me(ctx, s).role == "president"


def _menu_title(ctx, s):
    return T(N_("{group}: treasurer"), {"group": my_group(ctx, s).name[:30]})


NO_SUCH_NUMBER = N_("No member has this number.")
NO_SUCH_NAME = N_("No name starts with these letters.")


def parse_member_number(value, ctx, s) -> int:
    number = as_number(value)
    member = member_by_number(ctx.db, me(ctx, s).group_id, number) if number is not None else None
    if member is None:
        raise Invalid(NO_SUCH_NUMBER)
    return member.id


def _folded(text: str) -> str:
    """"Traoré", "TRAORE" and "traore" compare equal (keypads type no accents)."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def members_starting_with(members: list[Member], letters: str) -> list[Member]:
    """Members whose names have a word starting with each word typed ("aw", "awa t")."""
    wanted = _folded(letters).replace("-", " ").split()
    found = []
    for member in members:
        words = _folded(member.name).replace("-", " ").split()
        if wanted and all(any(w.startswith(typed) for w in words) for typed in wanted):
            found.append(member)
    return found


def _chose(member_id: int) -> Go:
    return Go(CONTRIB_SHARES, data={"contrib_member": member_id})


class MemberPicker(Screen):
    """The group's members as "07 Awa T."; she types a number shown (or any member's number), or
    letters to narrow the list to the names starting with them (one match is taken at once)."""

    resumable = False

    def __init__(self, id: str, title, narrowed: bool):
        self.id, self.title, self.narrowed = id, title, narrowed
        self.targets = frozenset({CONTRIB_SHARES, CONTRIB_FOUND})

    def members(self, ctx, s) -> list[Member]:
        members = roster(ctx.db, me(ctx, s).group_id)
        return members_starting_with(members, s.data["contrib_letters"]) if self.narrowed else members

    def view(self, ctx, s) -> View:
        title = self.title(ctx, s) if callable(self.title) else self.title
        return View((title,), tuple(Raw(member_label(m)) for m in self.members(ctx, s)))

    def handle(self, ctx, s, value: str):
        if is_digits(value):
            try:
                return _chose(parse_member_number(value, ctx, s))
            except Invalid as problem:
                return Reask(problem.hint)
        if not value.strip() or not all(c.isalpha() or c in " -'" for c in value):
            return Reask(INVALID_CHOICE)
        found = members_starting_with(roster(ctx.db, me(ctx, s).group_id), value)
        if not found:
            return Reask(NO_SUCH_NAME)
        if len(found) == 1:
            return _chose(found[0].id)
        return Go(CONTRIB_FOUND, data={"contrib_letters": " ".join(value.split())})


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
    shares = as_number(value)
    if shares is not None and group.min_shares <= shares <= group.max_shares:
        return shares
    raise Invalid(T(N_("Enter {min} to {max} shares."), {"min": group.min_shares, "max": group.max_shares}))


def _contrib_summary(ctx, s) -> dict:
    count = s.data["contrib_shares"]
    member = _chosen(ctx, s, "contrib_member")
    return {"member": member_label(member), "shares": shares(count),
            "amount": xof(count * my_group(ctx, s).share_value)}


def _contrib_done_text(ctx, s):
    if refusing(ctx.db, [_chosen(ctx, s, "contrib_member").phone], RECEIPT):
        return T(N_("Recorded: {member}, {shares} = {amount}. No SMS receipt: she stopped SMS."),
                 _contrib_summary(ctx, s))
    return T(N_("Recorded: {member}, {shares} = {amount}. She gets an SMS receipt."),
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
        count, amount, health = meeting_totals(ctx.db, last.id)
        bought = shares(count)
        lines.append(T(N_("Meeting {date}: {shares} = {amount}, health fund {health}."),
                       {"date": day_month(last.held_on), "shares": bought, "amount": xof(amount),
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
            Option(N_("Loans, fines, health fund"), LOANS_MENU),
            Option(N_("Change a member's phone"), PHONE_NUMBER, when=_is_president),
        ], resumable=False),
        MemberPicker(CONTRIB_NUMBER, N_("Type her number, or the first letters of her name:"),
                     narrowed=False),
        MemberPicker(CONTRIB_FOUND, lambda ctx, s: T(N_("Names starting with {letters}: type her "
                                                        "number."),
                                                     {"letters": s.data["contrib_letters"]}),
                     narrowed=True),
        Prompt(CONTRIB_SHARES, _contrib_shares_text, _parse_contrib_shares,
               lambda ctx, s, shares: Go(CONTRIB_CONFIRM, data={"contrib_shares": shares}),
               targets=[CONTRIB_CONFIRM], examples=["2"]),
        Menu(CONTRIB_CONFIRM,
             lambda ctx, s: T(N_("{member}: {shares} = {amount}."), _contrib_summary(ctx, s)),
             [Option(N_("Confirm"), CONTRIB_DONE, effects=_save_contribution)], resumable=False),
        End(CONTRIB_DONE, _contrib_done_text),
        End(BALANCES, _balances_text),
        Prompt(RESET_NUMBER, N_("Number of the member whose PIN to reset?"), parse_member_number,
               lambda ctx, s, member_id: Go(RESET_CONFIRM, data={"reset_member": member_id}),
               targets=[RESET_CONFIRM], examples=["7"]),
        Menu(RESET_CONFIRM,
             lambda ctx, s: T(N_("Reset the PIN of {member}? She chooses a new one at her next dial."),
                              {"member": member_label(_chosen(ctx, s, "reset_member"))}),
             [Option(N_("Confirm"), RESET_DONE,
                     effects=lambda ctx, s: (ResetMemberPin(s.data["reset_member"]),))]),
        End(RESET_DONE, N_("PIN reset.")),
    ]


# The screen walk: the list, a search with several matches ("a") and with one ("aw").
walk_answers = {CONTRIB_NUMBER: ["a", "aw"], CONTRIB_FOUND: ["1", "aw"]}
