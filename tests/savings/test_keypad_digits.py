"""At USSD prompts only ASCII digits count: "²", "٣" (Arabic-Indic) or "３" (full width) are a bad
answer, asked again with a hint, never a crash ("service unavailable") nor silently a 3."""

import pytest
from sqlalchemy import func, select

from tests.savings.conftest import PIN, phone_of
from ussd_app.menus.engine import Ctx, Session
from ussd_app.menus.registration import parse_month
from ussd_app.menus.screens import Invalid
from ussd_app.savings.models import LedgerEntry, PinCredential
from ussd_app.text.keypad import as_number, is_digits

ODD_THREES = ["²", "٣", "３", "3²"]


def test_only_ascii_digits_are_digits():
    assert is_digits("0123456789") and as_number("0042") == 42
    for odd in ODD_THREES + ["", "-3", "3 ", "1e3"]:
        assert not is_digits(odd) and as_number(odd) is None, odd
    assert as_number("9" * 10) is None  # longer than anything a prompt asks


@pytest.mark.parametrize("odd", ODD_THREES)
def test_member_number_and_shares_prompts_hint_at_odd_digits(make_group, login, db, odd):
    make_group(size=4)
    d = login(phone_of(1)).press("2").sees("Tapez son numéro")
    d.press(odd).sees("Choix invalide", "Tapez son numéro")  # not member 3
    d.press("3").sees("03 Mariam C.").press(odd).sees("Entrez de 1 à 5")  # not 3 shares
    assert not d.ended
    d.press("2").sees("2 parts = 1 000 FCFA")


@pytest.mark.parametrize("odd", ODD_THREES)
def test_roll_call_and_correction_prompts_hint_at_odd_digits(make_group, login, db, odd):
    make_group(size=2)
    d = login(phone_of(1)).press("1").sees("01 Awa T.").press(odd).sees("Entrez de 1 à 5", "01 Awa T.")
    d.press("2", "2").sees("4 parts").press("2").press(odd).sees("Aucune membre")
    d.press("0", "0", "1").sees("enregistrée")
    fix = login(phone_of(1), first=False).press("3", "1", "1").press(odd).sees("Entrez de 1 à 5")
    assert not fix.ended
    db.expire_all()
    assert db.scalar(select(func.count()).select_from(LedgerEntry)) == 4


@pytest.mark.parametrize("odd_pin", ["²²²²", "٤٨٢٧", "４８２７"])
def test_the_new_pin_prompt_takes_ascii_digits_only(make_group, dial, db, odd_pin):
    make_group(size=3)
    d = dial(phone=phone_of(3)).press("2", "5").sees("Choisissez un code")
    d.press(odd_pin).sees("4 chiffres", "Choisissez un code")
    d.press(PIN, PIN).sees("épargne")
    db.expire_all()
    assert db.scalar(select(func.count()).select_from(PinCredential).where(PinCredential.pin_hash.is_not(None))) == 1


@pytest.mark.parametrize("odd", ODD_THREES)
def test_the_pregnancy_month_prompt_refuses_odd_digits(odd):
    with pytest.raises(Invalid):
        parse_month(odd, Ctx(None, None), Session("s", "+22376123456", "fr", "reg.preg.month"))
