"""Treasurer: loans, repayments, fines and health-fund help (behind the PIN, like the rest).

Each task starts with the member's number and ends on a confirm screen that says what will be
written; the key of what is written is fixed when the task starts (as the roll-call's draft
key is), so a resent hop, a replayed session or a second "1 Confirm" writes it once. A loan
over her limit or over the loan fund is refused on the amount screen, with the reason.
"""

from __future__ import annotations

from ussd_app.menus.savings_access import me, my_group
from ussd_app.menus.screens import Branch, End, Go, Invalid, Menu, Option, Prompt
from ussd_app.menus.savings_treasurer import LOANS_MENU, parse_member_number
from ussd_app.savings.effects import IssueLoan, PayHealth, RecordFine, RecordRepayment
from ussd_app.savings.groups import current_cycle, member_label
from ussd_app.savings.ledger import group_balance
from ussd_app.savings.loans import LoanRefused, loan_limit, loan_state, open_loans, quote_loan
from ussd_app.savings.models import LedgerEntry, Member
from ussd_app.savings.receipts import xof
from ussd_app.savings.rules import rules_for
from ussd_app.text.i18n import N_, NP_, TN, T
from ussd_app.text.keypad import as_number

LOAN_NUMBER = "savings.loan.number"
LOAN_AMOUNT = "savings.loan.amount"
LOAN_MONTHS = "savings.loan.months"
LOAN_CONFIRM = "savings.loan.confirm"
LOAN_SAVE = "savings.loan.save"
LOAN_DONE = "savings.loan.done"
REPAY_NUMBER = "savings.repay.number"
REPAY_AMOUNT = "savings.repay.amount"
REPAY_CONFIRM = "savings.repay.confirm"
REPAY_DONE = "savings.repay.done"
FINE_NUMBER = "savings.fine.number"
FINE_KIND = "savings.fine.kind"
FINE_DONE = "savings.fine.done"
HELP_NUMBER = "savings.help.number"
HELP_REASON = "savings.help.reason"
HELP_AMOUNT = "savings.help.amount"
HELP_CONFIRM = "savings.help.confirm"
HELP_SAVE = "savings.help.save"
HELP_DONE = "savings.help.done"

MONTHS = NP_("{count} month", "{count} months")
REASONS = {"anc": N_("antenatal care"), "delivery": N_("delivery"),
           "sick_child": N_("sick child"), "other": N_("other care")}
REFUSED = {"limit": N_("Over her limit ({multiple} x her savings): at most {most}."),
           "fund": N_("The loan fund holds only {most}."),
           "amount": N_("Nothing can be lent to her now.")}


def _task_key(s, task: str) -> str:
    """Fixed when the task starts: the same however often its confirm is sent."""
    return f"{task}:{s.id}:{len(s.inputs)}"


def _member(ctx, s) -> Member:
    return ctx.db.get(Member, s.data["task_member"])


def _start(task: str, target: str):
    def then(ctx, s, member_id: int) -> Go:
        return Go(target, data={"task_member": member_id, "task_key": _task_key(s, task)})
    return then


def _cycle_id(ctx, s) -> int:
    return current_cycle(ctx.db, my_group(ctx, s).id).id


def _amount(value) -> int:
    amount = as_number(value)
    if amount is None or amount < 1:
        raise Invalid(N_("Enter an amount in FCFA, digits only."))
    return amount


# --- a loan ----------------------------------------------------------------------------------

def _loan_amount_text(ctx, s):
    most, _ = loan_limit(ctx.db, _member(ctx, s), _cycle_id(ctx, s))
    return T(N_("{member}: loan amount? At most {most}."),
             {"member": member_label(_member(ctx, s)), "most": xof(most)})


def _parse_loan_amount(value, ctx, s) -> int:
    amount = _amount(value)
    try:
        quote_loan(ctx.db, _member(ctx, s), amount=amount, months=1, today=ctx.now.date())
    except LoanRefused as refused:
        multiple = rules_for(ctx.db, _cycle_id(ctx, s)).max_loan_multiple
        raise Invalid(T(REFUSED[refused.why], {"most": xof(refused.most),
                                                "multiple": multiple})) from None
    return amount


def _loan_months_text(ctx, s):
    rules = rules_for(ctx.db, _cycle_id(ctx, s))
    return T(N_("For how many months? 1-{max}. Service charge {pct}% a month."),
             {"max": rules.loan_months, "pct": rules.service_charge_pct})


def _parse_months(value, ctx, s) -> int:
    months, most = as_number(value), rules_for(ctx.db, _cycle_id(ctx, s)).loan_months
    if months is None or not 1 <= months <= most:
        raise Invalid(T(N_("Enter 1 to {max} months."), {"max": most}))
    return months


def _quote(ctx, s):
    return quote_loan(ctx.db, _member(ctx, s), amount=s.data["loan_amount"],
                      months=s.data["loan_months"], today=ctx.now.date())


