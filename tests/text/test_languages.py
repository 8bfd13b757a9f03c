"""The list of languages: each entry complete and usable, and a language added at run time
reaches catalogs, folding, dates and SMS keywords with no change to the code."""

from __future__ import annotations

import re
from datetime import date

import pytest

from tests.text import pseudo
from tests.text import test_catalogs as catalogs
from ussd_app.sms import keywords
from ussd_app.sms.wording import local_date, short_date
from ussd_app.text import languages
from ussd_app.text.gsm import is_gsm, to_gsm
from ussd_app.text.i18n import LANGUAGES, NP_, TN, translate

# RFC 5646 language tag, the common shapes: language (2-3 letters), then script, region, variants.
TAG = re.compile(r"^[a-z]{2,3}(-[A-Z][a-z]{3})?(-([A-Z]{2}|[0-9]{3}))?(-[0-9A-Za-z]{5,8})*$")


@pytest.mark.parametrize("language", languages.ALL, ids=lambda lang: lang.code)
def test_every_entry_is_complete(language):
    assert TAG.match(language.code) and len(language.code) <= languages.CODE_LENGTH
    assert language.name and language.autonym
    assert language.catalog_path.is_file(), f"{language.code}: no catalog at {language.catalog_path}"
    assert len(language.days) == 7 and len(language.months) == 12
    assert all(is_gsm(folded) for folded in language.gsm_fold.values())
    assert all(word == keywords.normalise(word) for word in language.keywords), \
        "keywords are written as normalise() writes them (capitals, no accents)"
    assert set(language.keywords.values()) <= {keywords.STOP, keywords.START, keywords.HELP}
    assert is_gsm(to_gsm(language.date(date(2026, 3, 3)), language.code))


def test_codes_are_unique_and_the_defaults_are_among_them():
    codes = [language.code for language in languages.ALL]
    assert len(codes) == len(set(codes)) and list(LANGUAGES) == codes
    assert languages.DEFAULT in LANGUAGES and languages.AUDIENCE_FALLBACK in LANGUAGES


def test_keywords_of_two_languages_never_collide():
    seen = {}
    for language in languages.ALL:
        for word in language.keywords:
            assert word not in keywords.ENGLISH and seen.setdefault(word, language.code) == language.code


def test_dates_in_bambara_and_french():
    day = date(2026, 3, 3)  # a Tuesday
    assert local_date("fr", day) == "mardi 3 mars"
    assert local_date("bm", day) == "tarata marisikalo tile 3"
    assert short_date("fr", day) == "3 mars" and short_date("bm", day) == "marisikalo tile 3"


def test_a_language_folds_its_own_letters_first():
    with_open_e = languages.Language(code="zzz", name="Z", autonym="Z", gsm_fold={"ɛ": "e"})
    before = languages.ALL
    languages.ALL = (*before, with_open_e)
    try:
        assert to_gsm("kɛnɛ") == "kènè"  # Bambara's table comes first in the list
        assert to_gsm("kɛnɛ", "zzz") == "kene"
        assert to_gsm("kɛnɛ", "bm") == "kènè"
    finally:
        languages.ALL = before


@pytest.mark.parametrize("source, folded", [
    ("ɓ ɗ ƴ ƙ", "b d y k"), ("Ɓ Ɗ Ƴ Ƙ", "B D Y K"),  # Fulfulde, Hausa
    ("ɲ ŋ", "ny ng"), ("ə ɣ", "e g"),
])
def test_letters_of_other_west_african_alphabets_fold_sensibly(source, folded):
    assert to_gsm(source, "fr") == folded


@pytest.fixture
def third_language(tmp_path):
    with pseudo.registered(tmp_path) as language:
        yield language


def test_a_language_added_at_run_time_is_everywhere(third_language):
    code = third_language.code
    assert code in LANGUAGES and LANGUAGES[-1] == code
    assert translate(code, "Main menu") == "MENU PRINCIPAL"
    assert translate(code, TN(NP_("{count} share", "{count} shares"), 2)) == "2 PARTS"  # French plurals
    assert local_date(code, date(2026, 3, 3)) == "3 MARS (MARƊI)"
    assert to_gsm(local_date(code, date(2026, 3, 3)), code) == "3 MARS (MARDI)"
    assert keywords.parse_keyword("halte") == keywords.Keyword(keywords.STOP, code)
    assert keywords.parse_keyword("Secours !") == keywords.Keyword(keywords.HELP, code)
    assert keywords.parse_keyword("dabila") == keywords.Keyword(keywords.STOP, "bm")


def test_the_catalog_checks_cover_a_language_added_at_run_time(third_language):
    for check in (catalogs.test_every_message_is_translated, catalogs.test_placeholders_match,
                  catalogs.test_no_fuzzy_entries, catalogs.test_catalog_compiles_and_translates,
                  catalogs.test_plural_forms_header):
        check(third_language.code)


def test_the_catalog_checks_fail_on_a_broken_added_language(tmp_path, third_language):
    path = third_language.catalog_path
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace('msgstr "MENU PRINCIPAL"', 'msgstr ""'), encoding="utf-8")
    with pytest.raises(AssertionError, match="Main menu"):
        catalogs.test_every_message_is_translated(third_language.code)
