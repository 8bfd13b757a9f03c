"""Keywords people send by SMS: stop, start again, help; in English and in every language of
`ussd_app.text.languages` (each entry lists its own words).

Matching ignores case, accents and the way a language's letters are typed (ɛ/è/e, ɔ/ò/o), so
"Arrêt", "arret", "DABILA" and "a dabila" all work. The answer goes in the person's language: the
one they chose on USSD, else the language of the keyword they used.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from ussd_app.text import languages
from ussd_app.text.gsm import to_gsm
from ussd_app.text.i18n import N_
from ussd_app.text.languages import HELP, START, STOP

__all__ = ["HELP", "START", "STOP", "Keyword", "keywords", "normalise", "parse_keyword"]

ENGLISH = {"STOP": STOP, "START": START, "HELP": HELP}  # understood whatever the language
_NOT_LETTERS = re.compile(r"[^A-Z ]+")

REPLIES = {
    STOP: N_("You will no longer get any SMS from this service, savings receipts included. "
             "To get them again, send START."),
    START: N_("You will get reminders and messages from this service again. To stop them, send STOP."),
    HELP: N_("This service sends reminders of visits to your CSCom. Send STOP to stop them, "
             "START to get them again."),
}


@dataclass(frozen=True)
class Keyword:
    action: str
    language: str | None  # the language the keyword is in (None: English, used by everyone)


def keywords() -> dict[str, tuple[str, str | None]]:
    """Word -> (action, the language it is in; None for the English words everyone uses)."""
    found: dict[str, tuple[str, str | None]] = {word: (action, None) for word, action in ENGLISH.items()}
    for language in languages.ALL:
        for word, action in language.keywords.items():
            found.setdefault(normalise(word), (action, language.code))
    return found


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFKD", to_gsm(text))
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).upper()
    return " ".join(_NOT_LETTERS.sub(" ", text).split())


def parse_keyword(text: str) -> Keyword | None:
    words = normalise(text).split()
    if not words:
        return None
    lead_words = {normalise(w) for language in languages.ALL for w in language.keyword_lead_words}
    if words[0] in lead_words and len(words) > 1:  # Bambara "a dabila" (stop it)
        words = words[1:]
    found = keywords().get(words[0])
    return Keyword(*found) if found else None
