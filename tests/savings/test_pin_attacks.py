"""A hostile caller at the PIN: guesses packed into one callback, a crafted first hop that
chooses someone's PIN, another phone on a signed-in session. Each on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from tests.savings.conftest import PIN, phone_of
from ussd_app.savings import pins
from ussd_app.savings.models import Member, PinCredential

GUESSES = [f"{n:04d}" for n in range(4800, 4850)]  # PIN (4827) is among them


@pytest.fixture
def checks(monkeypatch):
    """Every PIN compared against a hash, as the app runs (argon2 behind pins.pin_matches)."""
    seen: list[str] = []
    real = pins.pin_matches

    def counting(pin_hash, pin):
        seen.append(pin)
        return real(pin_hash, pin)

    monkeypatch.setattr(pins, "pin_matches", counting)
    return seen


def post(client, text: str, phone: str, session_id: str | None = None) -> str:
    response = client.post("/ussd", data={"sessionId": session_id or "x" + uuid.uuid4().hex[:10],
                                          "serviceCode": "*1#", "phoneNumber": phone, "text": text})
    assert response.status_code == 200
    return response.get_data(as_text=True)


def credential(db, number: int) -> PinCredential:
    db.expire_all()
    return db.get(PinCredential, db.scalar(select(Member.id).where(Member.phone == phone_of(number))))


def test_guesses_packed_into_one_callback_are_never_checked(make_group, login, client, db, checks):
    make_group(size=3)
    login(phone_of(3))  # she chose her PIN (French, so the first key is "My group")
    checks.clear()
    with_pin = post(client, "5*" + "*".join(GUESSES) + "*0", phone_of(3))
    without = post(client, "5*" + "*".join(g for g in GUESSES if g != PIN) + "*0", phone_of(3))
    assert checks == []  # nothing replayed reaches argon2
    # The answer cannot tell whether the PIN was among the guesses: the PIN is asked again.
    assert with_pin == without and with_pin.startswith("CON ") and "Entrez votre code" in with_pin
    assert "coupée" in with_pin
    assert credential(db, 3).failed_attempts == 0


def test_a_rebuilt_session_asks_again_for_the_pin_it_carries(make_group, login, client, db, checks):
    make_group(size=3)
    login(phone_of(3))
    checks.clear()
    sid = "lost-" + uuid.uuid4().hex[:8]
    answer = post(client, f"5*{PIN}", phone_of(3), sid)  # a first hop: Redis lost this session
    assert "Entrez votre code" in answer and "épargne" not in answer and checks == []
    assert "épargne" in post(client, f"5*{PIN}*{PIN}", phone_of(3), sid)  # typed at this hop
    assert checks == [PIN]


def test_a_crafted_first_hop_cannot_choose_a_members_pin(make_group, client, db, checks):
    make_group(size=3)
    answer = post(client, f"2*5*{PIN}*{PIN}", phone_of(3))  # French, My group, PIN twice
    assert "Choisissez un code" in answer and checks == []
    stored = credential(db, 3)
    assert stored.pin_hash is None and stored.pending_hash is None


def test_a_rebuild_replays_a_bounded_number_of_inputs(make_group, login, client):
    make_group(size=3)
    login(phone_of(3))
    # A hundred inputs on a first hop: more than a real session types, so it is not replayed.
    answer = post(client, "*".join(["2"] + ["98"] * 99), phone_of(3))
    assert answer.startswith("END ") and "Rappelez" in answer


def test_a_live_hop_checks_one_pin_whatever_it_carries(make_group, login, dial, db, checks):
    make_group(size=3)
    login(phone_of(3))
    d = dial(phone=phone_of(3)).press("5").sees("Entrez votre code")
    checks.clear()
    d.press(f"1111*2222*{PIN}").sees("4 chiffres", "Entrez votre code")  # one input, not a PIN
    assert checks == [] and credential(db, 3).failed_attempts == 0
    d.press("1111").sees("Encore 2 essai")
    assert checks == ["1111"] and credential(db, 3).failed_attempts == 1


def test_another_phone_on_a_signed_in_session_is_another_session(make_group, login, client, db):
    make_group(size=3)
    treasurer = login(phone_of(1)).sees("Appel de la réunion")
    balances = treasurer.text + "*4"
    for phone in (phone_of(3), "+22376999999"):
        # The same session id and the inputs that lead to the balances, from another phone.
        answer = post(client, balances, phone, treasurer.session_id)
        assert "caisse de pret" not in answer and "Benkadi" not in answer, answer
        assert "Appel de la réunion" not in post(client, treasurer.text, phone, treasurer.session_id)
    treasurer.press("4").sees("caisse de pret")  # her own session is untouched
