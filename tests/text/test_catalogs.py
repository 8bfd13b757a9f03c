"""Every message marked in the code has a finished translation in every language of the list
(ussd_app.text.languages).

Messages are extracted with Babel's own extractor, the same way scripts/i18n does (the files
and extractors babel.cfg names, keywords N_ and NP_ on top of the defaults), so a message added to
the code without running scripts/i18n and translating it fails here. A plural message (NP_) must
have every form its catalog's Plural-Forms header asks for, each with the same placeholders.
"""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from ussd_app.text.i18n import LANGUAGES, NP_, TN, po_path, translate

ROOT = Path(__file__).resolve().parents[2]
KEYWORDS = {"N_": None, "NP_": (1, 2)}  # as scripts/i18n passes them (-k N_ -k NP_:1,2)
# Bambara nouns do not change after a numeral ("niyɔrɔ 1", "niyɔrɔ 5"; CLDR gives bm the single
# category "other"); French uses the singular for 0 and 1 ("0 part", "1 part", "2 parts").
PLURAL_FORMS = {"bm": (1, "0"), "fr": (2, "(n > 1)")}


def extracted() -> dict[str | tuple[str, str], list[str]]:
    """msgid (a (singular, plural) pair for NP_) -> where it is used, in the files babel.cfg lists."""
    with (ROOT / "babel.cfg").open() as fh:
        method_map, options_map = parse_mapping_cfg(fh)
    keywords = dict(DEFAULT_KEYWORDS, **KEYWORDS)
    found: dict[str | tuple[str, str], list[str]] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
            str(ROOT), method_map=method_map, options_map=options_map, keywords=keywords,
            comment_tags=("TRANSLATORS:",), strip_comment_tags=True):
        if isinstance(message, tuple) and all(message):
            found.setdefault(message, []).append(f"{filename}:{lineno}")
        elif message and not isinstance(message, tuple):
            found.setdefault(message, []).append(f"{filename}:{lineno}")
    return found


def untranslated(cat, msgid) -> str | None:
    """Why `msgid` (or a plural pair) is not finished in `cat`, or None."""
    key = msgid[0] if isinstance(msgid, tuple) else msgid
    entry = cat.get(key)
    if entry is None or not entry.string:
        return "missing"
    if isinstance(msgid, tuple):
        if not entry.pluralizable or tuple(entry.id) != msgid:
            return "not a plural entry for this pair (run scripts/i18n)"
        forms = entry.string if isinstance(entry.string, tuple) else (entry.string,)
        if len(forms) != cat.num_plurals or not all(forms):
            return f"{sum(1 for f in forms if f)} of {cat.num_plurals} plural forms translated"
    elif entry.pluralizable:
        return "a plural entry for a message without plural (run scripts/i18n)"
    return None


def catalog(lang: str):
    with po_path(lang).open("rb") as fh:
        return read_po(fh, locale=lang)


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


MESSAGES = extracted()


def test_messages_are_extracted():
    # A few the foundation itself uses: if these are not found, the extraction is broken.
    for msgid in ("Main menu", "0 Back", "98 More", "Invalid choice. Try again.",
                  ("{count} share", "{count} shares")):
        assert msgid in MESSAGES


def test_scripts_i18n_extracts_with_the_same_keywords():
    script = (ROOT / "scripts" / "i18n").read_text()
    passed = dict(re.findall(r"-k (\w+)(?::([\d,]+))?", script))
    assert {name: tuple(int(i) for i in spec.split(",")) if spec else None
            for name, spec in passed.items()} == KEYWORDS


def test_scripts_i18n_updates_the_languages_of_the_list():
    """No list of its own: the codes come from ussd_app.text.languages."""
    script = (ROOT / "scripts" / "i18n").read_text()
    assert "from ussd_app.text.languages import CODES" in script
    assert not re.search(r"\b(bm|fr)\b", script)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_message_is_translated(lang):
    cat = catalog(lang)
    problems = [f"{msgid!r} ({MESSAGES[msgid][0]}): {problem}"
                for msgid in sorted(MESSAGES, key=str)
                if (problem := untranslated(cat, msgid)) is not None]
    assert not problems, f"{lang}: {len(problems)} messages lack a translation (run " \
                         f"scripts/i18n, then translate):\n" + "\n".join(problems)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_plural_forms_header(lang):
    cat = catalog(lang)
    header = dict(cat.mime_headers).get("Plural-Forms", "")
    assert re.fullmatch(r"nplurals=\d+; plural=.+;", header.strip()), \
        f"{lang}: the catalog must say its plural rule (Plural-Forms header), not leave Babel's guess"
    if lang in PLURAL_FORMS:
        assert (cat.num_plurals, cat.plural_expr) == PLURAL_FORMS[lang]
    assert any(m.pluralizable for m in cat), f"{lang}: no plural entry at all"


def test_counts_take_the_form_of_their_language():
    shares = NP_("{count} share", "{count} shares")
    assert [translate("fr", TN(shares, n)) for n in (0, 1, 2, 15)] == \
        ["0 part", "1 part", "2 parts", "15 parts"]
    assert [translate("bm", TN(shares, n)) for n in (1, 2)] == ["niyɔrɔ 1", "niyɔrɔ 2"]


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
    po.write_text('msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=utf-8\\n"\n'
                  '"Plural-Forms: nplurals=2; plural=(n > 1);\\n"\n\n'
                  'msgid "Hello {name}"\nmsgstr "Bonjour {nom}"\n\n'
                  '#, fuzzy\nmsgid "Old"\nmsgstr "Vieux"\n\n'
                  'msgid "Empty"\nmsgstr ""\n\n'
                  'msgid "{count} day"\nmsgid_plural "{count} days"\n'
                  'msgstr[0] "{count} jour"\nmsgstr[1] ""\n\n'
                  'msgid "{count} week"\nmsgstr "{count} semaine"\n', encoding="utf-8")
    with po.open("rb") as fh:
        cat = read_po(fh)
    assert placeholders(cat.get("Hello {name}").string) != placeholders("Hello {name}")
    assert cat.get("Old").fuzzy
    assert untranslated(cat, "Empty") == "missing"
    assert untranslated(cat, ("{count} day", "{count} days")) == "1 of 2 plural forms translated"
    assert untranslated(cat, ("{count} week", "{count} weeks")).startswith("not a plural entry")
    assert untranslated(cat, "Hello {name}") is None
