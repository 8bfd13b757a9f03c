"""Every health content entry of the catalogs says where its facts come from."""

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po

from ussd_app.health.topics import ALL
from ussd_app.text.i18n import LANGUAGES, po_path

pytestmark = pytest.mark.dates  # run again under shifted clocks (scripts/test)

TOPICS_MODULE = Path(__file__).resolve().parents[2] / "ussd_app" / "health" / "topics.py"
CONTENT = {msgid for t in ALL for msgid in (t.title, t.body)}


def _catalog(lang):
    with po_path(lang).open("rb") as fh:
        return read_po(fh)


def test_every_topic_message_in_the_code_carries_a_source_comment():
    extracted = list(extract_from_file("python", str(TOPICS_MODULE), keywords={"N_": None},
                                       comment_tags=["TRANSLATORS:"]))
    content = [(msgid, comments) for _, msgid, comments, _ in extracted if msgid in CONTENT]
    assert {m for m, _ in content} == CONTENT
    for msgid, comments in content:
        assert any(c.startswith("TRANSLATORS: Source:") for c in comments), msgid


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_health_entry_of_the_catalog_has_its_source_and_a_translation(lang):
    catalog = _catalog(lang)
    for msgid in CONTENT:
        entry = catalog.get(msgid)
        assert entry is not None, f"{msgid!r} missing from {lang} catalog: run scripts/i18n"
        assert any("Source:" in c for c in entry.auto_comments), msgid
        assert entry.string and entry.string != msgid or lang == "fr" and entry.string, msgid


def test_bambara_health_entries_are_flagged_for_native_review_and_keep_proper_spelling():
    catalog = _catalog("bm")
    bodies = [t.body for t in ALL]
    for msgid in bodies:
        entry = catalog.get(msgid)
        assert any(c.startswith("native-review") for c in entry.user_comments), msgid
    text = " ".join(catalog.get(m).string for m in bodies)
    assert set("ɛɔɲ") <= set(text)  # the catalog keeps ɛ ɔ ɲ; folding happens on the way out
