"""Sending through real RQ workers, the real SDK and the local fake API: every failure mode
ends with each message in a final state, none lost and none sent twice."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.conftest import TEST_NOW
from tests.sms.conftest import API_KEY, tomorrow_at
from ussd_app.sms import send
from ussd_app.sms.dispatch import REQUEUE_AFTER_S, run_dispatch
from ussd_app.sms.gateways.africastalking import AfricasTalkingGateway
from ussd_app.sms.handoff import commit_and_enqueue, enqueue_outbox
from ussd_app.sms.outbox import OutboxMessage, queue_sms
from ussd_app.sms.rate_limit import TokenBucket
from ussd_app.subscribers import Subscriber

AWA, BINTOU, COUMBA = "+22376123456", "+22365123456", "+22390123456"


def queue(db, redis_client, *recipients, text="Rappel : visite au CSCom Sotuba.", kind="reminder", purpose="reminder",
          key="k"):
    ids = [queue_sms(db, recipient=r, language="fr", message=text, kind=kind, purpose=purpose, dedupe_key=f"{key}:{r}",
                     now=TEST_NOW).id
           for r in recipients]
    commit_and_enqueue(db, redis_client)
    return ids


def test_same_text_goes_in_one_request_and_each_row_is_sent(db, redis_client, sms_rt, fake_at, work, outbox_row):
    ids = queue(db, redis_client, AWA, BINTOU, COUMBA)
    work()
    assert len(fake_at.requests) == 1
    assert fake_at.requests[0]["to"].split(",") == [AWA, BINTOU, COUMBA]
    assert fake_at.requests[0]["from"] == "SANTE"
    for outbox_id in ids:
        row = outbox_row(outbox_id)
        assert row.status == "sent" and row.attempts == 1
        assert row.provider_message_id.startswith("ATXid_") and row.cost == "XOF 25.0000"


def test_server_errors_are_retried_with_backoff_then_sent(db, redis_client, sms_rt, fake_at, work, clock,
                                                         dispatch_and_work, outbox_row):
    fake_at.fail_next(2, status=500)
    [outbox_id] = queue(db, redis_client, AWA)
    work()
    row = outbox_row(outbox_id)
    assert (row.status, row.attempts) == ("queued", 1)
    first_delay = (row.due_at - clock.now).total_seconds()
    assert send.BACKOFF_BASE_S / 2 <= first_delay <= send.BACKOFF_BASE_S
    dispatch_and_work()  # not due yet: nothing happens
    assert len(fake_at.requests) == 0 and outbox_row(outbox_id).attempts == 1
    clock.now = row.due_at + timedelta(seconds=1)
    dispatch_and_work()
    row = outbox_row(outbox_id)
    assert (row.status, row.attempts) == ("queued", 2)
    assert send.BACKOFF_BASE_S <= (row.due_at - clock.now).total_seconds() <= 2 * send.BACKOFF_BASE_S
    clock.now = row.due_at + timedelta(seconds=1)
    dispatch_and_work()
    row = outbox_row(outbox_id)
    assert (row.status, row.attempts) == ("sent", 3)
    assert fake_at.sent_to(AWA) == ["Rappel : visite au CSCom Sotuba."]


def test_retries_stop_after_four_attempts(db, redis_client, sms_rt, fake_at, work, clock, dispatch_and_work,
                                          outbox_row):
    fake_at.fail_next(10, status=502)
    [outbox_id] = queue(db, redis_client, AWA)
    work()
    for _ in range(10):
        clock.advance(seconds=send.BACKOFF_CAP_S + 1)
        dispatch_and_work()
    row = outbox_row(outbox_id)
    assert row.status == "failed" and row.attempts == send.MAX_ATTEMPTS
    assert "gave up after 4 attempts" in row.last_error
    assert len(fake_at.requests) == 0  # the fake records only requests it answered


def test_backoff_is_capped_and_jittered():
    delays = [send.backoff_seconds(n) for n in range(1, 12)]
    assert all(d <= send.BACKOFF_CAP_S for d in delays)
    assert send.backoff_seconds(20) >= send.BACKOFF_CAP_S / 2
    assert len({round(send.backoff_seconds(3), 3) for _ in range(20)}) > 1


def test_timeouts_and_refused_connections_are_retried(db, redis_client, sms_rt, fake_at, work, clock,
                                                      dispatch_and_work, outbox_row):
    fake_at.hang_next(1, seconds=1.5)  # longer than the SDK's read timeout here
    [outbox_id] = queue(db, redis_client, AWA)
    work()
    row = outbox_row(outbox_id)
    assert row.status == "queued" and "unreachable" in row.last_error
    # The gateway address stops answering at all: connection refused, retried again.
    sms_rt.gateway = AfricasTalkingGateway("sandbox", API_KEY, base_url="http://127.0.0.1:9", timeout=(0.5, 0.5))
    clock.now = row.due_at + timedelta(seconds=1)
    dispatch_and_work()
    row = outbox_row(outbox_id)
    assert (row.status, row.attempts) == ("queued", 2) and "ConnectionError" in row.last_error
    sms_rt.gateway = AfricasTalkingGateway("sandbox", API_KEY, base_url=fake_at.url, timeout=(0.5, 0.5))
    clock.now = row.due_at + timedelta(seconds=1)
    dispatch_and_work()
    assert outbox_row(outbox_id).status == "sent"
    assert len(fake_at.sent_to(AWA)) == 1


@pytest.mark.parametrize("code", [401, 403, 404, 407])
def test_permanent_errors_fail_at_once(code, db, redis_client, sms_rt, fake_at, work, clock, dispatch_and_work,
                                       outbox_row):
    fake_at.recipient_codes[BINTOU] = code
    awa, bintou = queue(db, redis_client, AWA, BINTOU)
    work()
    assert outbox_row(awa).status == "sent"
    row = outbox_row(bintou)
    assert (row.status, row.attempts) == ("failed", 1) and str(code) in row.last_error
    clock.advance(hours=2)
    dispatch_and_work()
    assert len(fake_at.requests) == 1


@pytest.mark.parametrize("code", [402, 405, 500, 501, 502])
def test_retryable_recipient_codes_are_retried(code, db, redis_client, sms_rt, fake_at, work, clock,
                                               dispatch_and_work, outbox_row):
    fake_at.recipient_codes[AWA] = code
    [outbox_id] = queue(db, redis_client, AWA)
    work()
    assert outbox_row(outbox_id).status == "queued"
    del fake_at.recipient_codes[AWA]
    clock.advance(seconds=send.BACKOFF_BASE_S + 1)
    dispatch_and_work()
    assert (outbox_row(outbox_id).status, outbox_row(outbox_id).attempts) == ("sent", 2)


def test_gateway_blacklist_opts_the_person_out_and_is_never_retried(db, redis_client, sms_rt, fake_at, work,
                                                                    clock, dispatch_and_work, outbox_row):
    fake_at.blacklist.add(AWA)
    [first] = queue(db, redis_client, AWA)
    work()
    row = outbox_row(first)
    assert row.status == "rejected" and "406" in row.last_error
    subscriber = db.scalar(select(Subscriber).where(Subscriber.phone == AWA))
    assert subscriber.sms_opted_out_at is not None and subscriber.sms_opt_out_source == "gateway"
    requests_before = len(fake_at.requests)
    [second] = queue(db, redis_client, AWA, text="Recu: 500 FCFA", kind="receipt", purpose="receipt", key="r")
    clock.advance(hours=1)
    dispatch_and_work()
    assert outbox_row(second).status == "rejected"
    assert outbox_row(second).last_error == "recipient opted out"
    assert len(fake_at.requests) == requests_before


def test_quiet_hours_defer_to_the_morning_never_drop(db, redis_client, sms_rt, fake_at, work, clock,
                                                     dispatch_and_work, outbox_row):
    clock.now = tomorrow_at(21, 30)
    [outbox_id] = queue(db, redis_client, AWA)
    work()
    row = outbox_row(outbox_id)
    assert row.status in ("pending", "queued") and row.attempts == 0
    assert row.due_at == tomorrow_at(8) + timedelta(days=1)
    clock.now = tomorrow_at(7, 59) + timedelta(days=1)
    dispatch_and_work()
    assert len(fake_at.requests) == 0
    clock.now = tomorrow_at(8) + timedelta(days=1)
    dispatch_and_work()
    assert outbox_row(outbox_id).status == "sent"
    assert len(fake_at.sent_to(AWA)) == 1


def test_redis_flush_with_queued_messages_loses_none_and_sends_none_twice(db, redis_client, sms_rt, fake_at,
                                                                         work, clock, dispatch_and_work,
                                                                         outbox_row):
    numbers = [f"+2237612{n:04d}" for n in range(12)]
    ids = [queue_sms(db, recipient=n, language="fr", message=f"Recu {i}", kind="receipt", purpose="receipt", dedupe_key=f"f:{n}", now=clock.now).id
           for i, n in enumerate(numbers)]
    db.commit()
    clock.advance(minutes=1)
    assert run_dispatch(sms_rt) == 12  # handed to RQ ...
    redis_client.flushdb()  # ... and Redis loses everything
    work()
    assert fake_at.requests == []
    assert {outbox_row(i).status for i in ids} == {"queued"}
    clock.advance(seconds=REQUEUE_AFTER_S + 1)
    dispatch_and_work()
    assert {outbox_row(i).status for i in ids} == {"sent"}
    for i, number in enumerate(numbers):
        assert fake_at.sent_to(number) == [f"Recu {i}"]
    clock.advance(seconds=REQUEUE_AFTER_S + 1)
    dispatch_and_work()
    assert sum(len(fake_at.sent_to(n)) for n in numbers) == 12


def test_row_held_by_a_dead_worker_is_handed_out_again_after_the_hold(db, redis_client, sms_rt, fake_at, work,
                                                                     clock, dispatch_and_work, outbox_row):
    [outbox_id] = queue(db, redis_client, AWA)
    # A worker claimed the row and died before reaching the gateway (its job is gone too).
    row = db.get(OutboxMessage, outbox_id)
    row.status, row.attempts, row.queued_at = "queued", 1, clock.now
    row.locked_until, row.lock_token = clock.now + timedelta(seconds=send.hold_seconds(sms_rt.gateway, 1)), "dead-worker"
    db.commit()
    work()  # the job enqueued at commit finds the row held: it leaves it alone
    assert fake_at.requests == [] and outbox_row(outbox_id).lock_token == "dead-worker"
    clock.advance(seconds=send.hold_seconds(sms_rt.gateway, 1) - 1)
    dispatch_and_work()
    assert fake_at.requests == []
    clock.advance(seconds=REQUEUE_AFTER_S + 1)
    dispatch_and_work()
    row = outbox_row(outbox_id)
    assert (row.status, row.attempts) == ("sent", 2)
    assert len(fake_at.sent_to(AWA)) == 1


def test_duplicate_jobs_for_one_row_send_it_once(db, redis_client, sms_rt, fake_at, work, outbox_row):
    [outbox_id] = queue(db, redis_client, AWA)
    enqueue_outbox(redis_client, [outbox_id])
    enqueue_outbox(redis_client, [outbox_id])
    work()
    assert outbox_row(outbox_id).status == "sent"
    assert len(fake_at.sent_to(AWA)) == 1


def test_token_bucket_limits_each_sender(redis_client):
    bucket = TokenBucket(redis_client, "SANTE", rate_per_second=10)
    assert all(bucket.try_take() == 0 for _ in range(10))
    wait = bucket.try_take()
    assert 0 < wait <= 0.1
    other = TokenBucket(redis_client, "OTHER", rate_per_second=10)
    assert other.try_take(10) == 0  # another sender has its own bucket
    with pytest.raises(ValueError):
        bucket.try_take(11)
    slept = []
    bucket.take(5, sleep=slept.append)
    assert slept and sum(slept) > 0


def test_a_row_whose_workers_keep_dying_ends_failed(db, redis_client, sms_rt, fake_at, clock, dispatch_and_work,
                                                    outbox_row):
    [outbox_id] = queue(db, redis_client, AWA)
    row = db.get(OutboxMessage, outbox_id)
    row.status, row.attempts, row.queued_at = "queued", send.MAX_ATTEMPTS, clock.now
    row.locked_until, row.lock_token = clock.now + timedelta(seconds=send.hold_seconds(sms_rt.gateway, 1)), "dead-worker"
    db.commit()
    clock.advance(seconds=REQUEUE_AFTER_S + send.hold_seconds(sms_rt.gateway, 1))
    dispatch_and_work()
    row = outbox_row(outbox_id)
    assert row.status == "failed" and "gave up after 4 attempts" in row.last_error
    assert fake_at.requests == []



def test_a_malformed_number_fails_for_good_and_the_rest_of_the_batch_goes(db, redis_client, sms_rt, fake_at,
                                                                          work, outbox_row):
    bad, good = queue(db, redis_client, "+223", AWA)
    work()
    assert (outbox_row(bad).status, outbox_row(bad).last_error) == ("failed", "not an E.164 phone number")
    assert outbox_row(good).status == "sent"
    assert fake_at.requests[0]["to"] == AWA


@pytest.mark.slow
def test_three_workers_racing_on_duplicate_jobs_send_each_message_once(app, db, redis_client, sms_rt, fake_at,
                                                                       clock, dispatch_and_work, outbox_row):
    import os

    from rq import Queue, SimpleWorker

    numbers = [f"+2237655{n:04d}" for n in range(30)]
    ids = [queue_sms(db, recipient=n, language="fr", message=f"Message {i % 3}", kind="campaign", purpose="campaign",
                     dedupe_key=f"race:{n}", now=clock.now).id for i, n in enumerate(numbers)]
    commit_and_enqueue(db, redis_client)
    enqueue_outbox(redis_client, ids)  # every row has two jobs waiting
    children = []
    for _ in range(3):
        pid = os.fork()
        if pid == 0:  # a worker process, as `ussd-app worker` runs them
            code = 1
            try:
                app.extensions["db_engine"].dispose(close=False)
                connection = type(redis_client).from_url(_redis_url(redis_client))
                SimpleWorker([Queue("sms", connection=connection)], connection=connection).work(burst=True)
                code = 0
            finally:
                os._exit(code)
        children.append(pid)
    for pid in children:
        os.waitpid(pid, 0)
    # Whatever a race left behind (a job that lost a database lock) is handed out again later.
    clock.advance(seconds=REQUEUE_AFTER_S + send.hold_seconds(sms_rt.gateway, 1) + 1)
    dispatch_and_work()
    assert {outbox_row(i).status for i in ids} == {"sent"}
    for i, number in enumerate(numbers):
        assert fake_at.sent_to(number) == [f"Message {i % 3}"]


def _redis_url(client) -> str:
    kwargs = client.connection_pool.connection_kwargs
    return f"redis://{kwargs.get('host', '127.0.0.1')}:{kwargs.get('port', 6379)}/{kwargs.get('db', 0)}"