def _loan_confirm_text(ctx, s):
    quote = _quote(ctx, s)
    return T(N_("{member}: loan {amount}, {months}. To repay {total} by {due}."),
             {"member": member_label(_member(ctx, s)), "amount": xof(quote.principal),
              "months": TN(MONTHS, quote.months), "total": xof(quote.total),
              "due": quote.due_on.strftime("%d/%m/%y")})


def _save_loan(ctx, s) -> Go:
    # Read again at the confirm: another treasurer may have lent the money a moment ago (the
    # effect checks once more, under the group's lock, and this hop is then answered again).
    try:
        _quote(ctx, s)
    except LoanRefused as refused:
        return Go(LOAN_DONE, data={"loan_refused": refused.why, "loan_most": refused.most})
    effect = IssueLoan(s.data["task_member"], s.data["loan_amount"], s.data["loan_months"],
                       s.data["task_key"], me(ctx, s).id)
    return Go(LOAN_DONE, effects=(effect,), reset_history=True)


# --- a repayment -----------------------------------------------------------------------------

def _parse_borrower(value, ctx, s) -> int:
    member_id = parse_member_number(value, ctx, s)
    if not open_loans(ctx.db, member_id):
        raise Invalid(N_("She has no loan to repay."))
    return member_id


def _loan(ctx, s):
    return open_loans(ctx.db, s.data["task_member"])[0]  # the oldest loan is repaid first


def _repay_text(ctx, s):
    loans = open_loans(ctx.db, s.data["task_member"])
    if not loans:
        return N_("She has no loan to repay.")
    return T(N_("{member} owes {owed}, due {due}. Amount paid?"),
             {"member": member_label(_member(ctx, s)), "owed": xof(loans[0].owed),
              "due": loans[0].terms.due_on.strftime("%d/%m/%y")})


def _parse_repayment(value, ctx, s) -> tuple[int, int]:
    amount, loans = _amount(value), open_loans(ctx.db, s.data["task_member"])
    if not loans:
        raise Invalid(N_("She has no loan to repay."))
    if amount > loans[0].owed:
        raise Invalid(T(N_("She owes only {owed}."), {"owed": xof(loans[0].owed)}))
    return loans[0].entry.id, amount


def _repay_confirm_text(ctx, s):
    state = loan_state(ctx.db, ctx.db.get(LedgerEntry, s.data["repay_loan"]))
    amount = s.data["repay_amount"]
    return T(N_("{member} repays {amount}. Still owed after: {left}."),
             {"member": member_label(_member(ctx, s)), "amount": xof(amount),
              "left": xof(max(0, state.owed - amount))})


def _repay_effect(ctx, s):
    return (RecordRepayment(s.data["repay_loan"], s.data["repay_amount"], s.data["task_key"],
                            me(ctx, s).id),)


# --- a fine ----------------------------------------------------------------------------------

def _fine_amounts(ctx, s) -> dict:
    rules = rules_for(ctx.db, _cycle_id(ctx, s))
    return {"late": xof(rules.fine_late), "absent": xof(rules.fine_absent),
            "member": member_label(_member(ctx, s))}


def _fine_effect(kind: str):
    def effects(ctx, s):
        rules = rules_for(ctx.db, _cycle_id(ctx, s))
        amount = rules.fine_late if kind == "late" else rules.fine_absent
        return (RecordFine(s.data["task_member"], amount, s.data["task_key"], me(ctx, s).id),)
    return effects


# --- health-fund help ------------------------------------------------------------------------

def _help_amount_text(ctx, s):
    fund = group_balance(ctx.db, my_group(ctx, s).id, _cycle_id(ctx, s)).health_fund
    return T(N_("{member}, {reason}: amount? The health fund holds {fund}."),
             {"member": member_label(_member(ctx, s)), "reason": T(REASONS[s.data["help_reason"]]),
              "fund": xof(fund)})


def _parse_help_amount(value, ctx, s) -> int:
    amount = _amount(value)
    fund = group_balance(ctx.db, my_group(ctx, s).id, _cycle_id(ctx, s)).health_fund
    if amount > fund:
        raise Invalid(T(N_("The health fund holds only {most}."), {"most": xof(fund)}))
    return amount


def _help_effect(ctx, s):
    return (PayHealth(s.data["task_member"], s.data["help_amount"], s.data["help_reason"],
                      s.data["task_key"], me(ctx, s).id),)


def _loan_done_text(ctx, s):
    why = s.data.get("loan_refused")
    if why:
        multiple = rules_for(ctx.db, _cycle_id(ctx, s)).max_loan_multiple
        return T(REFUSED[why], {"most": xof(s.data["loan_most"]), "multiple": multiple})
    return T(N_("Loan recorded for {member}. She gets an SMS."),
             {"member": member_label(_member(ctx, s))})


