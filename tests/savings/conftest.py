"""Savings fixtures: a group with its roster on the test database, a login."""

from __future__ import annotations

from datetime import timedelta

import pytest

from ussd_app.savings.groups import add_member, create_group

PIN = "4827"
NAMES = ["Awa Traoré", "Fatoumata Keïta", "Mariam Coulibaly", "Aminata Diarra", "Kadiatou Sangaré",
         "Oumou Dembélé", "Salimata Koné", "Rokia Touré", "Djeneba Sissoko", "Assitan Diallo",
         "Hawa Camara", "Nana Doumbia", "Bintou Sidibé", "Mariétou Cissé", "Korotoumou Fofana",
         "Sira Bagayoko", "Maimouna Konaté", "Ramata Guindo", "Fanta Kanté", "Adam Dicko"]


def phone_of(number: int) -> str:
    return f"+2237600{number:04d}"


@pytest.fixture
def make_group(db, clock):
    """make_group(size=15, treasurer=1, president=2, health=500): a committed group; its members."""

    def make(size: int = 15, treasurer: int | None = 1, president: int | None = 2,
             share_value: int = 500, health: int = 250, name: str = "Benkadi"):
        group = create_group(db, name=name, share_value=share_value, health_fund_per_meeting=health,
                             commune="Commune III", facility_code="BAKON",
                             now=clock.now - timedelta(days=50))
        members = []
        for number in range(1, size + 1):
            role = ("treasurer" if number == treasurer else
                    "president" if number == president else "member")
            members.append(add_member(db, group, phone=phone_of(number), name=NAMES[number - 1],
                                      number=number, role=role, now=clock.now - timedelta(days=50)))
        db.commit()
        return group, members

    return make


@pytest.fixture
def login(dial):
    """login(phone, lang="fr", first=True): dial, pick the language, My group, set or enter the PIN."""

    def go(phone: str, lang: str = "fr", pin: str = PIN, first: bool = True):
        d = dial(phone=phone)
        if "Bamanankan" in d.screen and "Francais" in d.screen and "1 " in d.screen:
            d.press("1" if lang == "bm" else "2")
        d.press("5")  # My group (stable number, see README)
        if first:
            d.press(pin, pin)
        else:
            d.press(pin)
        return d

    return go
