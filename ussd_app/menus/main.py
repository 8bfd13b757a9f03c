"""Entry screens: first-dial language choice, offer to resume, main menu, language change."""

from __future__ import annotations

from ussd_app.menus.engine import CHOOSE_LANGUAGE, MAIN, ResumeOffer
from ussd_app.menus import savings_access
from ussd_app.menus.render import MAX_HINT, in_each_language
from ussd_app.menus.screens import (INVALID_CHOICE, Go, Menu, Numbered, Option, Raw, Reask,
                                    Screen, View, as_lines)
from ussd_app.subscribers import SetLanguage
from ussd_app.text import languages
from ussd_app.text.gsm import to_gsm
from ussd_app.text.i18n import LANGUAGES, N_, translate

# Each option keeps its number for everyone, whatever else the caller sees: flyers and radio
# spots print them (README, "USSD menu"). A number is never reused for something else.
MAIN_MENU_OPTIONS: list[tuple[int, Option]] = [
    (1, Option(N_("Health information"), "health.menu")),
    (2, Option(N_("Register for care"), "reg.start")),
    (3, Option(N_("My registrations"), "reg.mine")),
    (4, Option(N_("My reminders"), "reminders.home")),
    (5, Option(N_("My group"), "savings.access", when=savings_access.is_group_member)),
    (9, Option(N_("Change language"), "lang.change")),
]


class StableMenu(Menu):
    """A menu whose options keep fixed numbers; an option hidden from a caller leaves a gap."""

    def __init__(self, id: str, title, options: list[tuple[int, Option]], **kwargs):
        super().__init__(id, title, [option for _, option in options], **kwargs)
        self.numbers = [number for number, _ in options]

    def _shown(self, ctx, s) -> list[tuple[int, Option]]:
        return [(n, o) for n, o in zip(self.numbers, self.options) if o.when is None or o.when(ctx, s)]

    def view(self, ctx, s) -> View:
        title = self.title(ctx, s) if callable(self.title) else self.title
        return View(as_lines(title), tuple(Numbered(n, o.label) for n, o in self._shown(ctx, s)))

    def handle(self, ctx, s, value: str):
        chosen = {str(n): o for n, o in self._shown(ctx, s)}.get(value)
        if chosen is None:
            return Reask(INVALID_CHOICE)
        effects = tuple(chosen.effects(ctx, s)) if chosen.effects else ()
        return Go(chosen.target, data=chosen.data, effects=effects)


class LanguageChoice(Screen):
    """The language list (ussd_app.text.languages), shown with autonyms; the first-dial title is
    in every language."""

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
        items = tuple(Raw(f"{i} {to_gsm(languages.get(lang).autonym, lang)}")
                      for i, lang in enumerate(LANGUAGES, 1))
        return View((heading,), items)

    def handle(self, ctx, s, value: str):
        if value not in {str(i) for i in range(1, len(LANGUAGES) + 1)}:
            if self.first_dial:  # her language is not known yet: say it in each that fits
                return Reask(Raw(in_each_language(INVALID_CHOICE, MAX_HINT)))
            return Reask(INVALID_CHOICE)
        lang = LANGUAGES[int(value) - 1]
        return Go(MAIN, lang=lang, reset_history=True,
                  effects=(SetLanguage(lang, first_choice=self.first_dial),))


def main_menu() -> Menu:
    return StableMenu(MAIN, N_("Main menu"), MAIN_MENU_OPTIONS, resumable=False)


def screens() -> list[Screen]:
    return [
        LanguageChoice(CHOOSE_LANGUAGE, first_dial=True),
        LanguageChoice("lang.change", first_dial=False),
        main_menu(),
        ResumeOffer(),
    ]
