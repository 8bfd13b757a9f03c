"""Keywords people send by SMS: stop, start again, help; in French, Bambara and English.

Matching ignores case, accents and the Bambara letters' spelling (ɛ/è/e, ɔ/ò/o), so "Arrêt",
"arret", "DABILA" and "a dabila" all work. The answer goes in the person's language: the one
they chose on USSD, else the language of the keyword they used.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from ussd_app.text.i18n import N_

STOP, START, HELP = "stop", "start", "help"

# native-review: "dabila" (stop, give up), "daminɛ" (begin), "dɛmɛ" (help) as SMS keywords.
KEYWORDS = {
    "STOP": (STOP, None), "ARRET": (STOP, "fr"), "ARRETER": (STOP, "fr"), "ARRETEZ": (STOP, "fr"),
    "STOPPER": (STOP, "fr"), "DABILA": (STOP, "bm"),
    "START": (START, None), "REPRENDRE": (START, "fr"), "DEMARRER": (START, "fr"), "DAMINE": (START, "bm"),
    "HELP": (HELP, None), "AIDE": (HELP, "fr"), "DEME": (HELP, "bm"),
}
_BAMBARA_LETTERS = str.maketrans({"ɛ": "e", "Ɛ": "E", "ɔ": "o", "Ɔ": "O", "ɲ": "ny", "Ɲ": "NY",
                                  "ŋ": "ng", "Ŋ": "NG"})
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


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.translate(_BAMBARA_LETTERS))
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).upper()
    return " ".join(_NOT_LETTERS.sub(" ", text).split())


def parse_keyword(text: str) -> Keyword | None:
    words = normalise(text).split()
    if not words:
        return None
    if words[0] == "A" and len(words) > 1:  # Bambara "a dabila" (stop it)
        words = words[1:]
    found = KEYWORDS.get(words[0])
    return Keyword(*found) if found else None
