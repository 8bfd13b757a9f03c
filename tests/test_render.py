"""The paginator on the real long screens (health topics) in both languages: pages end with a
sentence or a line, nothing is lost or repeated, options never stand alone, hints keep the text."""

from __future__ import annotations

import re

import pytest

from ussd_app.health.topics import ALL
from ussd_app.menus import registry
from ussd_app.menus.engine import NO_MORE
from ussd_app.menus.health_info import topic_screen_id
from ussd_app.menus.render import BACK, BODY_LIMIT, MORE, paginate, render_page, text_of
from ussd_app.menus.screens import INVALID_CHOICE, View
from ussd_app.text.i18n import LANGUAGES

SENTENCE_END = re.compile(r"(?<=[.!?]) +(?![a-zàäéèìòùüñ])")


class _Session:
    data: dict = {}

    def __init__(self, lang: str):
        self.lang = lang


def topic_view(lang: str, topic) -> View:
    return registry()[topic_screen_id(topic)].view(None, _Session(lang))


def footers(lang: str) -> set[str]:
    back, more = text_of(lang, BACK), text_of(lang, MORE)
    return {back, more, f"{more}  {back}"}


def split_page(lang: str, view: View, page: str) -> tuple[str, list[str]]:
    """(the body text on the page, its option lines); the footer is left out."""
    items = {text_of(lang, item) for item in view.items}
    lines = [line for line in page.splitlines() if line not in footers(lang)]
    return (" ".join(line for line in lines if line not in items),
            [line for line in lines if line in items])


TOPICS = [(lang, topic) for lang in LANGUAGES for topic in ALL]
IDS = [f"{lang}-{topic.key}" for lang, topic in TOPICS]


@pytest.mark.parametrize("lang, topic", TOPICS, ids=IDS)
def test_a_topic_reads_whole_and_in_order_across_its_pages(lang, topic):
    view = topic_view(lang, topic)
    pages = paginate(lang, view, can_go_back=True)
    assert all(len("CON " + page) <= 160 for page in pages)
    body = " ".join(split_page(lang, view, page)[0] for page in pages)
    assert body == text_of(lang, topic.body)


@pytest.mark.parametrize("lang, topic", TOPICS, ids=IDS)
def test_pages_break_between_sentences_unless_one_is_longer_than_a_page(lang, topic):
    view = topic_view(lang, topic)
    pages = paginate(lang, view, can_go_back=True)
    page_room = BODY_LIMIT - len(f"{text_of(lang, MORE)}  {text_of(lang, BACK)}") - 1
    longest = max(len(s) for s in SENTENCE_END.split(text_of(lang, topic.body)))
    for page in pages[:-1]:
        body, _ = split_page(lang, view, page)
        if longest <= page_room:
            assert body.endswith((".", "!", "?")), f"page ends mid-sentence:\n{page}"


@pytest.mark.parametrize("lang, topic", TOPICS, ids=IDS)
def test_the_options_come_with_text_above_them(lang, topic):
    view = topic_view(lang, topic)
    last_sentence = SENTENCE_END.split(text_of(lang, topic.body))[-1]
    fits_a_page = len(last_sentence) <= BODY_LIMIT - len(f"{text_of(lang, MORE)}  {text_of(lang, BACK)}") - 1
    for page in paginate(lang, view, can_go_back=True):
        body, options = split_page(lang, view, page)
        if options:  # the whole last sentence, or a long one's end, but never the options alone
            assert last_sentence in body if fits_a_page else body and last_sentence.endswith(body), page


@pytest.mark.parametrize("lang, topic", TOPICS, ids=IDS)
@pytest.mark.parametrize("hint", [INVALID_CHOICE, NO_MORE])
def test_a_hint_never_takes_the_place_of_the_text_or_the_options(lang, topic, hint):
    view = topic_view(lang, topic)
    pages = paginate(lang, view, can_go_back=True)
    for number, page in enumerate(pages):
        shown, _ = render_page(lang, view, True, number, hint)
        assert len("CON " + shown) <= 160
        body, options = split_page(lang, view, page)
        shown_lines = shown.splitlines()
        hint_shown = shown_lines[0] not in page.splitlines()
        shown_body, shown_options = split_page(lang, view, "\n".join(shown_lines[hint_shown:]))
        assert (shown_body, shown_options) == (body, options), shown
        if hint_shown:
            assert text_of(lang, hint).startswith(shown_lines[0])



def test_on_a_full_list_a_hint_keeps_the_title_and_the_first_options():
    from ussd_app.menus.screens import Raw

    names = tuple(Raw(f"{n:02d} Kadidiatou S.") for n in range(1, 16))
    view = View((Raw("Type her number, or the first letters of her name:"),), names)
    first_page = paginate("fr", view, can_go_back=True)[0]
    shown, _ = render_page("fr", view, True, 0, Raw("No name starts with these letters."))
    lines = shown.splitlines()
    assert lines[0] == "No name starts with these letters."
    assert lines[1] == "Type her number, or the first letters of her name:"
    assert 1 <= len(lines[2:]) < len(first_page.splitlines()) - 2
    assert "\n".join(lines[2:]) in first_page and len("CON " + shown) <= 160
