"""Message catalogs for Bambara and French.

The `.po` files under `locales/` are the single source: they are compiled with Babel in memory
when a process first needs them, so a fresh checkout never runs with stale `.mo` files.
"""

from __future__ import annotations

import gettext
import io
import threading
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Mapping

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LANGUAGES = ("bm", "fr")
LANGUAGE_NAMES = {"bm": "Bamanankan", "fr": "Francais"}  # autonyms, shown as they are
LOCALES_DIR = Path(__file__).resolve().parents[2] / "locales"

_lock = threading.Lock()


def N_(msgid: str) -> str:
    """Mark a message for extraction; it is translated later, in the user's language."""
    return msgid


@dataclass(frozen=True)
class T:
    """A message to translate later, with its placeholders' values."""

    msgid: str
    params: Mapping[str, object] = field(default_factory=dict)


def po_path(lang: str) -> Path:
    return LOCALES_DIR / lang / "LC_MESSAGES" / "messages.po"


@lru_cache(maxsize=None)
def translations(lang: str) -> gettext.NullTranslations:
    if lang not in LANGUAGES:
        raise ValueError(f"unsupported language {lang!r}")
    with _lock, po_path(lang).open("rb") as fh:
        catalog = read_po(fh, locale=lang if lang != "bm" else "bm")
        buf = io.BytesIO()
        write_mo(buf, catalog)
    buf.seek(0)
    return gettext.GNUTranslations(buf)


def translate(lang: str, text: "T | str") -> str:
    """Translate a `T` (or a plain msgid) into `lang` and fill its placeholders."""
    if isinstance(text, T):
        msgid, params = text.msgid, text.params
    else:
        msgid, params = text, {}
    out = translations(lang).gettext(msgid)
    return out.format(**params) if params else out
