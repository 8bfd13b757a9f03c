"""The campaign form's counter folds text as the server will: the page's rules (campaign.js),
run here on the tables the server sends, give gsm.to_gsm's answer for every character."""

from __future__ import annotations

import json
import re
import unicodedata
from html import unescape

from ussd_app.clinic.counter import gsm_tables
from ussd_app.text import gsm


def _points(ranges) -> frozenset:
    return frozenset(cp for low, high in ranges for cp in range(low, high + 1))


def fold_like_the_page(ch: str, tables: dict) -> str:
    """campaign.js foldChar, step by step."""
    if ch in tables["basic"] or ch in tables["extension"]:
        return ch
    if ch in tables["fold"]:
        return tables["fold"][ch]
    if ord(ch) in tables["drop"]:
        return ""
    if ord(ch) in tables["space"]:
        return " "
    base = "".join(c for c in unicodedata.normalize("NFKD", ch) if ord(c) not in tables["combining"])
    return base if base and all(c in tables["basic"] for c in base) else "?"


def test_the_page_folds_every_character_as_the_server_does():
    tables = json.loads(gsm_tables())
    tables.update({name: _points(tables[name]) for name in ("drop", "space", "combining")})
    # The basic and supplementary planes (letters, marks, emoji) and the tags and variation
    # selectors: beyond them nothing is assigned but CJK ideographs, which both turn into "?".
    points = [*range(0x20000), *range(0xE0000, 0xE0200)]
    differ = [hex(cp) for cp in points
              if not 0xD800 <= cp <= 0xDFFF and fold_like_the_page(chr(cp), tables) != gsm._fold_char(chr(cp))]
    assert not differ, differ[:20]


def test_the_tables_are_escaped_into_their_attribute(signed_in, world):
    html = signed_in("awa").get("/clinic/campaigns/new").get_data(as_text=True)
    attribute = re.search(r'<span id="gsm-tables" hidden data-tables="([^"]*)"></span>', html).group(1)
    assert json.loads(unescape(attribute)) == json.loads(gsm_tables())
