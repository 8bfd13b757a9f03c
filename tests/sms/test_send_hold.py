"""A worker's hold on the rows it sends: as short as the gateway allows, and never outlived.

What cannot be promised: a worker killed after the gateway took its request and before it wrote
the answer down leaves rows that look unsent; they go once more after the hold (README, Security).
"""

import math
from datetime import timedelta

from tests.conftest import TEST_NOW
from ussd_app.sms import send
from ussd_app.sms.outbox import queue_sms

AWA, BINTOU = "+22376123456", "+22365123456"
TEXT = "Rappel : visite au CSCom Sotuba."


def queued(db, *recipients):
    ids = [queue_sms(db, recipient=r, language="fr", message=TEXT, kind="reminder", purpose="reminder", dedupe_key=f"hold:{r}",
                     now=TEST_NOW).id for r in recipients]
    db.commit()
    return ids


def test_a_dead_workers_rows_are_free_once_a_live_worker_would_have_recorded(db, sms_rt, fake_at, clock, outbox_row):
    [outbox_id] = queued(db, AWA)
    claim = send._claim(sms_rt, outbox_id, clock.now)  # a worker claims the row ... and dies
    assert claim.state == "claimed"
    longest_live_send = math.ceil(sms_rt.gateway.longest_send_s(1)) + send.RECORD_BUDGET_S
    clock.advance(seconds=longest_live_send - 1)
    assert send.deliver(sms_rt, outbox_id) == "held=1"  # it might still be alive
    clock.advance(seconds=2)
    assert send.deliver(sms_rt, outbox_id) == "sent=1"
    assert fake_at.sent_to(AWA) == [TEXT] and outbox_row(outbox_id).attempts == 2


def test_a_worker_that_waited_past_its_hold_never_sends_rows_another_worker_took(db, sms_rt, fake_at, clock,
                                                                                outbox_row, monkeypatch):
    ids = queued(db, AWA, BINTOU)
    real_take, waited = send.TokenBucket.take, []

    def slow_take(bucket, count=1, sleep=None):
        if not waited:  # the first worker waits for the rate limit longer than its hold ...
            waited.append(count)
            clock.advance(seconds=send.hold_seconds(sms_rt.gateway, 1) + 1)
            assert send.deliver(sms_rt, ids[0]) == "sent=2"  # ... and a second worker sends its rows
        return real_take(bucket, count)

    monkeypatch.setattr(send.TokenBucket, "take", slow_take)
    assert send.deliver(sms_rt, ids[0]) == "held=1"
    assert waited == [2]
    assert fake_at.sent_to(AWA) == [TEXT] and fake_at.sent_to(BINTOU) == [TEXT]  # once each
    assert [outbox_row(i).status for i in ids] == ["sent", "sent"]
