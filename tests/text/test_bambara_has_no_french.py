"""No French left in the Bambara catalog, except the reviewed exceptions of the test data.

A Bambara msgstr that still holds a French word ("DIU (sterile)", "règles", "Ref") is read aloud
or on screen by women who may not read French, and "sterile" even says the opposite of the truth.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from pathlib import Path

from babel.messages.pofile import read_po

from ussd_app.text.i18n import po_path

DATA = Path(__file__).resolve().parent / "data" / "french_in_bambara.toml"
PLACEHOLDER = re.compile(r"\{[^{}]*\}")


def fold(word: str) -> str:
    decomposed = unicodedata.normalize("NFD", word.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def words(text: str) -> set[str]:
    return {fold(w) for w in re.findall(r"[^\W\d_]+", PLACEHOLDER.sub(" ", text))}


def load():
    with DATA.open("rb") as fh:
        data = tomllib.load(fh)
    tell_tales = {fold(w) for w in data["tell_tales"]}
    allowed = {(a["msgid"], fold(a["word"])): a["reason"] for a in data.get("allowed", [])}
    return tell_tales, allowed


def french_words(entries, tell_tales, allowed) -> dict[str, set[str]]:
    """msgid -> the tell-tale French words its Bambara msgstr holds, exceptions left out."""
    found = {}
    for msgid, msgstr in entries:
        hits = {w for w in words(msgstr) & tell_tales if (msgid, w) not in allowed}
        if hits:
            found[msgid] = hits
    return found


def bambara_entries():
    with po_path("bm").open("rb") as fh:
        catalog = read_po(fh, locale="bm")
    for message in catalog:
        if message.id and message.string:
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            msgid = message.id if isinstance(message.id, str) else message.id[0]
            yield msgid, " ".join(strings)


def test_no_bambara_string_holds_a_french_tell_tale_word():
    tell_tales, allowed = load()
    assert french_words(bambara_entries(), tell_tales, allowed) == {}


def test_every_exception_is_reviewed_and_still_needed():
    tell_tales, allowed = load()
    entries = dict(bambara_entries())
    for (msgid, word), reason in allowed.items():
        assert word in tell_tales, f"{word!r} is not a tell-tale word: drop the exception"
        assert len(reason.split()) >= 5, f"give the reason for {msgid!r}/{word!r}"
        assert msgid in entries and word in words(entries[msgid]), \
            f"the exception {msgid!r}/{word!r} is no longer needed: remove it"


def test_the_check_finds_french_whole_words_without_case_or_accents():
    tell_tales, _ = load()
    entries = [("IUD", "DIU (sterile)"), ("Ref {ref}", "Ref {ref}: a sera"),
               ("Ok", "Kɛnɛya so: {regles}"), ("Fine", "Kalo yeli ma segin")]
    assert french_words(entries, tell_tales, {}) == {"IUD": {"diu", "sterile"}, "Ref {ref}": {"ref"}}
    assert french_words(entries, tell_tales, {("IUD", "diu"): "x", ("IUD", "sterile"): "x"}) == \
        {"Ref {ref}": {"ref"}}
