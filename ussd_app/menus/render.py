"""Turn a screen's view into the pages a handset shows: translated, GSM-7, within the limit."""

from __future__ import annotations

from dataclasses import dataclass

from ussd_app.menus.screens import Label, Numbered, Raw, View
from ussd_app.text.gsm import to_gsm
from ussd_app.text.i18n import N_, translate

# 182 characters is the gateway's hard limit; many handsets cut earlier, so 160 with "CON ".
SCREEN_LIMIT = 160
PREFIX_LEN = len("CON ")
BODY_LIMIT = SCREEN_LIMIT - PREFIX_LEN

BACK = N_("0 Back")
MORE = N_("98 More")


def text_of(lang: str, label: Label) -> str:
    if isinstance(label, Raw):
        return to_gsm(label.text)
    if isinstance(label, Numbered):
        return f"{label.number} {text_of(lang, label.label)}"
    return to_gsm(translate(lang, label))


@dataclass(frozen=True)
class Chunk:
    text: str
    is_item: bool


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


def _fits(lines: list[str]) -> bool:
    return len("\n".join(lines)) <= BODY_LIMIT


def paginate(lang: str, view: View, can_go_back: bool) -> list[str]:
    """Pages of a view. Every page but the last ends with "98 More"; option numbers stay global."""
    back = text_of(lang, BACK) if can_go_back and not view.end else None
    more = text_of(lang, MORE) + (f"  {back}" if back else "")
    last_footer = [back] if back else []
    width = BODY_LIMIT - len(more) - 1
    chunks: list[Chunk] = []
    for label in view.body:
        for paragraph in text_of(lang, label).split("\n"):
            chunks.extend(Chunk(piece, False) for piece in _wrap(paragraph, width))
    chunks.extend(Chunk(p, True) for label in view.items for p in _wrap(text_of(lang, label), width))
    if view.end:  # an END screen cannot page: the walk test keeps them short; cut as a last resort
        return ["\n".join(c.text for c in chunks)[:BODY_LIMIT]]
    pages: list[str] = []
    i = 0
    while i < len(chunks):
        rest = [c.text for c in chunks[i:]]
        if _fits(rest + last_footer):
            pages.append("\n".join(rest + last_footer))
            return pages
        page: list[str] = []
        while i < len(chunks) and _fits(page + [chunks[i].text, more]):
            page.append(chunks[i].text)
            i += 1
        pages.append("\n".join(page + [more]))
    if not pages:
        pages.append("\n".join(last_footer))
    return pages


def with_hint(lang: str, hint: Label, page: str) -> str:
    """Put a short hint above a page; if there is no room, it replaces the page's first line."""
    hint_text = text_of(lang, hint)
    combined = f"{hint_text}\n{page}"
    if len(combined) <= BODY_LIMIT:
        return combined
    rest = page.split("\n", 1)[1] if "\n" in page else ""
    return f"{hint_text}\n{rest}"[:BODY_LIMIT]
