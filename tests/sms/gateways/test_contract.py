"""The same contract for every gateway: each test runs once per adapter, through real RQ workers,
the real adapter and the local fake of its provider's API, and the provider's own callbacks."""

from datetime import timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from tests.conftest import REDIS_URL, TEST_NOW
from tests.http_server import serving
from ussd_app.cli import main
from ussd_app.sms import send
from ussd_app.sms.handoff import commit_and_enqueue
from ussd_app.sms.outbox import OutboxMessage, queue_sms
from ussd_app.subscribers import Subscriber

AWA, BINTOU = "+22376123456", "+22365123456"
TEXT = "Rappel : visite au CSCom Sotuba."


def queue(db, redis_client, *recipients, text=TEXT, kind="reminder", key="k"):
    ids = [queue_sms(db, recipient=r, language="fr", message=text, kind=kind, dedupe_key=f"{key}:{r}",
                     purpose=kind, now=TEST_NOW).id for r in recipients]
    commit_and_enqueue(db, redis_client)
    return ids


def later(clock, dispatch_and_work, seconds=send.BACKOFF_CAP_S + 1):
    clock.advance(seconds=seconds)
    dispatch_and_work()


def test_sent_messages_keep_the_providers_id(db, redis_client, sms_rt, driver, work, outbox_row):
    ids = queue(db, redis_client, AWA, BINTOU)
    work()
    for outbox_id, number in zip(ids, (AWA, BINTOU)):
        row = outbox_row(outbox_id)
        assert (row.status, row.attempts) == ("sent", 1)
        assert driver.fake.messages[row.provider_message_id] == number
        assert driver.fake.sent_to(number) == [TEXT]


def test_a_retryable_refusal_is_sent_on_a_later_attempt(db, redis_client, sms_rt, driver, work, clock,
                                                        dispatch_and_work, outbox_row):
    driver.refuse(AWA, "retry")
    awa, bintou = queue(db, redis_client, AWA, BINTOU)
    work()
    assert (outbox_row(awa).status, outbox_row(bintou).status) == ("queued", "sent")
    driver.accept(AWA)
    later(clock, dispatch_and_work)
    assert (outbox_row(awa).status, outbox_row(awa).attempts) == ("sent", 2)
    assert driver.fake.sent_to(AWA) == driver.fake.sent_to(BINTOU) == [TEXT]


def test_a_permanent_refusal_fails_at_once_and_is_never_tried_again(db, redis_client, sms_rt, driver, work, clock,
                                                                     dispatch_and_work, outbox_row):
    driver.refuse(BINTOU, "permanent")
    awa, bintou = queue(db, redis_client, AWA, BINTOU)
    work()
    row = outbox_row(bintou)
    assert (outbox_row(awa).status, row.status, row.attempts) == ("sent", "failed", 1)
    assert row.last_error
    reached = driver.fake.received
    later(clock, dispatch_and_work)
    assert driver.fake.received == reached and outbox_row(bintou).status == "failed"


def test_a_blocked_recipient_is_opted_out_and_never_tried_again(db, redis_client, sms_rt, driver, work, clock,
                                                                dispatch_and_work, outbox_row):
    driver.refuse(AWA, "blocked")
    [first] = queue(db, redis_client, AWA)
    work()
    assert outbox_row(first).status == "rejected"
    subscriber = db.scalar(select(Subscriber).where(Subscriber.phone == AWA))
    assert subscriber.sms_opted_out_at is not None and subscriber.sms_opt_out_source == "gateway"
    reached = driver.fake.received
    [second] = queue(db, redis_client, AWA, text="Recu: 500 FCFA", kind="receipt", key="r")
    later(clock, dispatch_and_work)
    assert (outbox_row(second).status, outbox_row(second).last_error) == ("rejected", "recipient opted out")
    assert driver.fake.received == reached


def test_server_errors_timeouts_and_refused_connections_are_retried(db, redis_client, sms_rt, driver, work, clock,
                                                                    dispatch_and_work, outbox_row):
    driver.fake.fail_next(1, status=500)
    [outbox_id] = queue(db, redis_client, AWA)
    work()
    assert (outbox_row(outbox_id).status, outbox_row(outbox_id).attempts) == ("queued", 1)
    driver.fake.hang_next(1, seconds=1.5)  # longer than the client's read timeout
    later(clock, dispatch_and_work)
    row = outbox_row(outbox_id)
    assert (row.status, row.attempts) == ("queued", 2) and "unreachable" in row.last_error
    sms_rt.gateway = driver.gateway(base_url="http://127.0.0.1:9")  # nothing listens: refused
    later(clock, dispatch_and_work)
    row = outbox_row(outbox_id)
    assert (row.status, row.attempts) == ("queued", 3) and "ConnectionError" in row.last_error
    sms_rt.gateway = driver.gateway()
    later(clock, dispatch_and_work)
    assert (outbox_row(outbox_id).status, outbox_row(outbox_id).attempts) == ("sent", 4)
    assert driver.fake.sent_to(AWA) == [TEXT]


