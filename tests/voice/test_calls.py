"""Whole calls through the real SDK against the fake Africa's Talking: the call is placed by the
job, the fake answers, fetches the recordings, presses keys, ends the call; the outbox records it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from sqlalchemy import select

from tests.conftest import TEST_NOW
from tests.sms.conftest import bamako
from tests.voice.conftest import AWA, VOICE_TOKEN
from ussd_app.sms.outbox import OutboxMessage
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


def test_no_answer_then_busy_then_no_answer_sends_the_sms(voice_rt, fake_at, reminder, record, rows_of,
                                                          dispatch_and_work, clock):
    from ussd_app.voice.calls import RETRY_DELAYS

    record(reminder())
    for outcome in ("no answer", "busy", "no answer"):
        fake_at.plan_call(AWA, outcome)
    placed_at = []
    for delay in (None, *RETRY_DELAYS):
        if delay is not None:
            clock.now = clock.now + delay - timedelta(minutes=1)
            dispatch_and_work()  # not due yet
            assert len(fake_at.calls_to(AWA)) == len(placed_at)
            clock.now += timedelta(minutes=1)
        dispatch_and_work()
        placed_at.append(clock.now)
        assert len(fake_at.run_calls()) == 1
        assert fake_at.sent_to(AWA) == [] or delay == RETRY_DELAYS[-1]
    dispatch_and_work()
    rows = rows_of()
    assert [(r.channel, r.call_try, r.status) for r in rows] == [
        ("voice", 1, "failed"), ("voice", 2, "failed"), ("voice", 3, "failed"), ("sms", None, "sent")]
    assert [r.last_error for r in rows[:3]] == ["call not answered: NO_ANSWER", "call not answered: USER_BUSY",
                                               "call not answered: NO_ANSWER"]
    assert len(fake_at.sent_to(AWA)) == 1 and len(fake_at.calls_to(AWA)) == 3
    assert placed_at[1] - placed_at[0] < placed_at[2] - placed_at[1]  # increasing intervals


def test_a_failed_call_sends_the_sms_at_once(voice_rt, fake_at, reminder, record, rows_of, dispatch_and_work):
    record(reminder())
    fake_at.plan_call(AWA, "failed")
    dispatch_and_work()
    fake_at.run_calls()
    dispatch_and_work()
    assert [(r.channel, r.status) for r in rows_of()] == [("voice", "failed"), ("sms", "sent")]


def test_calls_wait_out_the_quiet_hours_and_so_do_their_retries(voice_rt, fake_at, reminder, record, rows_of,
                                                                 dispatch_and_work, clock):
    day = clock.now.date()
    clock.now = bamako(day.isoformat(), 21)
    record(reminder())
    dispatch_and_work()
    assert fake_at.calls == []
    # A job that reaches the row at night (enqueued before 20:00, say) defers it too.
    from ussd_app.voice.calls import run_call

    assert run_call(voice_rt, rows_of()[0].id) == "deferred"
    assert rows_of()[0].due_at == bamako((day + timedelta(days=1)).isoformat(), 8)
    clock.now = bamako((day + timedelta(days=1)).isoformat(), 19, 45)
    fake_at.plan_call(AWA, "no answer")
    dispatch_and_work()
    assert len(fake_at.run_calls()) == 1
    [_, retry] = rows_of()
    assert retry.call_try == 2 and retry.due_at == bamako((day + timedelta(days=2)).isoformat(), 8)


def test_a_resent_callback_acts_once(voice_rt, fake_at, reminder, record, rows_of, dispatch_and_work, served):
    import requests

    record(reminder())
    fake_at.plan_call(AWA, "no answer")
    dispatch_and_work()
    [call] = fake_at.run_calls()
    end = {"sessionId": call.session_id, "isActive": "0", "direction": "Outbound", "callerNumber": AWA,
           "status": "NotAnswered", "hangupCause": "NO_ANSWER", "durationInSeconds": "0"}
    for _ in range(2):
        assert requests.post(fake_at.voice_events_url, data=end, timeout=5).status_code == 200
    assert [r.call_try for r in rows_of()] == [1, 2]
    answer = dict(end, isActive="1")
    answer.pop("status"), answer.pop("hangupCause")
    replay = requests.post(fake_at.voice_callback_url, data=answer, timeout=5)
    assert "<Reject/>" in replay.text  # the call ended: a replayed answer plays nothing


def test_a_replayed_answer_during_the_call_is_hung_up(voice_rt, fake_at, reminder, record, dispatch_and_work):
    import requests

    record(reminder())
    dispatch_and_work()
    [call] = fake_at.calls
    answer = {"sessionId": call.session_id, "isActive": "1", "direction": "Outbound", "callerNumber": AWA}
    first = requests.post(fake_at.voice_callback_url, data=answer, timeout=5)
    again = requests.post(fake_at.voice_callback_url, data=answer, timeout=5)
    assert "<Play" in first.text and "<Reject/>" in again.text


class WorkerKilled(BaseException):
    """Stands for SIGKILL: nothing after it runs (BaseException: no handler catches it)."""


def test_a_worker_killed_after_its_request_never_places_the_call_twice(voice_rt, fake_at, reminder, record,
                                                                       rows_of, dispatch_and_work, clock,
                                                                       monkeypatch):
    from ussd_app.voice import calls

    record(reminder())
    monkeypatch.setattr(calls, "record_request", lambda *a, **k: (_ for _ in ()).throw(WorkerKilled()))
    from ussd_app.sms.dispatch import run_dispatch
    from ussd_app.voice.calls import run_call

    run_dispatch(voice_rt.sms)
    with pytest.raises(WorkerKilled):
        run_call(voice_rt, rows_of()[0].id)
    monkeypatch.undo()
    assert len(fake_at.calls) == 1 and rows_of()[0].call_state == "placing"
    [call] = fake_at.run_calls()  # she answers: the answer callback adopts the call
    assert all(call.played_ok) and not call.rejected
    clock.now += timedelta(minutes=30)
    dispatch_and_work()
    assert len(fake_at.calls) == 1
    assert [(r.channel, r.status) for r in rows_of()] == [("voice", "delivered")]
    assert fake_at.sent_to(AWA) == []


def test_a_worker_killed_before_an_answer_gives_the_sms_not_a_second_call(voice_rt, fake_at, reminder, record,
                                                                          rows_of, dispatch_and_work, clock,
                                                                          monkeypatch):
    from ussd_app.sms.dispatch import run_dispatch
    from ussd_app.voice.calls import run_call

    record(reminder())
    monkeypatch.setattr(voice_rt.gateway, "call", lambda phone: (_ for _ in ()).throw(WorkerKilled()))
    run_dispatch(voice_rt.sms)
    with pytest.raises(WorkerKilled):
        run_call(voice_rt, rows_of()[0].id)
    monkeypatch.undo()
    dispatch_and_work()  # held: nothing yet
    assert fake_at.calls == [] and len(rows_of()) == 1
    clock.now += timedelta(minutes=10)  # the hold is over: the dispatcher hands the row out again
    dispatch_and_work()
    dispatch_and_work()
    assert fake_at.calls == []
    assert [(r.channel, r.status) for r in rows_of()] == [("voice", "failed"), ("sms", "sent")]
    assert len(fake_at.sent_to(AWA)) == 1


def test_a_job_run_twice_places_one_call(voice_rt, fake_at, reminder, record, rows_of, dispatch_and_work):
    from ussd_app.voice.calls import run_call

    record(reminder())
    dispatch_and_work()
    assert run_call(voice_rt, rows_of()[0].id) == "done"
    assert len(fake_at.calls) == 1


@hypothesis_settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(events=st.lists(st.tuples(st.integers(1, 3), st.sampled_from(
    [("Success", None), ("NotAnswered", "NO_ANSWER"), ("NotAnswered", "USER_BUSY"), ("Failed", "UNSPECIFIED")])),
    max_size=10))
def test_end_events_in_any_order_and_number_never_give_more_than_three_calls_and_one_sms(app, events):
    """Resent, late or contradictory end events: at most three tries, at most one SMS, and a
    call's final status never changes."""
    from sqlalchemy import delete

    from ussd_app.sms.outbox import FINAL
    from ussd_app.sms.outbox_calls import queue_call
    from ussd_app.voice.calls import end_of_call

    settings_ = app.extensions["ussd_settings"]
    now = TEST_NOW
    with app.extensions["db_sessions"]() as db:
        db.execute(delete(OutboxMessage))
        queue_call(db, recipient=AWA, language="bm", message="Hakililajigi", script=["menu.goodbye"],
                   kind="reminder", purpose="reminder", dedupe_key="reminder:9:call1", now=now)
        db.commit()
        finals = {}
        for call_try, (status, cause) in events:
            row = db.scalar(select(OutboxMessage).where(OutboxMessage.dedupe_key == f"reminder:9:call{call_try}"))
            if row is None:
                continue
            end_of_call(db, row, answered=status == "Success", status=status, cause=cause, duration_s=0,
                        cost=None, now=now, settings=settings_)
            db.commit()
            for r in db.scalars(select(OutboxMessage)):
                if r.status in FINAL:
                    assert finals.setdefault(r.id, r.status) == r.status
        channels = [r.channel for r in db.scalars(select(OutboxMessage))]
        assert channels.count("voice") <= 3 and channels.count("sms") <= 1


