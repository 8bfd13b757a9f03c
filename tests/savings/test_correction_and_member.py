"""Correcting an entry over USSD, the member's own screen, her statement, and the receipts' size."""

import re
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from tests.conftest import TEST_NOW
from tests.savings.conftest import phone_of
from ussd_app.savings.groups import add_member, create_group
from ussd_app.savings.ledger import member_balance, reference
from ussd_app.savings.models import LedgerEntry
from ussd_app.savings.receipts import day_month
from ussd_app.savings.recording import (
    correct_entry,
    draft_key,
    record_meeting,
    send_statement,
)
from ussd_app.sms.outbox import OutboxMessage
from ussd_app.subscribers import get_or_create
from ussd_app.text.gsm import is_gsm, sms_size

pytestmark = pytest.mark.dates  # run again under shifted clocks (scripts/test)


def _sms_to(db, phone):
    db.expire_all()
    return list(db.scalars(select(OutboxMessage).where(OutboxMessage.recipient == phone)
                           .order_by(OutboxMessage.id)))


def test_treasurer_corrects_a_mistyped_entry_and_the_member_is_told(make_group, login, db):
    make_group(size=3)
    login(phone_of(1)).press("1", "2", "5", "1", "1")  # member 02 bought 3, not 5
    d = login(phone_of(1), first=False).press("3").sees("Quelle écriture", "02 Fatoumata K. 5 parts")
    d.press("2").sees("5 parts = 2 500 FCFA").press("1").sees("Bon nombre de parts")
    d.press("5").sees("déjà le nombre").press("3").sees("Corrigé", "3 parts")
    sms = _sms_to(db, phone_of(2))[-1]
    original = db.scalar(select(LedgerEntry).where(LedgerEntry.member_id == 2, LedgerEntry.shares == 5))
    assert f"écriture {reference(original.id)} corrigée de 5 à 3 parts" in sms.body
    assert "Épargne 3 parts = 1 500 FCFA" in sms.body and sms.parts == 1
    assert member_balance(db, 2, 1).shares == 3
    d = login(phone_of(1), first=False).press("3")
    assert "5 parts" not in d.screen  # a corrected entry leaves the list


def test_an_entry_corrected_meanwhile_is_not_corrected_twice(make_group, login, db):
    make_group(size=2)
    login(phone_of(1)).press("1", "2", "2", "1")
    first = login(phone_of(1), first=False).press("3", "1", "1")  # at "right number of shares"
    second = login(phone_of(2)).press("3", "1", "2")  # the president, at "cancel? 1 Confirm"
    first.press("4").sees("Corrigé")
    second.press("1").sees("déjà corrigée")
    db.expire_all()
    assert db.scalar(select(func.count()).select_from(LedgerEntry)) == 6  # 4 + reversal + new one


def test_cancelling_a_roll_call_entry_takes_back_the_health_fund(make_group, login, db):
    make_group(size=3)
    login(phone_of(1)).press("1", "2", "1", "1", "1")
    d = login(phone_of(1), first=False).press("3", "1").sees("03 Mariam C.").press("2")
    d.sees("Annuler l'écriture", "Elle recoit un SMS").press("1").sees("annulée", "03 Mariam C.")
    sms = _sms_to(db, phone_of(3))[-1]
    assert "(1 part + caisse santé) annulée. Épargne 0 part = 0 FCFA." in sms.body
    d = login(phone_of(1), first=False).press("4").sees("caisse de pret 1 500 FCFA", "Caisse santé 500 FCFA")


def test_member_sees_her_balances_equal_to_the_ledger_in_bambara(make_group, login, dial, db, clock):
    make_group(size=4)
    login(phone_of(1)).press("1", "1", "2", "3", "4", "1")
    d = login(phone_of(3), lang="bm").sees("Mariam C.", "niyòrò 3 = 1 500 FCFA", "1 000 FCFA",
                                              f"Sanni laban: {day_month(clock.now.date())}, niyòrò 3")
    d.press("1").sees("jatebò")
    login(phone_of(3), lang="bm", first=False).press("1")  # asked again the same day: one SMS
    statement = _sms_to(db, phone_of(3))[-1]
    assert sum(1 for row in _sms_to(db, phone_of(3)) if "waati" in row.body) == 1
    assert statement.language == "bm" and "waati 1" in statement.body and statement.parts == 1


def test_single_contribution_then_its_receipt(make_group, login, db, clock):
    make_group(size=3)
    d = login(phone_of(1)).press("2", "9").sees("Aucune membre").press("3").sees("03 Mariam C.")
    d.press("7").sees("Entrez de 1 à 5").press("2").sees("2 parts = 1 000 FCFA").press("1")
    d.sees("Enregistré")
    assert d.resend() == d.answer
    sms = _sms_to(db, phone_of(3))
    assert len(sms) == 1 and sms[0].body.startswith(f"Benkadi {day_month(clock.now.date())}: 2 parts = 1 000 FCFA.")


def test_members_cannot_reach_the_treasurer_menu(make_group, login):
    make_group(size=3)
    d = login(phone_of(3))
    assert "Appel" not in d.screen and "Relevé par SMS" in d.screen


