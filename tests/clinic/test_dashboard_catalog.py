"""Every message of the dashboard's templates is translated in French and Bambara.

The foundation's catalog test extracts Python files; templates are extracted here with Babel's
Jinja extractor, as scripts/i18n does through babel.cfg.
"""

from __future__ import annotations

import string
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po

from ussd_app.text.i18n import LANGUAGES, po_path

CLINIC = Path(__file__).resolve().parents[2] / "ussd_app" / "clinic"


def template_messages() -> list[str]:
    found = []
    for _file, _line, message, _comments, _context in extract_from_dir(
            str(CLINIC), method_map=[("templates/**.html", "jinja2")], keywords=dict(DEFAULT_KEYWORDS)):
        if message and message not in found:
            found.append(message)
    return found


MESSAGES = template_messages()


def test_templates_have_messages():
    assert "Sign in" in MESSAGES and "Recipients: {count}" in MESSAGES


def test_babel_config_extracts_the_templates():
    config = (CLINIC.parents[1] / "babel.cfg").read_text()
    assert "[jinja2: ussd_app/clinic/templates/**.html]" in config


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_template_message_is_translated(lang):
    with po_path(lang).open("rb") as fh:
        catalog = read_po(fh, locale=lang)
    missing, bad = [], []
    for msgid in MESSAGES:
        entry = catalog.get(msgid)
        if entry is None or not entry.string:
            missing.append(msgid)
            continue
        names = {n for _, n, _, _ in string.Formatter().parse(msgid) if n}
        if names != {n for _, n, _, _ in string.Formatter().parse(entry.string) if n}:
            bad.append(msgid)
    assert not missing, f"untranslated in {lang}: {missing}"
    assert not bad, f"placeholders differ in {lang}: {bad}"


def test_bambara_dashboard_keeps_its_letters():
    with po_path("bm").open("rb") as fh:
        catalog = read_po(fh, locale="bm")
    assert "ɛ" in catalog.get("Savings groups").string
