"""The treasurer's loans, repayments, fines, health-fund help and end of cycle over USSD; what
members see and receive; the overdue reminder."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.savings.conftest import phone_of
from ussd_app.savings.groups import current_cycle
from ussd_app.savings.ledger import group_balance
from ussd_app.savings.loans import add_months, open_loans, repay
from ussd_app.savings.models import LedgerEntry, SavingsGroup
from ussd_app.savings.overdue import remind_overdue
from ussd_app.sms.outbox import OutboxMessage

pytestmark = pytest.mark.dates

LOANS = "6"  # "Loans, fines, health fund" in the treasurer's menu


def _count(db, kind):
    db.expire_all()
    return db.scalar(select(func.count()).select_from(LedgerEntry).where(LedgerEntry.kind == kind))


def _sms_to(db, phone):
    db.expire_all()
    return list(db.scalars(select(OutboxMessage.body).where(OutboxMessage.recipient == phone)
                           .order_by(OutboxMessage.id)))


@pytest.fixture
def group_with_savings(make_group, login):
    group, members = make_group(size=3)
    login(phone_of(1)).press("1", "2", "5", "1", "1")  # roll-call: 2, 5 and 1 shares; fund 4 000
    return group, members


def test_a_loan_over_the_limit_or_the_fund_is_refused_with_the_reason(group_with_savings, login):
    d = login(phone_of(1), first=False).press(LOANS).sees("Caisse de pret 4 000 FCFA")
    d.press("1", "3").sees("03 Mariam C. : montant du pret ? Au plus 1 500 FCFA")
    d.press("2000").sees("Au-delà de sa limite (3 x son épargne) : au plus 1 500 FCFA")
    d = login(phone_of(1), first=False).press(LOANS, "1", "2", "4001")
    d.sees("La caisse de pret ne contient que 4 000 FCFA")


def test_a_loan_confirmed_twice_is_written_once_with_its_receipt(group_with_savings, login, db,
                                                                  clock):
    d = login(phone_of(1), first=False).press(LOANS, "1", "2", "2000").sees("1-3")
    d.press("4").sees("Entrez 1 à 3 mois").press("2")
    due = add_months(clock.now.date(), 2).strftime("%d/%m/%y")
    d.sees(f"pret 2 000 FCFA, 2 mois. A rembourser 2 200 FCFA avant le {due}")
    d.press("1").sees("Pret enregistré pour 02 Fatoumata K.")
    d.resend()  # the gateway sends the confirm again
    assert _count(db, "loan") == 1
    receipt = _sms_to(db, phone_of(2))[-1]
    assert "pret 2 000 FCFA" in receipt and "2 200 FCFA" in receipt and len(receipt) <= 160
    login(phone_of(2)).press("5").sees("Pret : 2 200 FCFA à rembourser")  # the president


def test_repayment_fine_and_health_fund_help(group_with_savings, login, db):
    login(phone_of(1), first=False).press(LOANS, "1", "2", "2000", "2", "1")
    d = login(phone_of(1), first=False).press(LOANS, "2", "3").sees("aucun pret")
    d.press("2").sees("02 Fatoumata K. doit 2 200 FCFA").press("3000").sees("ne doit que")
    d.press("500").sees("Reste du après : 1 700 FCFA").press("1").sees("Remboursement enregistré")
    assert (_count(db, "charge"), _count(db, "repayment")) == (1, 1)
    login(phone_of(1), first=False).press(LOANS, "3", "3").sees("retard 100 FCFA").press("1")
    assert _count(db, "fine") == 1
    d = login(phone_of(1), first=False).press(LOANS, "4", "3", "2")
    d.sees("accouchement : montant ? La caisse santé contient 750 FCFA")
    d.press("800").sees("ne contient que 750").press("300").sees("Verser 300 FCFA")
    d.press("1").sees("Aide versée")
    d.resend()
    assert _count(db, "health_payout") == 1
    assert any("aide caisse santé 300 FCFA" in body for body in _sms_to(db, phone_of(3)))
    assert all(len(body) <= 160 for p in (1, 2, 3) for body in _sms_to(db, phone_of(p)))


def test_one_polite_reminder_per_overdue_loan_to_her_only(group_with_savings, login, db, clock):
    login(phone_of(1), first=False).press(LOANS, "1", "2", "2000", "1", "1")
    before = {p: len(_sms_to(db, phone_of(p))) for p in (1, 2, 3)}
    later = clock.now + timedelta(days=40)
    assert remind_overdue(db, now=later) == 1
    assert remind_overdue(db, now=later + timedelta(days=1)) == 1  # still overdue, not re-sent
    db.commit()
    after = {p: len(_sms_to(db, phone_of(p))) for p in (1, 2, 3)}
    assert after == {1: before[1], 2: before[2] + 1, 3: before[3]}
    assert "Merci de voir votre trésorière" in _sms_to(db, phone_of(2))[-1]


def test_end_of_cycle_waits_for_loans_then_shares_out_once(group_with_savings, login, db, clock):
    group, members = group_with_savings
    login(phone_of(1), first=False).press(LOANS, "1", "2", "1000", "1", "1")
    login(phone_of(1), first=False).press(LOANS, "5").sees("1 pret encore à rembourser")
    loan = open_loans(db, members[1].id)[0]
    repay(db, db.get(SavingsGroup, group.id), loan.entry, amount=loan.owed, key="all",
          recorded_by_id=None, now=clock.now)
    db.commit()
    d = login(phone_of(1), first=False).press(LOANS, "5")
    d.sees("Cycle 1 : caisse 4 050 FCFA, 8 parts, 506 FCFA la part.")
    d.sees("01 Awa T.: 1 013 FCFA")  # 4 050 x 2/8 = 1 012.5: the franc left goes to her
    d.press("2", "50").sees("Gardé pour le cycle suivant : 50 FCFA")
    d.press("1").sees("Cycle clos : 3 membres payés", "50 FCFA")
    d.resend()
    assert _count(db, "share_out") == 3
    new = current_cycle(db, group.id)
    assert new.number == 2 and group_balance(db, group.id, new.id).loan_fund == 50


def test_two_treasurers_lending_the_same_money_at_once_lend_it_once(group_with_savings, login,
                                                                      db):
    import threading

    a = login(phone_of(1), first=False).press(LOANS, "1", "2", "4000", "1").sees("Confirmer")
    b = login(phone_of(2)).press("98", "7", "1", "1", "3000", "1").sees("Confirmer")  # president
    barrier, answers = threading.Barrier(2), {}

    def confirm(name, dialer):
        barrier.wait()
        answers[name] = dialer.press("1").answer

    threads = [threading.Thread(target=confirm, args=item) for item in (("a", a), ("b", b))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert _count(db, "loan") == 1
    assert sum("enregistré" in text for text in answers.values()) == 1
    assert sum("ne contient que" in text for text in answers.values()) == 1, answers
