"""Entry screens: first-dial language choice, offer to resume, main menu, language change."""

from __future__ import annotations

from ussd_app.menus.engine import CHOOSE_LANGUAGE, MAIN, ResumeOffer
from ussd_app.menus import savings_access
from ussd_app.menus.screens import INVALID_CHOICE, Go, Menu, Option, Raw, Reask, Screen, View
from ussd_app.subscribers import SetLanguage
from ussd_app.text.i18n import LANGUAGE_NAMES, LANGUAGES, N_, translate

# Later flows add their entries here, in the order the main menu shows them.
MAIN_MENU_OPTIONS: list[Option] = [
    Option(N_("My group"), "savings.access", when=savings_access.is_group_member),
    Option(N_("Health information"), "health.menu"),
    Option(N_("Register for care"), "reg.start"),
    Option(N_("My registrations"), "reg.mine"),
    Option(N_("My reminders"), "reminders.home"),
    Option(N_("Change language"), "lang.change"),
]


class LanguageChoice(Screen):
    """The language list, shown with autonyms; the first-dial title is in both languages."""

    def __init__(self, id: str, first_dial: bool):
        self.id = id
        self.first_dial = first_dial
        self.targets = frozenset({MAIN})
        self.resumable = False

    def view(self, ctx, s) -> View:
        title = N_("Choose your language")
        if self.first_dial:
            heading = Raw(" / ".join(translate(lang, title) for lang in LANGUAGES))
        else:
            heading = title
        items = tuple(Raw(f"{i} {LANGUAGE_NAMES[lang]}") for i, lang in enumerate(LANGUAGES, 1))
        return View((heading,), items)

    def handle(self, ctx, s, value: str):
        if value not in {str(i) for i in range(1, len(LANGUAGES) + 1)}:
            return Reask(INVALID_CHOICE)
        lang = LANGUAGES[int(value) - 1]
        return Go(MAIN, lang=lang, reset_history=True,
                  effects=(SetLanguage(lang, first_choice=self.first_dial),))


def main_menu() -> Menu:
    return Menu(MAIN, N_("Main menu"), MAIN_MENU_OPTIONS, resumable=False)


def screens() -> list[Screen]:
    return [
        LanguageChoice(CHOOSE_LANGUAGE, first_dial=True),
        LanguageChoice("lang.change", first_dial=False),
        main_menu(),
        ResumeOffer(),
    ]