def _save_help(ctx, s) -> Go:
    fund = group_balance(ctx.db, my_group(ctx, s).id, _cycle_id(ctx, s)).health_fund
    if s.data["help_amount"] > fund:  # paid out by another session meanwhile
        return Go(HELP_DONE, data={"help_short": fund})
    return Go(HELP_DONE, effects=_help_effect(ctx, s), reset_history=True)


def _help_done_text(ctx, s):
    if "help_short" in s.data:
        return T(N_("The health fund holds only {most}."), {"most": xof(s.data["help_short"])})
    return T(N_("Help paid to {member}. She gets an SMS."),
             {"member": member_label(_member(ctx, s))})


def _loans_title(ctx, s):
    boxes = group_balance(ctx.db, my_group(ctx, s).id, _cycle_id(ctx, s))
    return T(N_("Loan fund {loan}. Health fund {health}."),
             {"loan": xof(boxes.loan_fund), "health": xof(boxes.health_fund)})


def _done(msgid):
    return lambda ctx, s: T(msgid, {"member": member_label(_member(ctx, s))})


def screens():
    ask_number = N_("Member number?")
    return [
        Menu(LOANS_MENU, _loans_title, [
            Option(N_("New loan"), LOAN_NUMBER),
            Option(N_("Repayment"), REPAY_NUMBER),
            Option(N_("Fine"), FINE_NUMBER),
            Option(N_("Health fund help"), HELP_NUMBER),
            Option(N_("End of cycle"), "savings.cycle.preview"),
        ]),
        Prompt(LOAN_NUMBER, ask_number, parse_member_number, _start("loan", LOAN_AMOUNT),
               targets=[LOAN_AMOUNT], examples=["3"]),
        Prompt(LOAN_AMOUNT, _loan_amount_text, _parse_loan_amount,
               lambda ctx, s, amount: Go(LOAN_MONTHS, data={"loan_amount": amount}),
               targets=[LOAN_MONTHS], examples=["500"]),
        Prompt(LOAN_MONTHS, _loan_months_text, _parse_months,
               lambda ctx, s, months: Go(LOAN_CONFIRM, data={"loan_months": months}),
               targets=[LOAN_CONFIRM], examples=["2"]),
        Menu(LOAN_CONFIRM, _loan_confirm_text, [Option(N_("Confirm"), LOAN_SAVE)]),
        Branch(LOAN_SAVE, _save_loan, targets=[LOAN_DONE]),
        End(LOAN_DONE, _loan_done_text),
        Prompt(REPAY_NUMBER, ask_number, _parse_borrower, _start("repay", REPAY_AMOUNT),
               targets=[REPAY_AMOUNT], examples=["4"]),
        Prompt(REPAY_AMOUNT, _repay_text, _parse_repayment,
               lambda ctx, s, got: Go(REPAY_CONFIRM, data={"repay_loan": got[0],
                                                           "repay_amount": got[1]}),
               targets=[REPAY_CONFIRM], examples=["100"]),
        Menu(REPAY_CONFIRM, _repay_confirm_text,
             [Option(N_("Confirm"), REPAY_DONE, effects=_repay_effect)]),
        End(REPAY_DONE, _done(N_("Repayment recorded for {member}. She gets an SMS."))),
        Prompt(FINE_NUMBER, ask_number, parse_member_number, _start("fine", FINE_KIND),
               targets=[FINE_KIND], examples=["5"]),
        Menu(FINE_KIND, lambda ctx, s: T(N_("Fine for {member}: late {late}, absent {absent}."),
                                         _fine_amounts(ctx, s)), [
            Option(N_("Late"), FINE_DONE, effects=_fine_effect("late")),
            Option(N_("Absent"), FINE_DONE, effects=_fine_effect("absent")),
        ]),
        End(FINE_DONE, _done(N_("Fine recorded for {member}. She gets an SMS."))),
        Prompt(HELP_NUMBER, ask_number, parse_member_number, _start("help", HELP_REASON),
               targets=[HELP_REASON], examples=["6"]),
        Menu(HELP_REASON, N_("Help for what?"), [
            Option(label, HELP_AMOUNT, data={"help_reason": reason})
            for reason, label in REASONS.items()]),
        Prompt(HELP_AMOUNT, _help_amount_text, _parse_help_amount,
               lambda ctx, s, amount: Go(HELP_CONFIRM, data={"help_amount": amount}),
               targets=[HELP_CONFIRM], examples=["100"]),
        Menu(HELP_CONFIRM, lambda ctx, s: T(N_("Pay {amount} to {member} from the health fund?"), {
            "amount": xof(s.data["help_amount"]), "member": member_label(_member(ctx, s))}),
             [Option(N_("Confirm"), HELP_SAVE)]),
        Branch(HELP_SAVE, _save_help, targets=[HELP_DONE]),
        End(HELP_DONE, _help_done_text),
    ]


# The screen walk: Oumou (6) has a loan to repay in the demo group.
walk_answers = {REPAY_NUMBER: ["6"]}