@pytest.mark.parametrize("lang", ["fr", "bm"])
def test_the_longest_receipts_fit_one_gsm_part(db, app, lang):
    group = create_group(db, name="Groupe des femmes de Boulkassoumbougou", share_value=10000,
                         health_fund_per_meeting=10000, max_shares=9, now=TEST_NOW)
    member = add_member(db, group, phone=phone_of(1), name="Korotoumou Ramatoulaye Bagayoko-Fofana",
                        number=99, now=TEST_NOW)
    get_or_create(db, phone_of(1), now=TEST_NOW).language = lang
    now = datetime(2026, 11, 22, 9, tzinfo=timezone.utc)
    for week in range(1, 30):  # a long cycle: the totals have many digits
        day = date(2026, 1, 1) + timedelta(weeks=week)
        record_meeting(db, group, day=day, key=draft_key(group.id, day, str(week)),
                       shares_by_member={member.id: 9}, recorded_by_id=None, now=now)
    entry = db.scalar(select(LedgerEntry).where(LedgerEntry.kind == "shares").order_by(LedgerEntry.id.desc()))
    correct_entry(db, group, entry, new_shares=8, key="c1", recorded_by_id=None, now=now)
    entry = db.scalar(select(LedgerEntry).where(LedgerEntry.kind == "shares", LedgerEntry.reverses_id.is_(None))
                      .order_by(LedgerEntry.id))
    correct_entry(db, group, entry, new_shares=None, key="c2", recorded_by_id=None, now=now)
    send_statement(db, group, member, key="st", now=TEST_NOW)
    newcomer = add_member(db, group, phone=phone_of(2), name="Kadidiatou Sangaré-Traoré", number=98,
                          now=TEST_NOW)
    get_or_create(db, phone_of(2), now=TEST_NOW).language = lang
    send_statement(db, group, newcomer, key="st-empty", now=TEST_NOW)
    rows = list(db.scalars(select(OutboxMessage)))
    assert len(rows) == 33
    for row in rows:
        assert is_gsm(row.body) and sms_size(row.body).parts == 1, (len(row.body), row.body)
        assert re.match(r"Groupe des femmes\b(?! d)", row.body), row.body  # cut between words
    statement = next(r for r in rows if r.dedupe_key == "savings:st").body
    words = {"fr": ["Korotoumou B. : épargne 2 510 000 FCFA (251 parts, 28 achats)",
                    "Dernier achat 22/11 : 8 parts."],
             "bm": ["Korotoumou B.: wari maralen 2 510 000 FCFA (niyòrò 251, sanni 28)",
                    "Sanni laban 22/11: niyòrò 8."]}[lang]
    for fragment in words:
        assert fragment in statement, statement
    db.rollback()


@pytest.mark.parametrize("lang, expected", [
    ("fr", "Benkadi cycle 1, Mariam C. : épargne 1 500 FCFA (3 parts, 1 achat). Caisse santé payée "
           "250 FCFA. Dernier achat {date} : 3 parts."),
    ("bm", "Benkadi waati 1, Mariam C.: wari maralen 1 500 FCFA (niyòrò 3, sanni 1). Kènèya kèsu "
           "sarali 250 FCFA. Sanni laban {date}: niyòrò 3."),
])
def test_the_statement_reads_as_sentences_in_one_part(make_group, login, dial, db, clock, lang, expected):
    make_group(size=3)
    if lang == "bm":
        dial(phone=phone_of(3)).press("1")
    login(phone_of(1)).press("1", "1", "2", "3", "1")
    login(phone_of(3), lang=lang).press("1")
    [statement] = [r for r in _sms_to(db, phone_of(3)) if "statement" in r.dedupe_key]
    assert statement.body == expected.format(date=day_month(clock.now.date()))
    assert statement.parts == 1


def test_counts_take_the_singular_for_one(make_group, login, db):
    make_group(size=3)
    d = login(phone_of(1)).press("1", "1", "0", "2").sees("2 présentes, 1 absente", "3 parts = 1 500 FCFA")
    d.press("1").sees("3 parts = 1 500 FCFA")
    receipt = _sms_to(db, phone_of(1))[-1].body
    assert ": 1 part = 500 FCFA + caisse santé 250 FCFA. Épargne 1 part = 500 FCFA." in receipt
    d = login(phone_of(1), first=False).press("3").sees("01 Awa T. 1 part", "03 Mariam C. 2 parts")
    d.press("2").sees("1 part = 500 FCFA")


def test_a_contribution_starts_from_the_list_paged_with_98(make_group, login):
    make_group(size=15)
    d = login(phone_of(1)).press("2").sees("Tapez son numéro, ou les premières lettres", "01 Awa T.")
    pages = [d.screen]
    while "98 Suite" in d.screen:
        pages.append(d.press("98").screen)
    listed = "\n".join(pages)
    assert all(listed.count(f"{n:02d} ") == 1 for n in range(1, 16)), pages
    d.press("15").sees("15 Korotoumou F. : combien de parts")


def test_a_contribution_finds_her_by_the_first_letters_of_a_name(make_group, login, db):
    make_group(size=15)
    d = login(phone_of(1)).press("2", "ma").sees("Noms commencant par ma", "03 Mariam C.", "14 Mariétou C.")
    assert "01 Awa T." not in d.screen
    d.press("14").sees("14 Mariétou C. : combien de parts").press("2").press("1").sees("Enregistré")
    assert _sms_to(db, phone_of(14))[-1].body.startswith("Benkadi")
    d = login(phone_of(1), first=False).press("2", "AW").sees("01 Awa T. : combien de parts")
    d = login(phone_of(1), first=False).press("2", "traore").sees("01 Awa T. : combien de parts")
    d = login(phone_of(1), first=False).press("2", "zz").sees("Aucun nom ne commence par ces lettres")
    d.press("di").sees("04 Aminata D.", "10 Assitan D.").press("0").sees("Tapez son numéro")
