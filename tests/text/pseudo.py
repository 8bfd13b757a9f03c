"""A throw-away language for tests: French, in capitals, with B and D written Ɓ and Ɗ.

It proves that nothing is tied to Bambara and French: registered at run time (`registered`),
with a catalog built from the French one in a temporary folder, the service must speak it
everywhere (screens, dates, SMS keywords, campaigns) without a change to the code. Its code
"qaa" is the first of ISO 639-2's codes reserved for local use, and three letters long, like
Songhai's "ses". Its Ɓ and Ɗ (Fulfulde letters) have no entry in its folding table: the generic
rules must turn them into B and D, never "?".
"""

from __future__ import annotations

import re
from contextlib import contextmanager
from pathlib import Path

from babel.messages.pofile import read_po, write_po

from ussd_app.text import languages
from ussd_app.text.languages import HELP, START, STOP

CODE = "qaa"
PLACEHOLDER = re.compile(r"(\{[^{}]*\})")


def transform(text: str) -> str:
    """Capitals, Ɓ for B and Ɗ for D; placeholders ({count}) left as they are."""
    parts = PLACEHOLDER.split(text)
    return "".join(part if PLACEHOLDER.fullmatch(part) else
                   part.upper().replace("B", "Ɓ").replace("D", "Ɗ") for part in parts)


def build_catalog(folder: Path) -> Path:
    with languages.FRENCH.catalog_path.open("rb") as fh:
        catalog = read_po(fh, locale="fr")
    for message in catalog:
        if not message.id:
            continue
        if isinstance(message.string, tuple):
            message.string = tuple(transform(s) for s in message.string)
        elif message.string:
            message.string = transform(message.string)
    path = folder / CODE / "LC_MESSAGES" / "messages.po"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as fh:
        write_po(fh, catalog)
    return path


def language(folder: Path) -> languages.Language:
    french = languages.FRENCH
    return languages.Language(
        code=CODE, name="Pseudo-French", autonym=transform("Pseudo-français"),
        gsm_fold={"Œ": "OE"},
        days=tuple(transform(d) for d in french.days), months=tuple(transform(m) for m in french.months),
        date_format="{day} {month} ({weekday})", short_date_format=french.short_date_format,
        keywords={"HALTE": STOP, "ENCORE": START, "SECOURS": HELP},
        po_file=build_catalog(folder))


@contextmanager
def registered(folder: Path):
    """The pseudo-language added after the real ones, for the time of the block."""
    before = languages.ALL
    pseudo = language(folder)
    languages.ALL = (*before, pseudo)
    try:
        yield pseudo
    finally:
        languages.ALL = before

