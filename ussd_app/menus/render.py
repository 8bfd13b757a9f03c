"""Turn a screen's view into the pages a handset shows: translated, GSM-7, within the limit.

Pages break between sentences or lines; a sentence is cut between words only when it is longer
than a page. The options start on the page that shows the last sentence above them, so no page
is left holding only the options after a text. A hint (a wrong key, no next page) goes above the
page it answers and never takes the place of its text (see `_with_hint`).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from functools import lru_cache

from ussd_app.menus.screens import Label, Numbered, Raw, View
from ussd_app.text.gsm import to_gsm
from ussd_app.text.i18n import LANGUAGES, N_, translate

# 182 characters is the gateway's hard limit; many handsets cut earlier, so 160 with "CON ".
SCREEN_LIMIT = 160
PREFIX_LEN = len("CON ")
BODY_LIMIT = SCREEN_LIMIT - PREFIX_LEN
MAX_HINT = 80  # a hint is one short line; longer ones are cut

log = logging.getLogger(__name__)

BACK = N_("0 Back")
MORE = N_("98 More")

# A sentence ends at . ! or ? followed by a space and anything but a lower-case letter, so an
# initial ("Awa T. parts?") or "5 000 FCFA. caisse" is not taken for the end of a sentence.
_SENTENCE_END = re.compile(r"(?<=[.!?]) +(?![a-zàäéèìòùüñ])")


@lru_cache(maxsize=4096)
def _fixed_text(lang: str, msgid: str) -> str:
    """A plain msgid in GSM-7: the same on every screen that shows it, so folded once."""
    return to_gsm(translate(lang, msgid))


def in_each_language(label: Label, limit: int) -> str:
    """`label` in each language, one a line, in list order: as many as fit in `limit` (the
    first always). For callers whose language is not known yet."""
    lines: list[str] = []
    for lang in LANGUAGES:
        line = text_of(lang, label)
        if lines and len("\n".join([*lines, line])) > limit:
            break
        lines.append(line)
    return "\n".join(lines)


def text_of(lang: str, label: Label) -> str:
    if isinstance(label, str):
        return _fixed_text(lang, label)
    if isinstance(label, Raw):
        return to_gsm(label.text)
    if isinstance(label, Numbered):
        return f"{label.number} {text_of(lang, label.label)}"
    return to_gsm(translate(lang, label))


@dataclass(frozen=True)
class Block:
    """A piece of a page that is never split across two: a sentence, a line, an option."""

    text: str
    joiner: str  # put before it when it follows another block on the same page: " " or "\n"


def _join(blocks: list[Block]) -> str:
    return "".join((b.joiner if i else "") + b.text for i, b in enumerate(blocks))


def _words(text: str, width: int) -> list[str]:
    """The words of `text`; a word longer than `width` is cut into pieces that fit."""
    return [word[i:i + width] for word in text.split(" ") for i in range(0, len(word), width)]


def _blocks(text: str, width: int, sentences: bool) -> list[Block]:
    """The blocks of one label: its lines, each cut into sentences (body text). A sentence (or an
    option) longer than `width` is cut into its words, so the page ends wherever it is full."""
    blocks: list[Block] = []
    for line in text.split("\n"):
        units = _SENTENCE_END.split(line) if sentences else [line]
        for n, unit in enumerate(units):
            pieces = [unit] if len(unit) <= width else _words(unit, width)
            for k, piece in enumerate(pieces):
                blocks.append(Block(piece, " " if n or k else "\n"))
    return blocks


def _content(lang: str, view: View, width: int) -> list[Block]:
    body = [b for label in view.body for b in _blocks(text_of(lang, label), width, True)]
    items = [b for label in view.items for b in _blocks(text_of(lang, label), width, False)]
    if body and items and len(body[-1].text) + 1 + len(items[0].text) <= width:
        # The last sentence and the first option share a page: no page of options alone.
        body[-1] = Block(f"{body[-1].text}\n{items[0].text}", body[-1].joiner)
        items = items[1:]
    return body + [Block(b.text, "\n") for b in items]


def _fits(text: str, footer: str) -> bool:
    return len(f"{text}\n{footer}" if footer else text) <= BODY_LIMIT


def _layout(lang: str, view: View, can_go_back: bool) -> list[tuple[str, str]]:
    """Pages as (content, footer). Every page but the last ends with "98 More"; option numbers
    stay global. The first page offers "0 Back" when there is a screen to go back to
    (`can_go_back`); later pages always do, as "0" then means the previous page.
    """
    back, more = text_of(lang, BACK), text_of(lang, MORE)
    more_and_back = f"{more}  {back}"
    if view.end:  # an END screen cannot page: the walk test keeps them short; cut as a last resort
        whole = "\n".join(text_of(lang, label) for label in (*view.body, *view.items))
        if len(whole) > BODY_LIMIT:
            log.warning("END screen cut: %d characters for %d", len(whole), BODY_LIMIT)
        return [(whole[:BODY_LIMIT], "")]
    blocks = _content(lang, view, BODY_LIMIT - len(more_and_back) - 1)
    pages: list[tuple[str, str]] = []
    i = 0
    while True:
        shows_back = can_go_back or bool(pages)
        rest = _join(blocks[i:])
        if _fits(rest, back if shows_back else ""):
            pages.append((rest, back if shows_back else ""))
            return pages
        footer = more_and_back if shows_back else more
        start = i
        while i < len(blocks) and _fits(_join(blocks[start:i + 1]), footer):
            i += 1
        if i == start:  # cannot happen with the block width above; never loop forever
            i += 1
        pages.append((_join(blocks[start:i])[: BODY_LIMIT - len(footer) - 1], footer))


def _page_text(page: tuple[str, str]) -> str:
    content, footer = page
    return f"{content}\n{footer}" if footer and content else content or footer


def paginate(lang: str, view: View, can_go_back: bool) -> list[str]:
    """The pages a handset shows for a view, each within the limit (see `_layout`)."""
    return [_page_text(page) for page in _layout(lang, view, can_go_back)]


def _with_hint(hint: str, page: tuple[str, str], options: set[str]) -> str:
    """The hint above the page. The page's text always stays whole: without room, the hint keeps
    its first sentence and the footer goes (the keys it names work all the same); on a list, the
    last options of the page go too (one always stays; they come back at the next key). A page
    too full for even that keeps its text and options without the hint."""
    if len(hint) > MAX_HINT:
        log.warning("hint cut: %d characters for %d", len(hint), MAX_HINT)
        hint = hint[:MAX_HINT]
    content, footer = page
    lines = content.split("\n")
    listed = [i for i, line in enumerate(lines) if line in options]
    first_sentence = _SENTENCE_END.split(hint)[0]
    for dropped in range(max(len(listed), 1)):
        kept = "\n".join(line for i, line in enumerate(lines) if i not in listed[len(listed) - dropped:])
        for shown_hint, shown_footer in ((hint, footer), (first_sentence, footer), (hint, ""),
                                         (first_sentence, "")):
            text = f"{shown_hint}\n{_page_text((kept, shown_footer))}"
            if len(text) <= BODY_LIMIT:
                return text
    return _page_text(page)


def render_page(lang: str, view: View, can_go_back: bool, page: int,
                hint: Label | None = None) -> tuple[str, int]:
    """The text of one page (clamped to the pages there are), with an optional hint above it."""
    pages = _layout(lang, view, can_go_back)
    page = max(0, min(page, len(pages) - 1))
    if hint is None or view.end:
        return _page_text(pages[page]), page
    options = {text_of(lang, item) for item in view.items}
    return _with_hint(text_of(lang, hint), pages[page], options), page