def test_a_call_to_someone_who_stopped_her_reminders_meanwhile_is_not_placed(voice_rt, fake_at, reminder, record,
                                                                              rows_of, db, clock, work):
    from ussd_app.sms.dispatch import run_dispatch
    from ussd_app.sms.optout import record_opt_out
    from ussd_app.sms.purposes import HEALTH

    record(reminder())
    run_dispatch(voice_rt.sms)  # queued and handed to RQ; she stops her reminders before a worker runs
    record_opt_out(db, AWA, source="ussd", now=clock.now, categories=HEALTH)
    db.commit()
    work()
    assert fake_at.calls == [] and fake_at.requests == []
    assert [(r.channel, r.status, r.last_error) for r in rows_of()] == [("voice", "rejected", "recipient opted out")]


def test_an_event_during_the_call_changes_nothing(voice_rt, fake_at, reminder, record, rows_of, dispatch_and_work):
    import requests

    record(reminder())
    dispatch_and_work()
    [call] = fake_at.calls
    ringing = {"sessionId": call.session_id, "isActive": "1", "direction": "Outbound", "callerNumber": AWA,
               "callSessionState": "Ringing"}
    answer = requests.post(fake_at.voice_events_url, data=ringing, timeout=5)
    assert answer.status_code == 200 and "<Play" not in answer.text
    assert rows_of()[0].call_state == "placed"
    [played] = fake_at.run_calls()  # the answer callback still plays the message
    assert played.played and not played.rejected
