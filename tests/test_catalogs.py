"""Every message marked in the code has a finished translation in Bambara and in French.

Messages are extracted with Babel's own extractor, the same way scripts/i18n does (the files
and extractors babel.cfg names, keyword N_ on top of the defaults), so a message added to the code without running scripts/i18n
and translating it fails here.
"""

from __future__ import annotations

import string
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from ussd_app.text.i18n import LANGUAGES, po_path, translate

ROOT = Path(__file__).resolve().parents[1]


def extracted() -> dict[str, list[str]]:
    """msgid -> where it is used, for every message marked in the files babel.cfg lists."""
    with (ROOT / "babel.cfg").open() as fh:
        method_map, options_map = parse_mapping_cfg(fh)
    keywords = dict(DEFAULT_KEYWORDS, N_=None)
    found: dict[str, list[str]] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
            str(ROOT), method_map=method_map, options_map=options_map, keywords=keywords,
            comment_tags=("TRANSLATORS:",), strip_comment_tags=True):
        for msgid in (message if isinstance(message, tuple) else (message,)):
            if msgid:
                found.setdefault(msgid, []).append(f"{filename}:{lineno}")
    return found


def catalog(lang: str):
    with po_path(lang).open("rb") as fh:
        return read_po(fh, locale=lang)


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


MESSAGES = extracted()


def test_messages_are_extracted():
    # A few the foundation itself uses: if these are not found, the extraction is broken.
    for msgid in ("Main menu", "0 Back", "98 More", "Invalid choice. Try again."):
        assert msgid in MESSAGES


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_message_is_translated(lang):
    cat = catalog(lang)
    missing = [f"{msgid!r} ({MESSAGES[msgid][0]})" for msgid in sorted(MESSAGES)
               if cat.get(msgid) is None or not cat.get(msgid).string]
    assert not missing, f"{lang}: {len(missing)} messages lack a translation (run scripts/i18n, " \
                        f"then translate):\n" + "\n".join(missing)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_no_fuzzy_entries(lang):
    fuzzy = [m.id for m in catalog(lang) if m.id and m.fuzzy]
    assert not fuzzy, f"{lang}: fuzzy entries are not used at run time: {fuzzy}"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_placeholders_match(lang):
    wrong = []
    for message in catalog(lang):
        if not message.id or not message.string:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        expected = set().union(*(placeholders(i) for i in ids))
        for s in strings:
            try:
                got = placeholders(s)
            except ValueError as exc:  # unbalanced braces
                wrong.append(f"{message.id!r}: {exc}")
                continue
            if got != expected:
                wrong.append(f"{message.id!r}: {sorted(expected)} vs {sorted(got)}")
    assert not wrong, f"{lang}: placeholders differ:\n" + "\n".join(wrong)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_catalog_compiles_and_translates(lang):
    assert translate(lang, "Main menu") != "Main menu"


def test_the_check_catches_a_missing_translation(tmp_path):
    """The checks above, on a catalog with the faults they look for."""
    po = tmp_path / "bad.po"
    po.write_text('msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=utf-8\\n"\n\n'
                  'msgid "Hello {name}"\nmsgstr "Bonjour {nom}"\n\n'
                  '#, fuzzy\nmsgid "Old"\nmsgstr "Vieux"\n\n'
                  'msgid "Empty"\nmsgstr ""\n', encoding="utf-8")
    with po.open("rb") as fh:
        cat = read_po(fh)
    assert placeholders(cat.get("Hello {name}").string) != placeholders("Hello {name}")
    assert cat.get("Old").fuzzy
    assert not cat.get("Empty").string
