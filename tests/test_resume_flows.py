"""The offer to resume a dropped session, on the real flows: only where something would be lost
(a half-done registration; the roll-call's offer is in tests/savings/test_rollcall.py), saying
what it resumes, and rebuilt right when Redis loses the resumed session."""

from __future__ import annotations

import re

from tests.test_engine import drop_sessions

PHONE = "+22376123456"


def key_of(screen: str, label: str) -> str:
    """The number shown before `label` on a screen (menus number their options)."""
    found = re.search(rf"^(\d+) {re.escape(label)}", screen, re.MULTILINE)
    assert found, f"{label!r} not offered:\n{screen}"
    return found.group(1)


def to_child_birth_date(d):
    d.press(key_of(d.screen, "S'inscrire aux soins")).sees("Pour qui")
    d.press(key_of(d.screen, "Mon enfant de moins de 5 ans")).sees("Prénom de l'enfant")
    return d.press("Awa").sees("Date de naissance de Awa")


def test_reading_health_information_is_not_offered_back(dial):
    d = dial(phone=PHONE).press("2").sees("Menu principal")
    d.press(key_of(d.screen, "Informations santé"))
    assert not d.ended
    again = dial(phone=PHONE)
    assert "coupée" not in again.screen and "Menu principal" in again.screen


def test_a_half_done_registration_is_offered_back_and_rebuilt_after_a_resume(dial, redis_client, clock):
    to_child_birth_date(dial(phone=PHONE).press("2"))
    d = dial(phone=PHONE).sees("coupée", "Continuer votre inscription ?", "1 Continuer")
    d.press("1").sees("Date de naissance de Awa")
    drop_sessions(redis_client)  # the resumed session is lost before her next key
    born = (clock.now.date().replace(day=1)).strftime("%d%m") + str(clock.now.year - 1)
    d.press(born).sees("Votre nom ?")  # her date of birth, not a choice on the health menu

