"""Races a hostile or a hurried caller can start, through a threaded HTTP server:
many sessions at one member's PIN prompt answering at once, and two treasurers correcting the
same entry at the same moment."""

from __future__ import annotations

import threading
import uuid

import pytest
import requests
from sqlalchemy import func, select

from tests.savings.conftest import PIN, phone_of
from ussd_app.menus import savings_correction
from ussd_app.savings import pins
from ussd_app.savings.models import LedgerEntry, Member, PinCredential

pytestmark = pytest.mark.slow
PARALLEL = 6


def at_once(url: str, forms: list[dict]) -> list[str]:
    """Post every form at the same moment; the answers in the forms' order."""
    barrier = threading.Barrier(len(forms))
    answers: list[str | None] = [None] * len(forms)

    def post(i: int) -> None:
        barrier.wait()
        response = requests.post(url, data=forms[i], timeout=30)
        assert response.status_code == 200
        answers[i] = response.text

    threads = [threading.Thread(target=post, args=(i,)) for i in range(len(forms))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return answers


def form(phone: str, session_id: str, text: str) -> dict:
    return {"sessionId": session_id, "serviceCode": "*384*123#", "phoneNumber": phone,
            "networkCode": "61002", "text": text}


def test_parallel_sessions_at_the_pin_get_three_checks_before_the_lock(make_group, login, served_app,
                                                                       db, monkeypatch):
    make_group(size=3)
    login(phone_of(3))
    checked: list[str] = []
    real = pins.pin_matches
    monkeypatch.setattr(pins, "pin_matches", lambda h, pin: checked.append(pin) or real(h, pin))
    url = f"{served_app}/ussd"
    sessions = ["par-" + uuid.uuid4().hex[:8] for _ in range(PARALLEL)]
    for sid in sessions:  # each at the PIN prompt (her language is known: "5" is My group)
        requests.post(url, data=form(phone_of(3), sid, ""), timeout=30)
        assert "Entrez votre code" in requests.post(url, data=form(phone_of(3), sid, "5"), timeout=30).text
    wrong = [f"{5930 + i}" for i in range(PARALLEL)]
    answers = at_once(url, [form(phone_of(3), sid, f"5*{guess}") for sid, guess in zip(sessions, wrong)])
    assert len(checked) == 3, (checked, answers)  # the third wrong try locked the others out
    assert sum("Trop de codes faux" in a for a in answers) == PARALLEL - 2, answers
    db.expire_all()
    credential = db.get(PinCredential, db.scalar(select(Member.id).where(Member.phone == phone_of(3))))
    assert credential.locked_until is not None and credential.lock_count == 1
    late = "par-" + uuid.uuid4().hex[:8]
    requests.post(url, data=form(phone_of(3), late, ""), timeout=30)
    assert "Trop de codes faux" in requests.post(url, data=form(phone_of(3), late, "5"), timeout=30).text
    assert len(checked) == 3  # the right PIN is not even tried during the lock


def test_two_treasurers_correcting_one_entry_at_once_one_is_told_it_is_done(make_group, login,
                                                                            served_app, db, monkeypatch):
    make_group(size=3)
    login(phone_of(1)).press("1", "2", "2", "2", "1")  # a roll-call: 3 purchases of 2 shares
    treasurer = login(phone_of(1), first=False).press("3", "1", "1").sees("Bon nombre de parts")
    president = login(phone_of(2)).press("3", "1", "1").sees("Bon nombre de parts")
    # Both read "not corrected yet" before either writes: the step's check waits for the other.
    both_checked = threading.Barrier(2)
    calls = []
    real = savings_correction._already_corrected

    def checked_together(ctx, s):
        corrected = real(ctx, s)
        calls.append(corrected)
        if len(calls) <= 2:
            both_checked.wait(timeout=10)
        return corrected

    monkeypatch.setattr(savings_correction, "_already_corrected", checked_together)
    url = f"{served_app}/ussd"
    answers = at_once(url, [form(treasurer.phone, treasurer.session_id, treasurer.text + "*3"),
                            form(president.phone, president.session_id, president.text + "*1")])
    assert sorted("Corrigé" in a for a in answers) == [False, True], answers
    loser = next(a for a in answers if "Corrigé" not in a)
    assert loser.startswith("END ") and "déjà corrigée" in loser, loser
    db.expire_all()
    assert db.scalar(select(func.count()).select_from(LedgerEntry)
                     .where(LedgerEntry.reverses_id.is_not(None))) == 1
