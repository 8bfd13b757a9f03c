"""A member's own screen: her savings, loan and fines, the group's health fund, her last
purchase; the cycle's rules; statement by SMS."""

from __future__ import annotations

from ussd_app.menus.savings_access import MEMBER_SCREEN, me, my_group
from ussd_app.menus.screens import End, Menu, Option
from ussd_app.savings.effects import SendStatement
from ussd_app.savings.groups import current_cycle, short_name
from ussd_app.savings.ledger import group_balance, last_contribution, member_balance
from ussd_app.savings.loans import open_loans
from ussd_app.savings.rules import rules_for
from ussd_app.savings.receipts import day_month, shares, xof
from ussd_app.text.i18n import N_, T

STATEMENT_SENT = "savings.statement.sent"
RULES = "savings.rules"


def _text(ctx, s):
    member, group = me(ctx, s), my_group(ctx, s)
    cycle = current_cycle(ctx.db, group.id)
    mine = member_balance(ctx.db, member.id, cycle.id)
    lines = [T(N_("{name}: savings {shares} = {amount}."),
               {"name": short_name(member.name), "shares": shares(mine.shares),
                "amount": xof(mine.savings)}),
             T(N_("Group health fund: {health}."),
               {"health": xof(group_balance(ctx.db, group.id, cycle.id).health_fund)})]
    loans = open_loans(ctx.db, member.id, cycle.id)
    if loans:
        lines.append(T(N_("Loan: {owed} to repay, next due {due}."),
                       {"owed": xof(sum(x.owed for x in loans)),
                        "due": min(x.terms.due_on for x in loans).strftime("%d/%m/%y")}))
    if mine.fines:
        lines.append(T(N_("Fines: {fines}."), {"fines": xof(mine.fines)}))
    last = last_contribution(ctx.db, member.id, cycle.id)
    if last is None:
        lines.append(N_("No purchase yet this cycle."))
    else:
        lines.append(T(N_("Last purchase: {date}, {shares}."),
                       {"date": day_month(last.created_at.date()), "shares": shares(last.shares)}))
    return lines


HEALTH_MODE = {"grants": N_("gives grants"), "loans": N_("lends without charge")}


def _rules_text(ctx, s):
    rules = rules_for(ctx.db, current_cycle(ctx.db, my_group(ctx, s).id).id)
    return T(N_("Loans: up to {multiple} x savings, {months} months max, service charge {pct}% "
                "a month. Fines: late {late}, absent {absent}. Health fund {mode}."),
             {"multiple": rules.max_loan_multiple, "months": rules.loan_months,
              "pct": rules.service_charge_pct, "late": xof(rules.fine_late),
              "absent": xof(rules.fine_absent), "mode": T(HEALTH_MODE[rules.health_mode])})


def screens():
    return [
        Menu(MEMBER_SCREEN, _text, [
            Option(N_("Statement by SMS"), STATEMENT_SENT,
                   effects=lambda ctx, s: (SendStatement(me(ctx, s).id),)),
            Option(N_("Group rules"), RULES),
        ]),
        End(RULES, _rules_text),
        End(STATEMENT_SENT, N_("Your statement of this cycle is on its way by SMS.")),
    ]
