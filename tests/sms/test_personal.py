"""Rows with a text of their own: claimed and recorded in batches, with the same guarantees as
one row at a time (holds, never sent twice once recorded, opt-outs, quiet hours)."""

from datetime import timedelta
from threading import Thread

from tests.conftest import TEST_NOW
from tests.sms.conftest import tomorrow_at
from ussd_app.sms import personal, send
from ussd_app.sms.batch import deliver_batch
from ussd_app.sms.optout import record_opt_out
from ussd_app.sms.outbox import queue_sms

AWA, BINTOU, COUMBA, DJENEBA = "+22376123456", "+22365123456", "+22390123456", "+22366123456"


def queued(db, *recipients, purpose="reminder"):
    ids = [queue_sms(db, recipient=r, language="fr", message=f"Rappel pour {r[-4:]}", kind="reminder",
                     purpose=purpose, dedupe_key=f"own:{r}", now=TEST_NOW).id for r in recipients]
    db.commit()
    return ids


def test_one_claim_takes_many_rows_for_requests_of_their_own(db, sms_rt, clock, outbox_row):
    ids = queued(db, AWA, BINTOU, COUMBA)
    claimed, counts = personal.claim_each(sms_rt, ids, clock.now)
    assert [c.id for c in claimed] == ids and not counts
    assert len({c.token for c in claimed}) == 1  # one transaction, one hold for all of them
    assert [c.body for c in claimed] == [f"Rappel pour {r[-4:]}" for r in (AWA, BINTOU, COUMBA)]
    rows = [outbox_row(i) for i in ids]
    assert {(r.status, r.attempts) for r in rows} == {("queued", 1)}
    assert all(r.locked_until > clock.now for r in rows)
    again, counts = personal.claim_each(sms_rt, ids, clock.now)  # held: nobody else takes them
    assert again == [] and counts == {"done, held or not due": 3}


def test_a_worker_killed_mid_batch_never_resends_what_it_recorded(db, sms_rt, fake_at, clock, outbox_row,
                                                                 dispatch_and_work):
    ids = queued(db, AWA, BINTOU, COUMBA, DJENEBA)
    claimed, _ = personal.claim_each(sms_rt, ids, clock.now)
    answers = [personal._send(sms_rt, c) for c in claimed[:2]]
    assert personal.record_each(sms_rt, answers) == {"sent": 2}
    # ... and the worker dies before sending the two others: their hold expires, they go once.
    clock.advance(seconds=send.hold_seconds(sms_rt.gateway, 1) + 1)
    dispatch_and_work()
    assert [outbox_row(i).status for i in ids] == ["sent"] * 4
    for number in (AWA, BINTOU, COUMBA, DJENEBA):
        assert fake_at.sent_to(number) == [f"Rappel pour {number[-4:]}"]
    assert [outbox_row(i).attempts for i in ids] == [1, 1, 2, 2]


def test_an_answer_is_not_written_on_a_row_another_worker_took(db, sms_rt, fake_at, clock, outbox_row):
    [outbox_id] = queued(db, AWA)
    [slow], _ = personal.claim_each(sms_rt, [outbox_id], clock.now)
    clock.advance(seconds=send.hold_seconds(sms_rt.gateway, 1) + 1)  # its hold ends ...
    [other], _ = personal.claim_each(sms_rt, [outbox_id], clock.now)  # ... and another worker claims
    assert personal.record_each(sms_rt, [(slow, [], "timed out")]) == {"lost hold": 1}
    row = outbox_row(outbox_id)
    assert row.lock_token == other.token and row.last_error is None


def test_opted_out_invalid_and_night_rows_are_closed_or_deferred_in_the_claim(db, sms_rt, clock, outbox_row):
    ids = queued(db, AWA, BINTOU, "+2237612", purpose="reminder")
    [receipt] = queued(db, COUMBA, purpose="receipt")
    record_opt_out(db, BINTOU, source="sms", now=TEST_NOW)
    db.commit()
    clock.set(tomorrow_at(22))
    claimed, counts = personal.claim_each(sms_rt, ids + [receipt], clock.now)
    assert [c.id for c in claimed] == [receipt]  # asked for: goes at night
    assert counts == {"deferred": 3}
    assert outbox_row(ids[0]).due_at == tomorrow_at(8) + timedelta(days=1)
    clock.set(tomorrow_at(9) + timedelta(days=1))
    claimed, counts = personal.claim_each(sms_rt, ids, clock.now)
    assert [c.id for c in claimed] == ids[:1]
    assert counts == {"not sent (opted out or invalid)": 2}
    assert [(outbox_row(i).status, outbox_row(i).last_error) for i in ids[1:]] == [
        ("rejected", "recipient opted out"), ("failed", "not an E.164 phone number")]


def test_a_job_of_personalised_rows_sends_each_once_with_two_jobs_at_once(db, sms_rt, fake_at, outbox_row):
    numbers = [f"+2237612{n:04d}" for n in range(40)]
    ids = queued(db, *numbers)
    fake_at.latency_s = 0.02
    jobs = [Thread(target=deliver_batch, args=(sms_rt, ids)) for _ in range(2)]
    for job in jobs:
        job.start()
    for job in jobs:
        job.join()
    assert {outbox_row(i).status for i in ids} == {"sent"}
    assert len(fake_at.requests) == 40
    assert all(len(fake_at.sent_to(n)) == 1 for n in numbers)
