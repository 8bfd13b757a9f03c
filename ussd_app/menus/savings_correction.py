"""Correct an entry: the group's last entries → choose → cancel it, or re-enter the right shares.

Nothing is erased: a reversing entry cancels the original and, for shares, a new entry holds
the right number. The member gets an SMS with both references.
"""

from __future__ import annotations

from ussd_app.menus.savings_access import me, my_group
from ussd_app.menus.screens import Branch, Choice, End, Go, Invalid, Menu, Option, Prompt, Reask
from ussd_app.savings.effects import CorrectEntry
from ussd_app.savings.groups import member_label
from ussd_app.savings.groups import current_cycle
from ussd_app.savings.ledger import correctable_entries, group_balance, reference, reversal_of
from ussd_app.savings.models import LedgerEntry, Member
from ussd_app.savings.receipts import day_month, shares, xof
from ussd_app.text.i18n import N_, T
from ussd_app.text.keypad import as_number

LIST = "savings.fix.list"
ACTION = "savings.fix.action"
SHARES = "savings.fix.shares"
DONE = "savings.fix.done"
CANCELLED = "savings.fix.cancelled"
CANCEL = "savings.fix.cancel"
CANCEL_CONFIRM = "savings.fix.cancel_confirm"
GONE = N_("This entry was already corrected.")


def _entry(ctx, s) -> LedgerEntry:
    return ctx.db.get(LedgerEntry, s.data["fix_entry"])


def _describe(ctx, entry: LedgerEntry) -> dict:
    return {"member": member_label(ctx.db.get(Member, entry.member_id)), "shares": shares(entry.shares),
            "amount": xof(entry.amount), "date": day_month(entry.created_at.date()),
            "ref": reference(entry.id)}


def _items(ctx, s):
    items = []
    group_id = me(ctx, s).group_id
    for entry in correctable_entries(ctx.db, group_id, limit=8,
                                     cycle_id=current_cycle(ctx.db, group_id).id):
        items.append((T(N_("{member} {shares} {date}"), _describe(ctx, entry)), entry.id))
    return items


def _choose(ctx, s, entry_id: int):
    entry = ctx.db.get(LedgerEntry, entry_id)
    if reversal_of(ctx.db, entry) is not None:
        return Reask(GONE)
    return Go(ACTION, data={"fix_entry": entry_id})


def _action_text(ctx, s):
    return T(N_("Ref {ref}: {member}, {shares} = {amount}, {date}."),
             _describe(ctx, _entry(ctx, s)))


def _already_corrected(ctx, s) -> bool:
    # Another session (or an earlier confirm of this one) may have corrected it meanwhile.
    return reversal_of(ctx.db, _entry(ctx, s)) is not None


def _lent_out(ctx, s) -> bool:
    """The money of this purchase is lent out: cancelling it would empty the loan fund."""
    entry = _entry(ctx, s)
    return group_balance(ctx.db, entry.group_id, entry.cycle_id).loan_fund < entry.amount


def _cancel(ctx, s) -> Go:
    if _already_corrected(ctx, s):
        return Go(CANCELLED, data={"fix_gone": True})
    if _lent_out(ctx, s):
        return Go(CANCELLED, data={"fix_short": True})
    return Go(CANCELLED, reset_history=True,
              effects=(CorrectEntry(s.data["fix_entry"], None, me(ctx, s).id),))


def _parse_new_shares(value, ctx, s) -> int:
    group, entry = my_group(ctx, s), _entry(ctx, s)
    shares = as_number(value)
    if shares is None or not group.min_shares <= shares <= group.max_shares:
        raise Invalid(T(N_("Enter {min} to {max} shares."), {"min": group.min_shares,
                                                             "max": group.max_shares}))
    if shares == entry.shares:
        raise Invalid(N_("That is the number already recorded."))
    return shares


def _reenter(ctx, s, count: int) -> Go:
    if _already_corrected(ctx, s):
        return Go(DONE, data={"fix_gone": True})
    if _lent_out(ctx, s):
        return Go(DONE, data={"fix_short": True})
    return Go(DONE, data={"fix_shares": count}, reset_history=True,
              effects=(CorrectEntry(s.data["fix_entry"], count, me(ctx, s).id),))


LENT_OUT = N_("This money is lent out: record a repayment first, then correct.")


def _done_text(ctx, s):
    if s.data.get("fix_gone"):
        return GONE
    if s.data.get("fix_short"):
        return LENT_OUT
    return T(N_("Corrected: {member}, {shares}. She gets an SMS."),
             dict(_describe(ctx, _entry(ctx, s)), shares=shares(s.data["fix_shares"])))


def _cancelled_text(ctx, s):
    if s.data.get("fix_gone"):
        return GONE
    if s.data.get("fix_short"):
        return LENT_OUT
    return T(N_("Entry {ref} cancelled. {member} gets an SMS."), _describe(ctx, _entry(ctx, s)))


def screens():
    return [
        Choice(LIST, N_("Which entry?"), _items, _choose, targets=[ACTION],
               empty=N_("No entry to correct.")),
        Menu(ACTION, _action_text, [
            Option(N_("Enter the right shares"), SHARES),
            Option(N_("Cancel this entry"), CANCEL_CONFIRM),
        ]),
        Prompt(SHARES, lambda ctx, s: T(N_("Right number of shares for {member}?"),
                                        _describe(ctx, _entry(ctx, s))),
               _parse_new_shares, _reenter, targets=[DONE], examples=["3"]),
        Menu(CANCEL_CONFIRM, lambda ctx, s: T(N_("Cancel entry {ref} of {member}? She gets an SMS."),
                                              _describe(ctx, _entry(ctx, s))),
             [Option(N_("Confirm"), CANCEL)]),
        Branch(CANCEL, _cancel, targets=[CANCELLED]),
        End(DONE, _done_text),
        End(CANCELLED, _cancelled_text),
    ]

