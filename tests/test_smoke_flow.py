"""First dial, language choice remembered, language change from the main menu."""

from sqlalchemy import select

from ussd_app.subscribers import Subscriber


def test_first_dial_asks_language_in_both_languages(dial):
    d = dial()
    assert d.answer.startswith("CON ")
    d.sees("I ka kan sugandi / Choisissez la langue", "1 Bamanankan", "2 Francais")


def test_language_choice_is_remembered_per_phone(dial, db):
    dial().press("2").sees("Menu principal", "Changer de langue")
    assert db.scalar(select(Subscriber.language).where(Subscriber.phone == "+22376123456")) == "fr"
    dial().sees("Menu principal")  # no language question on the next dial


def option_number(screen: str, label: str) -> str:
    """The key in front of `label` on a menu screen ("5 Kan yèlèma" -> "5")."""
    for line in screen.splitlines():
        key, _, rest = line.partition(" ")
        if rest == label and key.isdigit():
            return key
    raise AssertionError(f"{label!r} is not an option on:\n{screen}")


def test_language_can_be_changed_from_main_menu(dial):
    d = dial().press("1").sees("Mènu ba", "Kan yèlèma")  # Bambara, folded to GSM-7
    d.press(option_number(d.screen, "Kan yèlèma")).sees("I ka kan sugandi", "0 Segin")
    d.press("2").sees("Menu principal")
    dial().sees("Menu principal")
