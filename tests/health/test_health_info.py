"""Health information topics: read on the handset, sent by SMS only when asked."""

import pytest

from tests.health.conftest import LANG_KEY, label, outbox, pick, read_all_pages
from ussd_app.health.topics import ALL, GENERAL, IMPLANT, METHODS, SMS_HEADING
from ussd_app.menus import registry
from ussd_app.menus.health_info import (
    SEND_BY_SMS,
    SENT_TEXT,
    topic_screen_id,
    topic_sms,
)
from ussd_app.menus.render import paginate
from ussd_app.sms.outbox import render_sms
from ussd_app.text.gsm import is_gsm, sms_size
from ussd_app.text.i18n import LANGUAGES

pytestmark = pytest.mark.dates  # run again under shifted clocks (scripts/test)


class _Session:
    data: dict = {}

    def __init__(self, lang):
        self.lang = lang


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("topic", ALL, ids=lambda t: t.key)
def test_each_topic_fits_three_pages(lang, topic):
    view = registry()[topic_screen_id(topic)].view(None, _Session(lang))
    pages = paginate(lang, view, can_go_back=True)
    assert 1 <= len(pages) <= 3, pages
    assert all(len("CON " + p) <= 160 and is_gsm(p) for p in pages)


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("topic", ALL, ids=lambda t: t.key)
def test_each_topic_sms_is_gsm7_in_at_most_two_parts_with_a_neutral_first_line(lang, topic):
    body = render_sms(lang, topic_sms(lang, topic))
    size = sms_size(body)
    assert size.encoding == "GSM-7" and size.parts <= 2, size
    first_line, _, rest = body.partition("\n")
    assert first_line == label(lang, SMS_HEADING)
    for method in METHODS:  # a locked screen shows the first line: it names no method
        assert label(lang, method.title).lower() not in first_line.lower()
    assert rest == label(lang, topic.body)


def _to_methods(d, lang):
    pick(d, lang, "Health information")
    return pick(d, lang, "Family planning methods")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_read_implant_then_ask_for_the_sms(dial, db, lang):
    d = dial(phone="+22376000010").press(LANG_KEY[lang])
    _to_methods(d, lang)
    pick(d, lang, IMPLANT.title)
    pages = read_all_pages(d)
    assert "3" in pages[0] and "5" in " ".join(pages)  # 3 to 5 years
    assert outbox(db, "health_info") == []  # reading sends nothing
    pick(d, lang, SEND_BY_SMS).sees(label(lang, SENT_TEXT))
    d.resend()  # the gateway repeats the hop: still one SMS
    [sms] = outbox(db, "health_info")
    assert sms.recipient == "+22376000010" and sms.language == lang
    assert sms.body.startswith(label(lang, SMS_HEADING) + "\n")
    assert label(lang, IMPLANT.body) in sms.body
    assert sms.parts <= 2 and is_gsm(sms.body)
    pick(d, lang, "Other topics").sees(label(lang, "Family planning methods"))


def test_every_topic_can_be_read_through_the_webhook(dial, db):
    d = dial(phone="+22376000011").press(LANG_KEY["fr"])
    pick(d, "fr", "Health information")
    for topic in GENERAL:
        pick(d, "fr", topic.title)
        pages = read_all_pages(d)
        assert len(pages) <= 3
        d.press("0")
        while label("fr", "Health information") not in d.screen:
            d.press("0")
    pick(d, "fr", "Family planning methods")
    for topic in METHODS:
        pick(d, "fr", topic.title)
        assert len(read_all_pages(d)) <= 3
        while label("fr", "Family planning methods") not in d.screen.split("\n")[0]:
            d.press("0")
    assert outbox(db, "health_info") == []


def test_two_requests_in_two_sessions_send_two_sms(dial, db):
    for _ in range(2):
        d = dial(phone="+22376000012")
        if d.screen.startswith("I ka kan sugandi"):
            d.press(LANG_KEY["fr"])
        pick(d, "fr", "Health information")
        pick(d, "fr", "Danger signs in pregnancy")
        read_all_pages(d)
        pick(d, "fr", SEND_BY_SMS)
    assert len(outbox(db, "health_info")) == 2
