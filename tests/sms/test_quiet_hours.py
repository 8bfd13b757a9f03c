"""Quiet hours hold only what she did not ask for: what she asked for this minute goes at once,
day or night (tested at 07:05 and 23:30 Bamako); reminders, campaigns and news wait for 08:00."""

from datetime import timedelta

import pytest

from tests.conftest import TEST_NOW
from tests.sms.conftest import bamako
from tests.sms.test_reminders_flow import choose
from ussd_app.sms.handoff import commit_and_enqueue
from ussd_app.sms.outbox import queue_sms

pytestmark = pytest.mark.dates  # run again under shifted clocks (scripts/test)

AWA = "+22376123456"
NIGHT_AND_EARLY_MORNING = [(7, 5), (23, 30)]


def at_bamako(clock, hour: int, minute: int):
    """A day after the test clock's start, at this Bamako time."""
    day = (TEST_NOW + timedelta(days=2)).date()
    clock.now = bamako(day.isoformat(), hour, minute)
    return day


@pytest.mark.parametrize("hour, minute", NIGHT_AND_EARLY_MORNING)
def test_health_information_asked_by_ussd_arrives_at_once(dial, db, sms_rt, fake_at, clock, work, hour, minute):
    at_bamako(clock, hour, minute)
    d = dial(phone=AWA).press("2")
    choose(d, "Informations santé")
    choose(d, "Méthodes de planification familiale")
    d.press("1")
    choose(d, "Me l'envoyer par SMS").sees("Le SMS devrait arriver dans quelques minutes")
    work()
    [message] = fake_at.sent_to(AWA)
    assert len(message) > 20


@pytest.mark.parametrize("hour, minute", NIGHT_AND_EARLY_MORNING)
def test_what_she_asked_for_goes_at_once_in_quiet_hours_reminders_wait(db, redis_client, sms_rt, fake_at, clock,
                                                                      work, dispatch_and_work, hour, minute):
    day = at_bamako(clock, hour, minute)
    for purpose in ("receipt", "requested", "reply", "notice", "reminder", "campaign"):
        queue_sms(db, recipient=AWA, language="fr", message=f"{purpose} text", kind=purpose, purpose=purpose,
                  dedupe_key=f"q:{purpose}", now=clock.now)
    commit_and_enqueue(db, redis_client)
    work()
    assert sorted(fake_at.sent_to(AWA)) == ["receipt text", "reply text", "requested text"]
    clock.advance(minutes=5)
    dispatch_and_work()  # the dispatcher keeps the night quiet too
    assert len(fake_at.sent_to(AWA)) == 3
    clock.now = bamako((day + timedelta(days=1 if hour >= 20 else 0)).isoformat(), 8)
    dispatch_and_work()
    assert sorted(fake_at.sent_to(AWA)) == ["campaign text", "notice text", "receipt text", "reminder text",
                                            "reply text", "requested text"]
