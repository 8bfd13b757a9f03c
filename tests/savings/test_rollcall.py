"""Meeting roll-call: one keypress per member, one write per meeting whatever happens."""

import threading

import pytest
from sqlalchemy import func, select

from tests.savings.conftest import PIN, phone_of
from ussd_app.savings.ledger import member_balance, reference
from ussd_app.savings.models import LedgerEntry, Meeting, Member
from ussd_app.savings.receipts import day_month
from ussd_app.sms.outbox import OutboxMessage
from ussd_app.text.gsm import is_gsm, sms_size

pytestmark = pytest.mark.dates  # run again under shifted clocks (scripts/test)

SHARES = ["2", "3", "0", "1", "5", "2", "2", "0", "4", "1", "3", "2", "1", "5", "2"]


def _count(db, model) -> int:
    db.expire_all()
    return db.scalar(select(func.count()).select_from(model))


def test_fifteen_members_in_one_keypress_each(make_group, login, db):
    make_group()
    d = login(phone_of(1)).press("1").sees("01 Awa T. parts? 1-5, 0=absente")
    presses = 0
    for number, shares in enumerate(SHARES, 1):
        d.sees(f"{number:02d} ")
        d.press(shares)
        presses += 1
    d.sees("13 présentes, 2 absentes", "33 parts = 16 500 FCFA", "Caisse santé 3 250 FCFA")
    d.press("1").sees("enregistrée")
    assert presses + 2 == 17  # 15 members, open roll-call, confirm
    assert _count(db, Meeting) == 1
    assert _count(db, LedgerEntry) == 26  # 13 purchases + 13 health-fund contributions
    awa = db.scalar(select(Member).where(Member.number == 1))
    assert member_balance(db, awa.id, 1).savings == 1000


def test_every_present_member_gets_one_gsm_receipt_in_her_language(make_group, login, dial, db, clock):
    make_group()
    dial(phone=phone_of(4)).press("1")  # member 04 speaks Bambara
    login(phone_of(1)).press("1", *SHARES, "1")
    rows = list(db.scalars(select(OutboxMessage).order_by(OutboxMessage.recipient)))
    assert len(rows) == 13 and {r.recipient for r in rows} == {
        phone_of(n) for n, s in enumerate(SHARES, 1) if s != "0"}
    for row in rows:
        assert is_gsm(row.body) and sms_size(row.body).parts == 1 and row.parts == 1
        assert row.kind == "savings_receipt"
    bambara = next(r for r in rows if r.recipient == phone_of(4))
    assert bambara.language == "bm" and "niyòrò" in bambara.body
    french = next(r for r in rows if r.recipient == phone_of(1))
    entry = db.scalar(select(LedgerEntry).where(LedgerEntry.member_id == 1, LedgerEntry.kind == "shares"))
    assert french.body.startswith(f"Benkadi {day_month(clock.now.date())}: 2 parts = 1 000 FCFA") and reference(entry.id) in french.body


def test_bambara_roll_call(make_group, login):
    make_group(size=3)
    d = login(phone_of(1), lang="bm").press("1").sees("01 Awa T.")
    d.press("2", "0", "3").sees("Benkadi" if False else "5").press("1")
    assert d.ended


def test_confirm_resent_and_pressed_twice_writes_once(make_group, login, db, dial):
    make_group(size=4)
    d = login(phone_of(1)).press("1", "1", "2", "3", "4", "1")
    assert d.resend() == d.answer
    assert _count(db, LedgerEntry) == 8 and _count(db, OutboxMessage) == 4
    d2 = login(phone_of(1), first=False).press("1").sees("déjà enregistrée")
    assert d2.ended and _count(db, LedgerEntry) == 8


def test_redis_lost_mid_roll_call_asks_the_pin_again_and_records_once(make_group, login, db,
                                                                        redis_client):
    make_group(size=5)
    d = login(phone_of(1)).press("1", "2", "3")
    redis_client.flushdb()  # the session and its draft are gone: rebuilt from the gateway's text
    d.press("1").sees("connexion a été coupée", "Entrez votre code")  # never from replayed input
    d.press(PIN).sees("Appel de la réunion")
    d.press("1", "2", "3", "1", "0", "4").sees("4 présentes").press("1")
    assert _count(db, Meeting) == 1 and _count(db, LedgerEntry) == 8


