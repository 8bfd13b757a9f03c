"""Treasurer: end of cycle. A preview (the loan fund, shares, value per share, each member's
payout, paged with 98), an optional carry-over into the next cycle, then one confirm that
writes a share-out entry per member and opens the next cycle.

The preview fixes the key and the cycle: a second confirm, a replay or another treasurer's
confirm of the same cycle writes the share-out once (shareout.end_cycle refuses a closed cycle).
"""

from __future__ import annotations

from ussd_app.menus.savings_access import me, my_group
from ussd_app.menus.screens import Branch, End, Go, Invalid, Menu, Option, Prompt, Raw
from ussd_app.savings.effects import EndCycle
from ussd_app.savings.groups import current_cycle, member_label
from ussd_app.savings.receipts import shares, xof
from ussd_app.savings.shareout import preview
from ussd_app.text.i18n import N_, NP_, TN, T
from ussd_app.text.keypad import as_number

START = "savings.cycle.preview"
SHOW = "savings.cycle.show"
BLOCKED = "savings.cycle.blocked"
CARRY = "savings.cycle.carry"
SAVE = "savings.cycle.save"
DONE = "savings.cycle.done"

LOANS = NP_("{count} loan", "{count} loans")
PAID = NP_("{count} member paid", "{count} members paid")


def _plan(ctx, s):
    return preview(ctx.db, my_group(ctx, s), carry=s.data.get("share_carry", 0))


def _start(ctx, s) -> Go:
    group = my_group(ctx, s)
    plan = preview(ctx.db, group)
    if plan.loans_out:
        return Go(BLOCKED, data={"share_loans": plan.loans_out})
    return Go(SHOW, data={"share_cycle": current_cycle(ctx.db, group.id).id, "share_carry": 0,
                          "share_key": f"cycle:{s.id}:{len(s.inputs)}"})


def _show_text(ctx, s):
    plan = _plan(ctx, s)
    lines = [T(N_("Cycle {cycle}: fund {fund}, {shares}, {value} a share."),
               {"cycle": plan.cycle.number, "fund": xof(plan.fund),
                "shares": shares(plan.total_shares), "value": xof(plan.value_per_share)})]
    if plan.carry:
        lines.append(T(N_("Kept for the next cycle: {carry}."), {"carry": xof(plan.carry)}))
    lines.extend(Raw(f"{member_label(p.member)}: {xof(p.amount)}") for p in plan.payouts)
    return lines


def _parse_carry(value, ctx, s) -> int:
    carry, fund = as_number(value), preview(ctx.db, my_group(ctx, s)).fund
    if carry is None or not 0 <= carry <= fund:
        raise Invalid(T(N_("Enter 0 to {most}."), {"most": xof(fund)}))
    return carry


def _save(ctx, s) -> Go:
    group = my_group(ctx, s)
    if current_cycle(ctx.db, group.id).id != s.data["share_cycle"]:
        return Go(DONE, data={"share_gone": True})
    plan = _plan(ctx, s)
    effect = EndCycle(group.id, s.data["share_cycle"], plan.carry, s.data["share_key"],
                      me(ctx, s).id)
    return Go(DONE, data={"share_paid": sum(1 for p in plan.payouts if p.amount)},
              effects=(effect,), reset_history=True)


def _done_text(ctx, s):
    if s.data.get("share_gone"):
        return N_("This cycle is already closed.")
    return T(N_("Cycle closed: {paid}. The next cycle starts with {carry}. Members get an SMS."),
             {"paid": TN(PAID, s.data["share_paid"]), "carry": xof(s.data["share_carry"])})


def screens():
    return [
        Branch(START, _start, targets=[SHOW, BLOCKED]),
        End(BLOCKED, lambda ctx, s: T(N_("{loans} still to repay: the share-out comes after."),
                                      {"loans": TN(LOANS, s.data["share_loans"])})),
        Menu(SHOW, _show_text, [Option(N_("Confirm the share-out"), SAVE),
                                Option(N_("Keep an amount for next cycle"), CARRY)]),
        Prompt(CARRY, N_("Amount kept for the next cycle?"), _parse_carry,
               lambda ctx, s, carry: Go(SHOW, data={"share_carry": carry}), targets=[SHOW],
               accepts_zero=True, examples=["0"]),
        Branch(SAVE, _save, targets=[DONE]),
        End(DONE, _done_text),
    ]
