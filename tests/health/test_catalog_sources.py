"""Every health statement in the catalogs says where its facts come from.

Health statements are the topics (title and body) and the reminder texts: every msgid that starts
with "Reminder:", wherever it is marked, so a reminder added later is covered without listing it
here. Each one carries a `Source:` comment (`# TRANSLATORS: Source: ...` in the code, `#. Source:`
in both catalogs), and no message promises a fact that differs from one place to another.
"""

import io
import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po

from ussd_app.health.topics import ALL
from ussd_app.text.i18n import LANGUAGES, po_path

pytestmark = pytest.mark.dates  # run again under shifted clocks (scripts/test)

ROOT = Path(__file__).resolve().parents[2]
TOPICS_MODULE = ROOT / "ussd_app" / "health" / "topics.py"
TOPICS = {msgid for t in ALL for msgid in (t.title, t.body)}
REMINDER_PREFIX = "Reminder:"

# Facts that differ by CSCom or district: they come from the data of that place, never from a
# sentence every caller reads (FIELD.md: not every CSCom gives the malaria vaccine; prices vary).
PLACE_SPECIFIC = re.compile(r"malaria vaccine|\bR21\b|free or for less|for less\b|cheaper|"
                            r"reduced price|discount", re.IGNORECASE)


def _catalog(lang):
    with po_path(lang).open("rb") as fh:
        return read_po(fh)


def health_msgids(catalog) -> set[str]:
    """The topics, and every reminder text the catalog holds."""
    reminders = {m.id for m in catalog if isinstance(m.id, str) and m.id.startswith(REMINDER_PREFIX)}
    return TOPICS | reminders


def unsourced(catalog, msgids) -> list[str]:
    """The msgids among `msgids` whose catalog entry has no `Source:` comment (or no entry)."""
    missing = []
    for msgid in sorted(msgids):
        entry = catalog.get(msgid)
        if entry is None or not any(c.startswith("TRANSLATORS: Source:") or c.startswith("Source:")
                                    for c in entry.auto_comments):
            missing.append(msgid)
    return missing


def test_every_topic_message_in_the_code_carries_a_source_comment():
    extracted = list(extract_from_file("python", str(TOPICS_MODULE), keywords={"N_": None},
                                       comment_tags=["TRANSLATORS:"]))
    content = [(msgid, comments) for _, msgid, comments, _ in extracted if msgid in TOPICS]
    assert {m for m, _ in content} == TOPICS
    for msgid, comments in content:
        assert any(c.startswith("TRANSLATORS: Source:") for c in comments), msgid


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_health_topic_and_reminder_text_in_the_catalog_has_its_source(lang):
    catalog = _catalog(lang)
    msgids = health_msgids(catalog)
    assert len(msgids) > len(TOPICS), "no reminder text found: is the prefix still right?"
    assert unsourced(catalog, msgids) == []


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_health_entry_of_the_catalog_is_translated(lang):
    catalog = _catalog(lang)
    for msgid in health_msgids(catalog):
        entry = catalog.get(msgid)
        assert entry is not None, f"{msgid!r} missing from {lang} catalog: run scripts/i18n"
        assert entry.string and (entry.string != msgid or lang == "fr"), msgid


def staff_facing(entry) -> bool:
    """A dashboard label marked so in the code: staff set what differs by place, it promises nothing."""
    return any("Staff-facing:" in c for c in entry.auto_comments)


def test_no_message_promises_a_fact_that_differs_by_place():
    catalog = _catalog("fr")
    promising = [m.id for m in catalog if isinstance(m.id, str) and PLACE_SPECIFIC.search(m.id)
                 and not staff_facing(m)]
    assert promising == []
    # The exceptions are the dashboard's per-centre malaria-vaccine setting, nothing a mother reads.
    assert sorted(m.id for m in catalog if isinstance(m.id, str) and staff_facing(m)) == [
        "Malaria vaccine (R21)", "{centre}: malaria vaccine {state}. Plans made from now on follow it."]


def test_bambara_health_entries_are_flagged_for_native_review_and_keep_proper_spelling():
    catalog = _catalog("bm")
    bodies = [t.body for t in ALL]
    for msgid in bodies:
        entry = catalog.get(msgid)
        assert any(c.startswith("native-review") for c in entry.user_comments), msgid
    text = " ".join(catalog.get(m).string for m in bodies)
    assert set("ɛɔɲ") <= set(text)  # the catalog keeps ɛ ɔ ɲ; folding happens on the way out


def test_the_checks_catch_an_unsourced_reminder_and_a_place_specific_promise():
    po = io.BytesIO(
        b'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=utf-8\\n"\n\n'
        b'#. TRANSLATORS: Source: WHO, 2016.\nmsgid "Reminder: a sourced visit."\nmsgstr "x"\n\n'
        b'msgid "Reminder: a new visit, no source."\nmsgstr "y"\n\n'
        b'msgid "Partner CSComs treat you free or for less."\nmsgstr "z"\n')
    catalog = read_po(po)
    reminders = health_msgids(catalog) - TOPICS
    assert reminders == {"Reminder: a sourced visit.", "Reminder: a new visit, no source."}
    assert unsourced(catalog, reminders) == ["Reminder: a new visit, no source."]
    assert PLACE_SPECIFIC.search("Partner CSComs treat you free or for less.")
    assert not PLACE_SPECIFIC.search("Ask your CSCom the price of its care.")