@pytest.fixture
def sent(db, redis_client, sms_rt, driver, work, outbox_row):
    """A message the gateway took: (outbox id, provider message id)."""
    [outbox_id] = queue(db, redis_client, AWA)
    work()
    return outbox_id, outbox_row(outbox_id).provider_message_id


def test_delivery_reports_move_a_row_forward_and_repeats_change_nothing(client, driver, sent, outbox_row):
    outbox_id, message_id = sent
    assert driver.report(client, message_id, "progress").status_code == 200
    assert outbox_row(outbox_id).status == "sent"
    assert driver.report(client, message_id, "delivered").get_data(as_text=True) == "ok"
    assert outbox_row(outbox_id).status == "delivered"
    repeat = driver.report(client, message_id, "delivered")
    assert repeat.status_code == 200 and "no change" in repeat.get_data(as_text=True)
    for late in ("progress", "failed"):
        assert driver.report(client, message_id, late).status_code == 200
        assert outbox_row(outbox_id).status == "delivered"


def test_reports_out_of_order_never_move_a_row_backward(client, driver, sent, outbox_row):
    outbox_id, message_id = sent
    driver.report(client, message_id, "failed")
    for late in ("progress", "delivered"):
        assert driver.report(client, message_id, late).status_code == 200
    row = outbox_row(outbox_id)
    assert (row.status, row.last_error) == ("failed", driver.failure_reason)


def test_reports_for_unknown_messages_or_statuses_are_accepted_and_ignored(client, driver, sent, outbox_row):
    outbox_id, message_id = sent
    assert driver.report(client, "not-a-message-of-ours", "delivered").status_code == 200
    assert driver.report(client, message_id, "unknown").status_code == 200
    assert outbox_row(outbox_id).status == "sent"
    assert driver.post(client, driver.delivery_path, {}).status_code == 400


def test_the_fake_posts_its_receipt_to_the_running_app(app, driver, sent, outbox_row):
    outbox_id, message_id = sent
    with serving(app) as url:
        assert driver.fake.post_receipt(message_id, driver.words["delivered"], url + driver.delivery_path) == 200
    assert outbox_row(outbox_id).status == "delivered"


def test_an_incoming_stop_opts_out_and_is_answered_once(client, db, redis_client, driver):
    message = driver.fake.inbound(AWA, "A DABILA")
    assert driver.post(client, driver.inbound_path, message).get_data(as_text=True) == "stop"
    assert driver.post(client, driver.inbound_path, message).status_code == 200  # the gateway resends it
    subscriber = db.scalar(select(Subscriber).where(Subscriber.phone == AWA))
    assert subscriber.sms_opted_out_at is not None and subscriber.sms_opt_out_source == "sms"
    [reply] = db.scalars(select(OutboxMessage).where(OutboxMessage.kind == "keyword_reply")).all()
    assert reply.recipient == AWA and reply.language == "bm"
    assert driver.post(client, driver.inbound_path, driver.fake.inbound("not-a-phone", "STOP")).status_code == 400


def test_a_worker_process_sends_through_the_configured_gateway(database_url, db, redis_client, driver, clock,
                                                               tmp_path):
    for number in (AWA, BINTOU):
        row = queue_sms(db, recipient=number, language="fr", message=TEXT, kind="campaign", dedupe_key=f"w:{number}",
                        purpose="campaign", now=TEST_NOW)
        row.created_at -= timedelta(minutes=1)  # older than the grace left to whoever queued them
    db.commit()
    env = dict(driver.env, DATABASE_URL=database_url, REDIS_URL=REDIS_URL,
               USSD_INSTANCE_PATH=str(tmp_path / "instance"), USSD_CLOCK_START=clock.now.isoformat(),
               SMS_QUIET_START_HOUR="0", SMS_QUIET_END_HOUR="0")
    result = CliRunner().invoke(main, ["worker", "--burst"], env=env, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    db.expire_all()
    rows = db.scalars(select(OutboxMessage)).all()
    assert {(r.status, driver.fake.messages.get(r.provider_message_id)) for r in rows} == {("sent", AWA),
                                                                                          ("sent", BINTOU)}


def test_sends_reuse_one_kept_alive_connection(driver):
    gateway = driver.gateway()
    for number in (AWA, BINTOU, AWA):
        [result] = gateway.send(TEXT, [number])
        assert result.outcome.value == "sent"
    assert driver.fake.received == 3
    assert driver.fake.connections == 1  # Orange's token request included
    assert driver.fake.sent_to(AWA) == [TEXT, TEXT] and driver.fake.sent_to(BINTOU) == [TEXT]
