"""Whole calls through the real SDK against the fake Africa's Talking: the call is placed by the
job, the fake answers, fetches the recordings, presses keys, ends the call; the outbox records it."""

from __future__ import annotations

import pytest

from tests.voice.conftest import AWA, VOICE_TOKEN
from ussd_app.subscribers import find_by_phone

pytestmark = pytest.mark.dates


def media_keys(call) -> list[str]:
    return [url.rsplit("/", 1)[1] for url in call.played]


def test_an_answered_call_plays_her_message_then_the_menu(voice_rt, fake_at, reminder, record, rows_of,
                                                          dispatch_and_work, db):
    r = reminder()
    record(r)
    dispatch_and_work()
    [row] = rows_of()
    assert (row.channel, row.status, row.call_state) == ("voice", "sent", "placed")
    [call] = fake_at.run_calls()
    assert call.to == AWA and call.caller == voice_rt.gateway.voice_number
    assert all(call.played_ok) and not call.rejected
    played = media_keys(call)
    # intro, weekday, month, day, "at", the centre, outro; then the menu prompt, then goodbye
    assert [k.split("-", 1)[1].rsplit("-", 1)[0] for k in played] == [
        "intro-immunization", f"weekday-{r.visit_date.weekday()}", f"month-{r.visit_date.month}",
        f"day-{r.visit_date.day}", "word-at", "facility-cscom-sabalibougou", "outro-immunization",
        "menu-repeat-or-stop", "menu-goodbye"]
    [row] = rows_of()
    assert row.status == "delivered" and row.call_duration_s > 0 and row.cost == "XOF 60.0000"
    assert fake_at.sent_to(AWA) == []  # no SMS: she heard it


def test_pressing_1_plays_the_message_again(voice_rt, fake_at, reminder, record, rows_of, dispatch_and_work):
    record(reminder())
    fake_at.plan_call(AWA, "answered", digits=["1"])
    dispatch_and_work()
    [call] = fake_at.run_calls()
    played = media_keys(call)
    assert len(played) == 2 * 7 + 2 + 1  # message and prompt twice, goodbye once
    assert played[:8] == played[8:16]
    assert rows_of()[0].status == "delivered"


@pytest.mark.parametrize("channel", ["voice", "both"])
def test_pressing_2_stops_calls_and_her_messages_come_by_sms(channel, voice_rt, fake_at, reminder, record,
                                                            rows_of, dispatch_and_work, db, clock):
    record(reminder(channel=channel))
    fake_at.plan_call(AWA, "answered", digits=["2"])
    dispatch_and_work()
    [call] = fake_at.run_calls()
    assert media_keys(call)[-1].startswith("bm-menu-stopped-")
    db.expire_all()
    assert find_by_phone(db, AWA).calls_stopped_at == clock.now
    assert len(fake_at.sent_to(AWA)) == (1 if channel == "both" else 0)
    reminder(channel=channel, ref="enrollment:V2")  # the next reminder
    dispatch_and_work()
    assert len(fake_at.calls_to(AWA)) == 1  # no more calls
    assert len(fake_at.sent_to(AWA)) == (2 if channel == "both" else 1)
    assert [r.channel for r in rows_of()][-1] == "sms"


def test_a_message_without_its_recordings_goes_by_sms(voice_rt, fake_at, reminder, record, rows_of,
                                                      dispatch_and_work):
    record(reminder(), skip=["facility.cscom-sabalibougou"])
    dispatch_and_work()
    assert fake_at.calls == []
    [row] = rows_of()
    assert row.channel == "sms" and row.status == "sent"
    assert len(fake_at.sent_to(AWA)) == 1


def test_an_unknown_session_is_refused_politely(voice_rt, served, fake_at):
    import requests

    answer = requests.post(f"{served}/voice/callback?token={VOICE_TOKEN}",
                           data={"sessionId": "ATVId_unknown", "isActive": "1", "callerNumber": AWA,
                                 "direction": "Outbound"}, timeout=5)
    assert answer.status_code == 200 and "<Reject/>" in answer.text
    refused = requests.post(f"{served}/voice/callback?token=wrong", data={"sessionId": "x"}, timeout=5)
    assert refused.status_code == 403
