"""Turn a screen's view into the pages a handset shows: translated, GSM-7, within the limit."""

from __future__ import annotations

import logging
from functools import lru_cache

from ussd_app.menus.screens import Label, Numbered, Raw, View
from ussd_app.text.gsm import to_gsm
from ussd_app.text.i18n import N_, translate

# 182 characters is the gateway's hard limit; many handsets cut earlier, so 160 with "CON ".
SCREEN_LIMIT = 160
PREFIX_LEN = len("CON ")
BODY_LIMIT = SCREEN_LIMIT - PREFIX_LEN
MAX_HINT = 80  # a hint is one short line; longer ones are cut

log = logging.getLogger(__name__)

BACK = N_("0 Back")
MORE = N_("98 More")


@lru_cache(maxsize=4096)
def _fixed_text(lang: str, msgid: str) -> str:
    """A plain msgid in GSM-7: the same on every screen that shows it, so folded once."""
    return to_gsm(translate(lang, msgid))


def text_of(lang: str, label: Label) -> str:
    if isinstance(label, str):
        return _fixed_text(lang, label)
    if isinstance(label, Raw):
        return to_gsm(label.text)
    if isinstance(label, Numbered):
        return f"{label.number} {text_of(lang, label.label)}"
    return to_gsm(translate(lang, label))


def _wrap(text: str, width: int) -> list[str]:
    """Split a paragraph at spaces into pieces of at most `width` characters."""
    pieces, line = [], ""
    for word in text.split(" "):
        while len(word) > width:  # a word longer than a page: cut it
            if line:
                pieces.append(line)
                line = ""
            pieces.append(word[:width])
            word = word[width:]
        candidate = f"{line} {word}" if line else word
        if len(candidate) <= width:
            line = candidate
        else:
            pieces.append(line)
            line = word
    if line:
        pieces.append(line)
    return pieces


def _fits(lines: list[str], limit: int = BODY_LIMIT) -> bool:
    return len("\n".join(lines)) <= limit


BODY, ITEM, FOOTER = "body", "item", "footer"
Line = tuple[str, str]  # (text, kind)


def _chunks(lang: str, view: View, width: int) -> list[Line]:
    lines: list[Line] = []
    for label in view.body:
        for paragraph in text_of(lang, label).split("\n"):
            lines.extend((piece, BODY) for piece in _wrap(paragraph, width))
    for label in view.items:
        lines.extend((piece, ITEM) for piece in _wrap(text_of(lang, label), width))
    return lines


def _layout(lang: str, view: View, can_go_back: bool) -> list[list[Line]]:
    """Pages as lines with their kind. Every page but the last ends with "98 More"; option
    numbers stay global. The first page offers "0 Back" when there is a screen to go back to
    (`can_go_back`); later pages always do, as "0" then means the previous page.
    """
    back, more = text_of(lang, BACK), text_of(lang, MORE)
    more_and_back = f"{more}  {back}"
    if view.end:  # an END screen cannot page: the walk test keeps them short; cut as a last resort
        whole = "\n".join(t for t, _ in _chunks(lang, view, BODY_LIMIT))
        if len(whole) > BODY_LIMIT:
            log.warning("END screen cut: %d characters for %d", len(whole), BODY_LIMIT)
        return [[(whole[:BODY_LIMIT], BODY)]]
    chunks = _chunks(lang, view, BODY_LIMIT - len(more_and_back) - 1)
    pages: list[list[Line]] = []
    i = 0
    while True:
        shows_back = can_go_back or bool(pages)
        rest = chunks[i:] + ([(back, FOOTER)] if shows_back else [])
        if _fits([t for t, _ in rest]):
            pages.append(rest)
            return pages
        footer = (more_and_back if shows_back else more, FOOTER)
        page: list[Line] = []
        while i < len(chunks) and _fits([t for t, _ in page] + [chunks[i][0], footer[0]]):
            page.append(chunks[i])
            i += 1
        if not page:  # cannot happen with the wrap width above; never loop forever
            page.append((chunks[i][0][: BODY_LIMIT - len(footer[0]) - 1], chunks[i][1]))
            i += 1
        pages.append(page + [footer])


def paginate(lang: str, view: View, can_go_back: bool) -> list[str]:
    """The pages a handset shows for a view, each within the limit (see `_layout`)."""
    return ["\n".join(t for t, _ in page) for page in _layout(lang, view, can_go_back)]


def _with_hint(hint: str, page: list[Line]) -> str:
    """The hint above the page. Without room, lines go until it fits: the text above the options
    first (the caller has just read it), then options from the end; the footer always stays."""
    if len(hint) > MAX_HINT:
        log.warning("hint cut: %d characters for %d", len(hint), MAX_HINT)
        hint = hint[:MAX_HINT]
    lines = list(page)
    removable = [i for i, (_, kind) in enumerate(lines) if kind == BODY]
    removable += [i for i, (_, kind) in reversed(list(enumerate(lines))) if kind == ITEM]
    dropped: set[int] = set()
    for index in [None] + removable:
        if index is not None:
            dropped.add(index)
        kept = [hint] + [t for i, (t, _) in enumerate(lines) if i not in dropped]
        if _fits(kept):
            return "\n".join(kept)
    return hint


def render_page(lang: str, view: View, can_go_back: bool, page: int,
                hint: Label | None = None) -> tuple[str, int]:
    """The text of one page (clamped to the pages there are), with an optional hint above it."""
    pages = _layout(lang, view, can_go_back)
    page = max(0, min(page, len(pages) - 1))
    if hint is None or view.end:
        return "\n".join(t for t, _ in pages[page]), page
    return _with_hint(text_of(lang, hint), pages[page]), page
