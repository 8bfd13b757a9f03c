"""Calls whose end event is lost: the dispatcher's sweep closes them after CALL_END_TIMEOUT as a
no-answer end would (next try, then the SMS), and a late end changes nothing after it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from tests.conftest import TEST_NOW
from tests.voice.conftest import AWA
from ussd_app.voice.calls import RETRY_DELAYS, TRIES
from ussd_app.voice.sweep import CALL_END_TIMEOUT, close_unended_calls

pytestmark = pytest.mark.dates


def states(rows) -> list[tuple]:
    return [(r.channel, r.call_try, r.status) for r in rows]


def place_lost(fake_at, dispatch_and_work, outcome="no answer"):
    """One call placed and played by the fake, its end lost on the way."""
    fake_at.plan_call(AWA, outcome, end_event=False)
    dispatch_and_work()
    [call] = fake_at.run_calls()
    assert call.lost_end is not None
    return call


def test_a_call_without_its_end_stays_placed_until_the_timeout(voice_rt, fake_at, reminder, record, rows_of,
                                                                dispatch_and_work, clock):
    record(reminder())
    place_lost(fake_at, dispatch_and_work)
    clock.now += CALL_END_TIMEOUT - timedelta(seconds=30)
    dispatch_and_work()
    assert states(rows_of()) == [("voice", 1, "sent")]
    clock.now += timedelta(minutes=1)
    dispatch_and_work()
    rows = rows_of()
    assert states(rows) == [("voice", 1, "failed"), ("voice", 2, "pending")]
    assert rows[0].last_error == "call not answered: NO_END_EVENT"
    assert rows[1].due_at == clock.now + RETRY_DELAYS[0]
    assert fake_at.sent_to(AWA) == []


def test_a_late_end_after_the_sweep_places_no_other_call(voice_rt, fake_at, reminder, record, rows_of,
                                                        dispatch_and_work, clock):
    record(reminder())
    place_lost(fake_at, dispatch_and_work)
    clock.now += CALL_END_TIMEOUT + timedelta(minutes=1)
    dispatch_and_work()
    assert [c.session_id for c in fake_at.send_lost_ends()]  # the gateway's end, late
    dispatch_and_work()
    assert states(rows_of()) == [("voice", 1, "failed"), ("voice", 2, "pending")]
    clock.now += RETRY_DELAYS[0]
    fake_at.plan_call(AWA, "answered")
    dispatch_and_work()
    fake_at.run_calls()
    assert states(rows_of()) == [("voice", 1, "failed"), ("voice", 2, "delivered")]
    assert len(fake_at.calls_to(AWA)) == 2 and fake_at.sent_to(AWA) == []


@pytest.mark.parametrize("late", ["no answer", "answered"])
def test_three_lost_ends_give_one_sms_whatever_comes_late(late, voice_rt, fake_at, reminder, record, rows_of,
                                                          dispatch_and_work, clock):
    record(reminder())
    calls = []
    for try_ in range(TRIES):
        if try_:
            clock.now += RETRY_DELAYS[try_ - 1]
        calls.append(place_lost(fake_at, dispatch_and_work, late))
        clock.now += CALL_END_TIMEOUT + timedelta(minutes=1)
        dispatch_and_work()
        if late == "answered":  # she heard it: delivered, no other try
            break
    fake_at.send_lost_ends()
    dispatch_and_work()
    clock.now += timedelta(hours=6)
    dispatch_and_work()
    if late == "answered":
        assert states(rows_of()) == [("voice", 1, "delivered")]
        assert fake_at.sent_to(AWA) == []
    else:
        assert states(rows_of()) == [("voice", 1, "failed"), ("voice", 2, "failed"), ("voice", 3, "failed"),
                                     ("sms", None, "sent")]
        assert len(fake_at.sent_to(AWA)) == 1
    assert len(fake_at.calls_to(AWA)) == len(calls)


def test_an_end_that_came_in_time_is_not_swept(voice_rt, fake_at, reminder, record, rows_of, dispatch_and_work,
                                              clock, sms_rt):
    record(reminder())
    fake_at.plan_call(AWA, "busy")
    dispatch_and_work()
    fake_at.run_calls()
    before = [(r.id, r.status, r.last_error, r.updated_at) for r in rows_of()]
    clock.now += CALL_END_TIMEOUT * 2
    with sms_rt.session_factory() as sweep, sweep.begin():
        assert close_unended_calls(sweep, clock.now, voice_rt.settings) == 0
    assert [(r.id, r.status, r.last_error, r.updated_at) for r in rows_of()] == before


def test_a_call_its_end_is_closing_is_skipped_by_the_sweep(voice_rt, fake_at, reminder, record, rows_of,
                                                           dispatch_and_work, clock, db, sms_rt):
    """The events callback holds the row (FOR UPDATE) while it closes it: a sweep at that
    moment skips the row and, once the callback commits, finds nothing to do."""
    from sqlalchemy import select

    from ussd_app.sms.outbox import OutboxMessage
    from ussd_app.voice.calls import end_of_call

    if db.get_bind().dialect.name != "postgresql":
        pytest.skip("row locks: PostgreSQL (SQLite locks the whole database)")
    record(reminder())
    place_lost(fake_at, dispatch_and_work)
    clock.now += CALL_END_TIMEOUT + timedelta(minutes=1)
    [row_id] = [r.id for r in rows_of()]
    with sms_rt.session_factory() as callback, callback.begin():
        row = callback.scalar(select(OutboxMessage).where(OutboxMessage.id == row_id).with_for_update())
        with sms_rt.session_factory() as sweep, sweep.begin():
            assert close_unended_calls(sweep, clock.now, voice_rt.settings) == 0
        end_of_call(callback, row, answered=False, status="NotAnswered", cause="USER_BUSY", duration_s=0,
                    cost=None, now=clock.now, settings=voice_rt.settings)
    with sms_rt.session_factory() as sweep, sweep.begin():
        assert close_unended_calls(sweep, clock.now, voice_rt.settings) == 0
    rows = rows_of()
    assert states(rows) == [("voice", 1, "failed"), ("voice", 2, "pending")]
    assert rows[0].last_error == "call not answered: USER_BUSY"


@hypothesis_settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(events=st.lists(st.one_of(st.just("sweep"), st.tuples(st.integers(1, 3), st.sampled_from(
    [("Success", None), ("NotAnswered", "NO_ANSWER"), ("Failed", "UNSPECIFIED")]))), max_size=10))
def test_sweeps_and_late_ends_in_any_order_never_give_more_than_three_calls_and_one_sms(app, events):
    """Every call placed as soon as it is queued; sweeps (past the timeout) and end events,
    late or resent, in any order: at most three tries, at most one SMS, final statuses kept."""
    from sqlalchemy import delete, select

    from ussd_app.sms.outbox import FINAL, OutboxMessage
    from ussd_app.sms.outbox_calls import hold_call, mark_call_placed, mark_call_placing, queue_call
    from ussd_app.voice.calls import end_of_call

    settings_ = app.extensions["ussd_settings"]
    now = TEST_NOW

    def place_new(db):
        for row in db.scalars(select(OutboxMessage).where(OutboxMessage.status == "pending",
                                                          OutboxMessage.channel == "voice")):
            hold_call(row, "t", now, now)
            mark_call_placing(row, now, now)
            mark_call_placed(row, f"ATVId_{row.id}", now)

    with app.extensions["db_sessions"]() as db:
        db.execute(delete(OutboxMessage))
        queue_call(db, recipient=AWA, language="bm", message="Hakililajigi", script=["menu.goodbye"],
                   kind="reminder", purpose="reminder", dedupe_key="reminder:9:call1", now=now)
        place_new(db)
        db.commit()
        finals = {}
        for event in events:
            if event == "sweep":
                now += CALL_END_TIMEOUT + timedelta(minutes=1)
                close_unended_calls(db, now, settings_)
            else:
                call_try, (status, cause) = event
                row = db.scalar(select(OutboxMessage).where(OutboxMessage.dedupe_key == f"reminder:9:call{call_try}"))
                if row is None:
                    continue
                end_of_call(db, row, answered=status == "Success", status=status, cause=cause, duration_s=0,
                            cost=None, now=now, settings=settings_)
            place_new(db)
            db.commit()
            for r in db.scalars(select(OutboxMessage)):
                if r.status in FINAL:
                    assert finals.setdefault(r.id, r.status) == r.status
        channels = [r.channel for r in db.scalars(select(OutboxMessage))]
        assert channels.count("voice") <= 3 and channels.count("sms") <= 1
