"""Loans, repayments, fines and health-fund help: limits with reasons, boxes, keys, receipts."""

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from ussd_app.savings.groups import current_cycle
from ussd_app.savings.ledger import (LedgerError, NotEnoughInBox, add_entry, correctable_entries,
                                     group_balance, member_balance, reverse_entry)
from ussd_app.savings.loans import (LoanRefused, add_months, issue_loan, loan_limit, loan_state,
                                    open_loans, overdue_loans, pay_health, quote_loan,
                                    record_fine, repay, service_charge)
from ussd_app.savings.models import LedgerEntry
from ussd_app.savings.recording import record_meeting
from ussd_app.savings.rules import rules_for, set_rules
from ussd_app.sms.outbox import OutboxMessage

pytestmark = pytest.mark.dates


def _meeting(db, group, members, now, shares=2, key="m1"):
    record_meeting(db, group, day=now.date(), key=key,
                   shares_by_member={m.id: shares for m in members}, recorded_by_id=members[0].id,
                   now=now)


def test_months_and_flat_service_charge():
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2026, 11, 15), 3) == date(2027, 2, 15)
    assert service_charge(10_000, 5, 3) == 1_500
    assert service_charge(999, 5, 1) == 49  # whole francs, rounded down
    assert service_charge(10_000, 0, 3) == 0  # a health loan


def test_a_loan_over_her_limit_or_the_fund_is_refused_with_the_reason(make_group, db, clock):
    group, members = make_group(size=4)
    _meeting(db, group, members, clock.now)  # each: 2 shares = 1 000; fund 4 000
    awa = members[0]
    assert loan_limit(db, awa, current_cycle(db, group.id).id) == (3_000, "limit")
    with pytest.raises(LoanRefused) as refused:
        quote_loan(db, awa, amount=3_001, months=2, today=clock.now.date())
    assert (refused.value.why, refused.value.most) == ("limit", 3_000)
    with pytest.raises(LoanRefused) as refused:
        quote_loan(db, awa, amount=1_000, months=4, today=clock.now.date())
    assert refused.value.why == "months"
    issue_loan(db, group, members[1], amount=3_000, months=2, key="l1", recorded_by_id=awa.id,
               now=clock.now)
    # 1 000 left in the fund: now the fund bounds Awa, not her savings.
    assert loan_limit(db, awa, current_cycle(db, group.id).id) == (1_000, "fund")
    with pytest.raises(LoanRefused) as refused:
        issue_loan(db, group, awa, amount=1_001, months=1, key="l2", recorded_by_id=awa.id,
                   now=clock.now)
    assert (refused.value.why, refused.value.most) == ("fund", 1_000)


def test_a_loan_is_written_once_with_its_terms_and_a_receipt(make_group, db, clock):
    group, members = make_group(size=3)
    _meeting(db, group, members, clock.now)
    one = issue_loan(db, group, members[1], amount=2_000, months=3, key="l1",
                     recorded_by_id=members[0].id, now=clock.now)
    again = issue_loan(db, group, members[1], amount=2_000, months=3, key="l1",
                       recorded_by_id=members[0].id, now=clock.now)
    assert one.id == again.id
    state = loan_state(db, one)
    assert (state.terms.charge, state.owed) == (300, 2_300)
    assert state.terms.due_on == add_months(clock.now.date(), 3)
    assert group_balance(db, group.id, one.cycle_id).loan_fund == 3_000 - 2_000
    body = db.scalar(select(OutboxMessage.body).where(OutboxMessage.recipient == members[1].phone)
                     .order_by(OutboxMessage.id.desc()).limit(1))
    assert "2 000 FCFA" in body and "2 300 FCFA" in body and len(body) <= 160


