"""The main menu's numbers are the same for everyone (and as README prints them); the first
screen answers a wrong key in both languages."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.savings.conftest import phone_of
from ussd_app.menus.main import MAIN_MENU_OPTIONS
from ussd_app.menus.render import text_of
from ussd_app.text.i18n import translate

README = Path(__file__).resolve().parents[2] / "README.md"
NUMBERS = {option.label: number for number, option in MAIN_MENU_OPTIONS}


def numbered_lines(screen: str) -> dict[str, str]:
    return {line.split(" ", 1)[1]: line.split(" ", 1)[0] for line in screen.splitlines()
            if re.match(r"\d+ ", line)}


@pytest.mark.parametrize("lang, key", [("fr", "2"), ("bm", "1")])
def test_every_option_has_the_same_number_for_members_and_others(make_group, dial, lang, key):
    make_group(size=3)
    others = numbered_lines(dial(phone="+22376999999").press(key).screen)
    member = numbered_lines(dial(phone=phone_of(3)).press(key).screen)
    group = text_of(lang, "My group")
    assert group not in others and member[group] == "5"
    assert {label: number for label, number in member.items() if label != group} == others
    assert others == {text_of(lang, label): str(number) for label, number in NUMBERS.items()
                      if label != "My group"}


def main_menu(dial, phone: str):
    """Dial to the French main menu, past the language question or an offer to resume."""
    d = dial(phone=phone)
    if "Bamanankan" in d.screen:
        d.press("2")
    if text_of("fr", "Your last session was cut off.") in d.screen:
        d.press("2")
    return d.sees("Menu principal")


def test_the_same_key_opens_the_same_option_for_members_and_others(make_group, dial):
    make_group(size=3)
    for phone in ("+22376999998", phone_of(3)):
        main_menu(dial, phone).press("1").sees("Informations santé")
        main_menu(dial, phone).press("9").sees("Choisissez la langue")
    main_menu(dial, phone_of(3)).press("5").sees("Choisissez un code")
    main_menu(dial, "+22376999998").press("5").sees("Choix invalide", "Menu principal")


def test_readme_prints_the_menu_numbers_in_both_languages():
    rows = re.findall(r"^\| (\d) \| ([^|]+?)(?: \([^|]*\))? \| ([^|]+) \| ([^|]+) \|$",
                      README.read_text(encoding="utf-8"), flags=re.M)
    assert {label: int(number) for number, label, _, _ in rows} == NUMBERS
    for _, label, french, bambara in rows:
        assert (french.strip(), bambara.strip()) == (translate("fr", label), translate("bm", label))


def test_a_wrong_key_on_the_first_screen_is_answered_in_both_languages(dial):
    d = dial(phone="+22376999997").press("7")
    lines = d.screen.splitlines()
    assert lines[:2] == [text_of("bm", "Invalid choice. Try again."),
                         text_of("fr", "Invalid choice. Try again.")]
    assert "Choisissez la langue" in d.screen and "1 Bamanankan" in d.screen
    d.press("2").sees("Menu principal")
