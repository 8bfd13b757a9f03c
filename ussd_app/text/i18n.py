"""Message catalogs, one per language of `ussd_app.text.languages`.

The `.po` files under `locales/` are the single source: they are compiled with Babel in memory
when a process first needs them, so a fresh checkout never runs with stale `.mo` files.

A count shown in words ("1 part", "2 parts") is a `TN`: its singular and plural msgids are marked
with `NP_()` and translated with `ngettext`, so each catalog picks the form its language needs
(French has two; Bambara nouns stay the same after a numeral, so its catalog has one). A message
with several counts takes them as parameters: `T(msgid, {"shares": TN(SHARES, 3)})`.
"""

from __future__ import annotations

import gettext
import io
import threading
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Mapping

from babel import Locale, UnknownLocaleError
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from ussd_app.text import languages

LANGUAGES = languages.CODES  # the codes of every language, in menu order (read live)

_lock = threading.Lock()


def N_(msgid: str) -> str:
    """Mark a message for extraction; it is translated later, in the user's language."""
    return msgid


@dataclass(frozen=True)
class Plural:
    """A message with a count: its singular and plural msgids, `{count}` in both."""

    singular: str
    plural: str


def NP_(singular: str, plural: str) -> Plural:
    """Mark a message with a plural form for extraction (babel keyword `NP_:1,2`)."""
    return Plural(singular, plural)


@dataclass(frozen=True)
class T:
    """A message to translate later, with its placeholders' values (which may be labels too)."""

    msgid: str
    params: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class TN:
    """A count in words, translated later: the form of `message` that `count` takes in the
    language, with `{count}` and any other placeholders filled."""

    message: Plural
    count: int
    params: Mapping[str, object] = field(default_factory=dict)


def po_path(lang: str) -> Path:
    return languages.get(lang).catalog_path


def babel_locale(lang: str) -> str | None:
    """`lang` when Babel's CLDR data knows it, else None: the catalog's own Plural-Forms
    header is what counts, so a language CLDR lacks still gets its plurals right."""
    try:
        Locale.parse(lang.replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        return None
    return lang.replace("-", "_")


def translations(lang: str) -> gettext.NullTranslations:
    return _compiled(lang, po_path(lang))


@lru_cache(maxsize=None)
def _compiled(lang: str, path: Path) -> gettext.NullTranslations:
    with _lock, path.open("rb") as fh:
        catalog = read_po(fh, locale=babel_locale(lang))
        buf = io.BytesIO()
        write_mo(buf, catalog)
    buf.seek(0)
    return gettext.GNUTranslations(buf)


def translate(lang: str, text: "T | TN | str") -> str:
    """Translate a `T`, a `TN` (or a plain msgid) into `lang` and fill its placeholders; a
    placeholder's value that is itself a `T` or `TN` is translated into `lang` first."""
    catalog = translations(lang)
    if isinstance(text, TN):
        out = catalog.ngettext(text.message.singular, text.message.plural, text.count)
        params = {"count": text.count, **text.params}
    elif isinstance(text, T):
        out, params = catalog.gettext(text.msgid), text.params
    else:
        return catalog.gettext(text)
    if not params:
        return out
    return out.format(**{name: translate(lang, value) if isinstance(value, (T, TN)) else value
                         for name, value in params.items()})