def test_a_repayment_pays_the_service_charge_first_then_the_principal(make_group, db, clock):
    group, members = make_group(size=3)
    _meeting(db, group, members, clock.now)
    loan = issue_loan(db, group, members[1], amount=2_000, months=3, key="l1",
                      recorded_by_id=members[0].id, now=clock.now)
    charge, principal = repay(db, group, loan, amount=500, key="r1", recorded_by_id=None,
                              now=clock.now)
    assert (charge.amount, principal.amount) == (300, 200)
    assert repay(db, group, loan, amount=500, key="r1", recorded_by_id=None, now=clock.now) == (
        charge, principal)
    with pytest.raises(LedgerError, match="1 to 1800"):
        repay(db, group, loan, amount=1_801, key="r2", recorded_by_id=None, now=clock.now)
    repay(db, group, loan, amount=1_800, key="r2", recorded_by_id=None, now=clock.now)
    assert open_loans(db, members[1].id) == []
    # The fund got back what was lent, plus the service charge.
    assert group_balance(db, group.id, loan.cycle_id).loan_fund == 3_000 + 300
    assert member_balance(db, members[1].id, loan.cycle_id).loan_principal_out == 0


def test_no_box_goes_negative_even_by_a_reversal(make_group, db, clock):
    group, members = make_group(size=2)
    _meeting(db, group, members, clock.now)  # fund 2 000; health fund 500
    purchase = correctable_entries(db, group.id)[0]
    issue_loan(db, group, members[0], amount=2_000, months=1, key="l1", recorded_by_id=None,
               now=clock.now)
    with pytest.raises(NotEnoughInBox, match="loan fund holds 0"):
        reverse_entry(db, purchase, idempotency_key="x", now=clock.now)
    with pytest.raises(NotEnoughInBox, match="health fund holds 500"):
        pay_health(db, group, members[1], amount=501, reason="delivery", key="p1",
                   recorded_by_id=None, now=clock.now)
    paid = pay_health(db, group, members[1], amount=500, reason="delivery", key="p1",
                      recorded_by_id=None, now=clock.now)
    assert paid.reason == "delivery"
    assert group_balance(db, group.id, paid.cycle_id).health_fund == 0
    with pytest.raises(LedgerError, match="reason"):
        add_entry(db, member=members[0], cycle_id=paid.cycle_id, kind="health_payout", amount=1,
                  reason="party", idempotency_key="p2", now=clock.now)


def test_a_loan_with_repayments_is_not_cancelled_before_them(make_group, db, clock):
    group, members = make_group(size=2)
    _meeting(db, group, members, clock.now)
    loan = issue_loan(db, group, members[0], amount=1_000, months=1, key="l1", recorded_by_id=None,
                      now=clock.now)
    charge, _ = repay(db, group, loan, amount=10, key="r1", recorded_by_id=None, now=clock.now)
    with pytest.raises(LedgerError, match="repayments first"):
        reverse_entry(db, loan, idempotency_key="x", now=clock.now)
    reverse_entry(db, charge, idempotency_key="y", now=clock.now)
    reverse_entry(db, loan, idempotency_key="x", now=clock.now)
    assert group_balance(db, group.id, loan.cycle_id).loan_fund == 2_000


def test_fines_go_into_the_loan_fund_and_her_statement(make_group, db, clock):
    group, members = make_group(size=2)
    cycle_id = current_cycle(db, group.id).id
    fine = record_fine(db, group, members[1], amount=rules_for(db, cycle_id).fine_late, key="f1",
                       recorded_by_id=None, now=clock.now)
    assert fine.amount == 100
    assert member_balance(db, members[1].id, cycle_id).fines == 100
    assert group_balance(db, group.id, cycle_id).loan_fund == 100


def test_overdue_loans_are_the_standing_ones_past_due_with_money_owed(make_group, db, clock):
    group, members = make_group(size=3)
    _meeting(db, group, members, clock.now)
    late = issue_loan(db, group, members[1], amount=500, months=1, key="l1", recorded_by_id=None,
                      now=clock.now)
    paid = issue_loan(db, group, members[2], amount=500, months=1, key="l2", recorded_by_id=None,
                      now=clock.now)
    repay(db, group, paid, amount=525, key="r", recorded_by_id=None, now=clock.now)
    cancelled = issue_loan(db, group, members[0], amount=500, months=1, key="l3",
                           recorded_by_id=None, now=clock.now)
    reverse_entry(db, cancelled, idempotency_key="c", now=clock.now)
    later = clock.now.date() + timedelta(days=40)
    assert [s.entry.id for s in overdue_loans(db, later)] == [late.id]
    assert overdue_loans(db, clock.now.date()) == []


