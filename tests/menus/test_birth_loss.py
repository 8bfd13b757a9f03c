"""Over USSD, in both languages: "My baby is born" and the loss of a pregnancy or a child, from
"My registrations"; a resent hop records once and sends once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.health.conftest import ddmmyyyy, facilities, fresh, label, outbox, pick  # noqa: F401 (fixture)
from ussd_app.health import enrollment as enr
from ussd_app.health import outcomes
from ussd_app.health.birth_loss import SMS_LOST
from ussd_app.health.dates import today_in_mali
from ussd_app.menus.birth_loss import BIRTH_TOLD, TOO_OLD_BIRTH
from ussd_app.sms.optout import stopped_for
from ussd_app.sms.purposes import CAMPAIGNS, REQUESTED
from ussd_app.sms.reminder import PLANNED, Reminder
from ussd_app.subscribers import get_or_create
from ussd_app.text.i18n import LANGUAGES

pytestmark = pytest.mark.dates  # run again under shifted clocks (scripts/test)

PHONE = "+22376000060"


@pytest.fixture
def approved_pregnancy(db, facilities, clock):  # noqa: F811
    def make(lang: str) -> enr.Enrollment:
        get_or_create(db, PHONE, clock.now).language = lang
        key = "test:ussd-preg"
        e = enr.register(db, request_key=key, reference=enr.plan_reference(db, key), phone=PHONE,
                         language=lang, kind=enr.PREGNANCY, facility_id=facilities["BKO-C1-SOTUBA"].id,
                         now=clock.now, due_date=today_in_mali(clock.now) + timedelta(days=10))
        enr.approve(db, e.reference, now=clock.now)
        db.commit()
        return e
    return make


def open_registration(dial, lang, reference):
    d = fresh(dial(phone=PHONE), lang)
    pick(d, lang, "My registrations")
    return pick(d, lang, reference, raw=True)


def the_outcome(db, e):
    db.expire_all()
    return outcomes.for_enrollment(db, e.id)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_my_baby_is_born(dial, db, clock, approved_pregnancy, lang):
    e = approved_pregnancy(lang)
    today = today_in_mali(clock.now)
    d = open_registration(dial, lang, e.reference)
    pick(d, lang, "My baby is born")
    d.press(ddmmyyyy(today - timedelta(days=50)))
    assert label(lang, TOO_OLD_BIRTH)[:30] in d.screen  # older: registered as a child instead
    d.press(ddmmyyyy(today - timedelta(days=1)))
    pick(d, lang, "Boy")
    assert e.reference not in d.screen and (today - timedelta(days=1)).strftime("%d/%m/%Y") in d.screen
    pick(d, lang, "Confirm")
    assert label(lang, BIRTH_TOLD)[:40] in d.screen
    outcome = the_outcome(db, e)
    assert (outcome.kind, outcome.sex, outcome.channel, outcome.recorded_by) == \
        (outcomes.BORN, outcomes.BOY, outcomes.USSD, outcomes.MOTHER)
    child = db.get(enr.Enrollment, outcome.child_enrollment_id)
    assert child.status == enr.APPROVED and child.birth_date == today - timedelta(days=1)
    planned = db.scalars(select(Reminder).where(Reminder.source_ref == e.source_ref, Reminder.status == PLANNED)).all()
    assert planned == []  # no more antenatal reminders
    news = [m for m in outbox(db, phone=PHONE) if m.dedupe_key.startswith("outcome:")]
    assert len(news) == 1 and news[0].purpose == REQUESTED and news[0].language == lang
    # The registration now says the baby was born, and offers neither again.
    d = open_registration(dial, lang, e.reference)
    assert label(lang, "My baby is born") not in d.screen
    assert label(lang, "I lost my pregnancy or my baby") not in d.screen


@pytest.mark.parametrize("lang", LANGUAGES)
def test_i_lost_my_pregnancy(dial, db, clock, approved_pregnancy, lang):
    e = approved_pregnancy(lang)
    d = open_registration(dial, lang, e.reference)
    pick(d, lang, "I lost my pregnancy or my baby")
    pick(d, lang, "I lost my pregnancy")
    pick(d, lang, "No")  # no more general health information either
    assert the_outcome(db, e) is None  # nothing happens before she confirms
    pick(d, lang, "Confirm")
    assert d.ended and d.screen == label(lang, "These reminders have stopped. Take care of yourself. "
                                                "The centre is there for you.")
    outcome = the_outcome(db, e)
    assert (outcome.kind, outcome.reason_code, outcome.keep_information) == (outcomes.LOST, "miscarriage", False)
    assert CAMPAIGNS in stopped_for(db, PHONE)
    assert not db.scalars(select(Reminder).where(Reminder.phone == PHONE, Reminder.status == PLANNED)).all()
    kind = [m for m in outbox(db, phone=PHONE) if m.dedupe_key.startswith("outcome:")]
    assert len(kind) == 1 and kind[0].body == label(lang, SMS_LOST).replace("{centre}", e.facility.name)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_after_a_birth_the_child_can_be_lost_and_its_reasons_are_about_a_child(dial, db, clock,
                                                                                 approved_pregnancy, lang):
    e = approved_pregnancy(lang)
    d = open_registration(dial, lang, e.reference)
    pick(d, lang, "My baby is born")
    d.press(ddmmyyyy(today_in_mali(clock.now)))
    pick(d, lang, "I prefer not to say")
    pick(d, lang, "Confirm")
    child = db.get(enr.Enrollment, the_outcome(db, e).child_enrollment_id)
    d = open_registration(dial, lang, child.reference)
    pick(d, lang, "I lost my child")
    assert label(lang, "I lost my pregnancy") not in d.screen
    pick(d, lang, "My baby died")
    pick(d, lang, "Yes")
    pick(d, lang, "Confirm")
    lost = the_outcome(db, child)
    assert (lost.reason_code, lost.keep_information) == ("baby_died", True)
    assert not db.scalars(select(Reminder).where(Reminder.source_ref == child.source_ref,
                                                 Reminder.status == PLANNED)).all()
    assert CAMPAIGNS not in stopped_for(db, PHONE)


def test_a_resent_confirmation_records_once_and_sends_once(dial, db, clock, approved_pregnancy):
    e = approved_pregnancy("fr")
    d = open_registration(dial, "fr", e.reference)
    pick(d, "fr", "I lost my pregnancy or my baby")
    pick(d, "fr", "I prefer not to say")
    pick(d, "fr", "Yes")
    pick(d, "fr", "Confirm")
    first = d.answer
    assert d.resend() == first  # the gateway sent the hop again
    assert len(db.scalars(select(outcomes.Outcome)).all()) == 1
    assert len([m for m in outbox(db, phone=PHONE) if m.dedupe_key.startswith("outcome:")]) == 1


def test_cancel_at_the_confirmation_records_nothing(dial, db, clock, approved_pregnancy):
    e = approved_pregnancy("bm")
    d = open_registration(dial, "bm", e.reference)
    pick(d, "bm", "My baby is born")
    d.press(ddmmyyyy(today_in_mali(clock.now)))
    pick(d, "bm", "Girl")
    pick(d, "bm", "Cancel")
    assert the_outcome(db, e) is None and label("bm", "Main menu") in d.screen


@pytest.mark.parametrize("kind", [outcomes.BORN, outcomes.LOST])
def test_a_confirmation_replayed_after_redis_lost_the_session_records_once(dial, db, clock, redis_client,
                                                                           approved_pregnancy, kind):
    e = approved_pregnancy("fr")
    d = open_registration(dial, "fr", e.reference)
    if kind == outcomes.BORN:
        pick(d, "fr", "My baby is born")
        d.press(ddmmyyyy(today_in_mali(clock.now)))
        pick(d, "fr", "Girl")
    else:
        pick(d, "fr", "I lost my pregnancy or my baby")
        pick(d, "fr", "The baby was born without life")
        pick(d, "fr", "Yes")
    pick(d, "fr", "Confirm")
    first = d.answer
    redis_client.flushdb()  # sessions and the replay cache are gone: the hop is rebuilt from `text`
    assert d.resend() == first
    assert the_outcome(db, e).kind == kind
    children = db.scalars(select(enr.Enrollment).where(enr.Enrollment.kind == enr.CHILD)).all()
    assert len(children) == (1 if kind == outcomes.BORN else 0)
    assert len([m for m in outbox(db, phone=PHONE) if m.dedupe_key.startswith("outcome:")]) == 1