def test_a_dropped_roll_call_resumes_after_the_pin(make_group, login, dial, db):
    make_group(size=6)
    login(phone_of(1)).press("1", "2", "3", "1")  # the call drops at member 04
    d = dial(phone=phone_of(1)).sees("coupée", "Continuer l'appel de la réunion ?")
    d.press("1").sees("Entrez votre code")
    d.press(PIN).sees("04 Aminata D.").press("2", "2", "2").sees("6 présentes", "12 parts")
    d.press("1").sees("enregistrée")
    assert _count(db, LedgerEntry) == 12


def test_a_resumed_roll_call_asks_the_pin_again(make_group, login, dial):
    make_group(size=4)
    login(phone_of(1)).press("1", "2")
    d = dial(phone=phone_of(1)).press("1").press("9999").sees("Code faux")  # no way around it
    assert "02 Fatoumata" not in d.screen


def test_change_a_member_from_the_summary(make_group, login, db):
    make_group(size=3)
    d = login(phone_of(1)).press("1", "2", "2", "2").sees("6 parts")
    d.press("2", "3").sees("03 Mariam C.").press("0").sees("2 présentes", "4 parts").press("1")
    assert _count(db, LedgerEntry) == 4


def test_two_treasurer_sessions_cannot_double_a_meeting(make_group, login, db):
    make_group(size=3)
    first = login(phone_of(1)).press("1", "1", "1", "1")
    second = login(phone_of(2), ).press("1", "2", "2", "2")  # the president, same day
    first.press("1").sees("enregistrée")
    second.press("1").sees("déjà enregistrée")
    assert _count(db, Meeting) == 1 and _count(db, LedgerEntry) == 6
    assert db.scalar(select(func.sum(LedgerEntry.shares))) == 3


def test_two_confirms_at_the_same_moment_write_one_meeting(make_group, login, db):
    make_group(size=3)
    a = login(phone_of(1)).press("1", "1", "1", "1")
    b = login(phone_of(2)).press("1", "2", "2", "2")
    barrier = threading.Barrier(2)
    answers = {}

    def confirm(name, dialer):
        barrier.wait()
        answers[name] = dialer.press("1").answer

    threads = [threading.Thread(target=confirm, args=item) for item in (("a", a), ("b", b))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert _count(db, Meeting) == 1
    assert _count(db, LedgerEntry) == 6 and _count(db, OutboxMessage) == 3
    assert sum("enregistrée" in text and "déjà" not in text for text in answers.values()) == 1


def test_99_goes_back_one_member_and_0_still_means_absent(make_group, login, db):
    make_group(size=4)
    d = login(phone_of(1)).press("1").sees("01 Awa T. parts? 1-5, 0=absente", "99 Retour")
    assert "0 Retour" not in d.screen
    d.press("2", "0").sees("03 Mariam C.", "99 Membre précédente")
    assert "0 Retour" not in d.screen  # "0" records her absent: it is never offered as "back"
    d.press("99").sees("02 Fatoumata K.").press("3")  # she was there after all
    d.press("1", "1").sees("4 présentes, 0 absente", "7 parts = 3 500 FCFA")
    d.press("1").sees("enregistrée")
    fatoumata = db.scalar(select(Member).where(Member.number == 2))
    assert member_balance(db, fatoumata.id, 1).shares == 3


def test_99_on_the_first_member_goes_back_to_the_menu_and_keeps_the_draft(make_group, login):
    make_group(size=3)
    d = login(phone_of(1)).press("1", "2").sees("02 Fatoumata K.")
    d.press("99").sees("01 Awa T.", "99 Retour").press("99").sees("Benkadi : trésorière")
    d.press("1").sees("01 Awa T.").press("4", "1", "1").sees("6 parts")


def test_99_when_changing_a_member_keeps_the_summary(make_group, login):
    make_group(size=3)
    d = login(phone_of(1)).press("1", "2", "2", "2").sees("6 parts")
    d.press("2", "3").sees("03 Mariam C.", "99 Retour").press("99").sees("3 présentes", "6 parts")