def test_rules_change_later_loans_only(make_group, db, clock):
    group, members = make_group(size=2)
    _meeting(db, group, members, clock.now)
    cycle_id = current_cycle(db, group.id).id
    first = issue_loan(db, group, members[0], amount=1_000, months=2, key="l1", recorded_by_id=None,
                       now=clock.now)
    set_rules(db, cycle_id, service_charge_pct=0, now=clock.now)
    second = issue_loan(db, group, members[1], amount=1_000, months=2, key="l2",
                        recorded_by_id=None, now=clock.now)
    assert (loan_state(db, first).terms.charge, loan_state(db, second).terms.charge) == (100, 0)
    with pytest.raises(Exception, match="0 to 20"):
        set_rules(db, cycle_id, service_charge_pct=21, now=clock.now)
    assert db.scalar(select(func.count()).select_from(LedgerEntry)
                     .where(LedgerEntry.kind == "loan")) == 2


@pytest.mark.parametrize("lang", ["fr", "bm"])
def test_every_new_receipt_is_one_gsm7_part_at_its_longest(lang):
    from ussd_app.savings import receipts
    from ussd_app.text.gsm import sms_size, to_gsm
    from ussd_app.text.i18n import TN, T, translate

    big = receipts.xof(9_000_000)
    base = {"group": "X" * receipts.GROUP_NAME_IN_SMS, "date": "28/02", "ref": "1234567K",
            "amount": big, "total": big, "owed": big, "fines": big, "due": "28/02/27",
            "cycle": 12, "name": "Korotoumou F.", "shares": TN(receipts.SHARES, 999)}
    for msgid in (receipts.LOAN, receipts.REPAYMENT, receipts.FINE, receipts.PAYOUT,
                  receipts.SHARE_OUT, receipts.OVERDUE, receipts.STATEMENT_LOANS,
                  receipts.STATEMENT_FINES):
        text = to_gsm(translate(lang, T(msgid, base)))
        size = sms_size(text)
        assert (size.parts, size.encoding) == (1, "GSM-7"), (msgid, len(text), text)


def test_her_statement_adds_her_loan_and_fines(make_group, db, clock):
    from ussd_app.savings.models import SavingsGroup
    from ussd_app.savings.recording import send_statement

    group, members = make_group(size=2)
    _meeting(db, group, members, clock.now)
    issue_loan(db, group, members[1], amount=1_000, months=1, key="l", recorded_by_id=None,
               now=clock.now)
    send_statement(db, db.get(SavingsGroup, group.id), members[1], key="st", now=clock.now)
    bodies = list(db.scalars(select(OutboxMessage.body).where(
        OutboxMessage.recipient == members[1].phone).order_by(OutboxMessage.id)))
    assert "prêt à rembourser 1 050 FCFA" in bodies[-1].replace("pret", "prêt")


def test_when_the_health_fund_lends_its_help_is_repaid_into_it(make_group, db, clock):
    group, members = make_group(size=2)
    _meeting(db, group, members, clock.now)  # health fund 500
    cycle_id = current_cycle(db, group.id).id
    set_rules(db, cycle_id, health_mode="loans", now=clock.now)
    help_ = pay_health(db, group, members[1], amount=400, reason="sick_child", key="h",
                       recorded_by_id=None, now=clock.now)
    [owed] = open_loans(db, members[1].id, cycle_id)
    assert (owed.entry.id, owed.owed, owed.terms.charge) == (help_.id, 400, 0)
    charge, back = repay(db, group, help_, amount=150, key="r", recorded_by_id=None,
                         now=clock.now)
    assert charge is None and back.kind == "health_repayment"
    boxes = group_balance(db, group.id, cycle_id)
    assert (boxes.health_fund, boxes.loan_fund) == (250, 2_000)  # the loan fund is not touched
    later = clock.now.date() + timedelta(days=120)
    assert [s.owed for s in overdue_loans(db, later)] == [250]
