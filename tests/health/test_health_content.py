"""What a midwife checks in the health topics: the postnatal contacts, the emergency pill's name,
danger signs that send a woman to care at once. The sources are in the catalog comments."""

import pytest

from tests.health.conftest import LANG_KEY, label, outbox, pick, read_all_pages
from ussd_app.health.topics import DANGER, EMERGENCY, POSTNATAL
from ussd_app.menus.health_info import SEND_BY_SMS
from ussd_app.text.gsm import is_gsm
from ussd_app.text.i18n import LANGUAGES, translate

pytestmark = pytest.mark.dates  # run again under shifted clocks (scripts/test)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_postnatal_care_is_read_on_the_handset_and_sent_in_two_sms_parts_at_most(dial, db, lang):
    d = dial(phone="+22376000020").press(LANG_KEY[lang])
    pick(d, lang, "Health information")
    pick(d, lang, POSTNATAL.title)
    text = " ".join(read_all_pages(d))
    # WHO 2022 Recommendation 44: day 1, day 2-3, days 7-14, week 6.
    for contact in ("1", "2-3", "7-14", "6"):
        assert f" {contact}" in text, (contact, text)
    assert outbox(db, "health_info") == []
    pick(d, lang, SEND_BY_SMS)
    [sms] = outbox(db, "health_info")
    assert label(lang, POSTNATAL.body) in sms.body and sms.parts <= 2 and is_gsm(sms.body)


def test_the_emergency_pill_is_not_called_a_next_day_pill():
    assert "urgence" in translate("fr", EMERGENCY.title).lower()
    assert "lendemain" not in translate("fr", EMERGENCY.body).lower()
    assert "sini" not in translate("bm", EMERGENCY.title).lower().split()
    # It does not protect against later sex: she is told to start a regular method.
    assert "later sex" in EMERGENCY.body and "regular method" in EMERGENCY.body
    assert "ne protège pas des rapports suivants" in translate("fr", EMERGENCY.body)


def test_any_fever_in_pregnancy_is_a_danger_sign_as_are_fainting_and_much_vomiting():
    signs = DANGER.body.split(": ", 1)[1]
    assert "fever," in signs and "fever with" not in signs
    assert "fainting" in signs and "vomiting a lot" in signs
    assert "évanouissement" in translate("fr", DANGER.body)
    assert "fièvre," in translate("fr", DANGER.body)
