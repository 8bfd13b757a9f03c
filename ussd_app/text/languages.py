"""The languages the service speaks: one entry each, and everything else reads this list.

An entry holds what code cannot get from its catalog: the code (any BCP 47 tag, ISO 639-3 when
the language has no two-letter code, e.g. "ses" for Koyraboro Senni Songhai), its name in
English and in itself, how its own letters are written in GSM-7, how a date is said, and the
SMS keywords its speakers send. Every message lives in `locales/<code>/LC_MESSAGES/messages.po`.

Adding a language is that `.po` file plus one `Language(...)` in `ALL` (see the README,
"Adding a language"). The order of `ALL` is the order of the first-dial language menu.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Mapping

LOCALES_DIR = Path(__file__).resolve().parents[2] / "locales"
CODE_LENGTH = 35  # the longest BCP 47 tag RFC 5646 section 4.4.1 asks implementations to keep

# SMS keyword actions (ussd_app.sms.keywords answers them).
STOP, START, HELP = "stop", "start", "help"


@dataclass(frozen=True)
class Language:
    code: str
    name: str  # in English, for the dashboard's and the CLI's own lists
    autonym: str  # in the language itself: the language menus show it (USSD folds it to GSM-7)
    # Letters of its alphabet outside GSM-7 -> how its readers write them on a basic phone;
    # letters not listed fall to ussd_app.text.gsm's generic rules.
    gsm_fold: Mapping[str, str] = field(default_factory=dict)
    days: tuple[str, ...] = ()  # Monday first
    months: tuple[str, ...] = ()  # January first
    date_format: str = "{weekday} {day} {month}"  # a visit date in a reminder
    short_date_format: str = "{day} {month}"  # on the "My reminders" screen
    # Words (as `ussd_app.sms.keywords.normalise` writes them: capitals, no accents) -> action.
    keywords: Mapping[str, str] = field(default_factory=dict)
    # Words a keyword may follow ("A DABILA": stop it).
    keyword_lead_words: tuple[str, ...] = ()
    po_file: Path | None = None  # default: locales/<code>/LC_MESSAGES/messages.po

    @property
    def catalog_path(self) -> Path:
        return self.po_file or LOCALES_DIR / self.code / "LC_MESSAGES" / "messages.po"

    def date(self, day: date) -> str:
        return self.date_format.format(weekday=self.days[day.weekday()], day=day.day,
                                       month=self.months[day.month - 1])

    def short_date(self, day: date) -> str:
        return self.short_date_format.format(day=day.day, month=self.months[day.month - 1])


BAMBARA = Language(
    code="bm", name="Bambara", autonym="Bamanankan",
    # The older official orthography (ɛ→è, ɔ→ò, ɲ→ny, ŋ→ng), as Bambara is typed on phones;
    # capitals È/Ò are not GSM-7, hence E/O.
    gsm_fold={"ɛ": "è", "Ɛ": "E", "ɔ": "ò", "Ɔ": "O", "ɲ": "ny", "Ɲ": "Ny", "ŋ": "ng", "Ŋ": "Ng"},
    # native-review: Bambara day and month names as Malian radio and calendars write them
    # (tɛnɛn, tarata, ...; zanwuyekalo, ...); folded to GSM-7 when sent.
    days=("tɛnɛn", "tarata", "araba", "alamisa", "juma", "sibiri", "kari"),
    months=("zanwuyekalo", "feburuyekalo", "marisikalo", "awirilikalo", "mɛkalo", "zuwɛnkalo",
            "zuluyekalo", "utikalo", "sɛtanburukalo", "ɔkutɔburukalo", "nowanburukalo",
            "desanburukalo"),
    date_format="{weekday} {month} tile {day}", short_date_format="{month} tile {day}",
    # native-review: "dabila" (stop, give up), "daminɛ" (begin), "dɛmɛ" (help) as SMS keywords.
    keywords={"DABILA": STOP, "DAMINE": START, "DEME": HELP},
    keyword_lead_words=("A",),
)

FRENCH = Language(
    code="fr", name="French", autonym="Français",
    days=("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"),
    months=("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
            "octobre", "novembre", "décembre"),
    keywords={"ARRET": STOP, "ARRETER": STOP, "ARRETEZ": STOP, "STOPPER": STOP,
              "REPRENDRE": START, "DEMARRER": START, "AIDE": HELP},
)

ALL: tuple[Language, ...] = (BAMBARA, FRENCH)

# Where no choice is known: the dashboard, the API and SMS answers to strangers speak French;
# a campaign reaches a person of unknown language in Bambara (most mothers reached here speak it).
DEFAULT = "fr"
AUDIENCE_FALLBACK = "bm"


def by_code(code: str | None) -> Language | None:
    for language in ALL:
        if language.code == code:
            return language
    return None


def get(code: str) -> Language:
    language = by_code(code)
    if language is None:
        raise ValueError(f"unsupported language {code!r}")
    return language


class Codes(Sequence):
    """The codes of `ALL`, read each time: `"bm" in LANGUAGES`, `for code in LANGUAGES`."""

    def __getitem__(self, index):
        return tuple(language.code for language in ALL)[index]

    def __len__(self) -> int:
        return len(ALL)

    def __contains__(self, code) -> bool:
        return by_code(code) is not None

    def __repr__(self) -> str:
        return repr(tuple(self))


CODES = Codes()


def or_default(code: str | None) -> str:
    """`code` when the service speaks it, else the default language."""
    return code if code in CODES else DEFAULT
