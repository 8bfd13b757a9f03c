"""The demo's placeholder recordings and its call: placed through the fake, played, in the outbox."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from ussd_app.demo import load_demo
from ussd_app.sms.demo import DEMO_MOTHER
from ussd_app.sms.dispatch import FRESH_GRACE_S
from ussd_app.sms.outbox import OutboxMessage
from ussd_app.voice.demo import queue_demo_call
from ussd_app.voice.fragments import all_keys
from ussd_app.voice.recordings import VoiceRecording


def test_demo_recordings_are_marked_placeholders_and_its_call_is_played(app, db, voice_rt, fake_at, clock,
                                                                       dispatch_and_work, rows_of):
    load_demo(app.extensions["db_sessions"], clock.now)
    load_demo(app.extensions["db_sessions"], clock.now)  # every start of `serve` loads it again
    recordings = db.scalars(select(VoiceRecording)).all()
    assert recordings and all(r.placeholder for r in recordings)
    wanted = {(k, lang) for k in all_keys() for lang in ("bm", "fr")}
    assert {(r.fragment_key, r.language) for r in recordings} >= wanted
    assert not any(voice_rt.storage.directory.glob("*"))  # generated when served, never written
    assert db.scalar(select(func.count()).select_from(OutboxMessage)) == 0  # loading queues nothing
    for _ in range(2):  # `serve --fake-gateway africastalking` queues one call, once
        assert queue_demo_call(app.extensions["db_sessions"], clock.now)
    assert db.scalar(select(func.count()).select_from(OutboxMessage).where(OutboxMessage.channel == "voice")) == 1
    clock.now += timedelta(seconds=FRESH_GRACE_S + 1)
    dispatch_and_work()
    [call] = fake_at.run_calls()
    assert call.to == DEMO_MOTHER and len(call.played) >= 8 and all(call.played_ok)
    [row] = [r for r in rows_of(DEMO_MOTHER) if r.channel == "voice"]
    assert row.status == "delivered" and row.call_duration_s > 0
