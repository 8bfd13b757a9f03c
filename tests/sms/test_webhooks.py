"""Delivery reports (idempotent, out of order, never backward) and incoming keywords."""

import logging
from dataclasses import replace
from ipaddress import ip_network

import pytest
from sqlalchemy import select

from tests.conftest import TEST_NOW
from ussd_app.sms.keywords import parse_keyword
from ussd_app.sms.outbox import OutboxMessage, queue_sms
from ussd_app.subscribers import Subscriber

AWA = "+22376123456"


@pytest.fixture
def sent_row(db):
    row = queue_sms(db, recipient=AWA, language="fr", message="Rappel", kind="reminder", purpose="reminder", dedupe_key="dlr:1", now=TEST_NOW)
    row.status, row.provider_message_id, row.attempts = "sent", "ATXid_abc", 1
    db.commit()
    return row.id


def report(client, status, message_id="ATXid_abc", **extra):
    form = {"id": message_id, "status": status, "phoneNumber": AWA, "networkCode": "61002", **extra}
    return client.post("/sms/delivery", data=form)


def status_of(db, outbox_id):
    db.expire_all()
    return db.get(OutboxMessage, outbox_id).status


def test_delivery_report_moves_forward_and_repeats_change_nothing(client, db, sent_row):
    assert report(client, "Buffered").status_code == 200
    assert status_of(db, sent_row) == "sent"
    assert report(client, "Success").get_data(as_text=True) == "ok"
    assert status_of(db, sent_row) == "delivered"
    repeat = report(client, "Success")
    assert repeat.status_code == 200 and "no change" in repeat.get_data(as_text=True)
    assert status_of(db, sent_row) == "delivered"


def test_late_and_reordered_reports_never_go_backward(client, db, sent_row):
    report(client, "Failed", failureReason="DeliveryFailure")
    for late in ("Sent", "Submitted", "Buffered", "Success", "Rejected"):
        assert report(client, late).status_code == 200
        assert status_of(db, sent_row) == "failed"
    assert db.get(OutboxMessage, sent_row).last_error == "DeliveryFailure"


def test_report_for_an_unknown_message_or_status_is_accepted_and_ignored(client, db, sent_row):
    assert report(client, "Success", message_id="ATXid_unknown").status_code == 200
    assert report(client, "Teleported").status_code == 200
    assert status_of(db, sent_row) == "sent"
    assert client.post("/sms/delivery", data={"status": "Success"}).status_code == 400


SMS_TOKEN, USSD_TOKEN = "sms-callback-token-1234", "ussd-callback-token-5678"


@pytest.fixture
def guarded(app):
    """The app with production's callback settings: each gateway endpoint has its own token."""
    app.extensions["ussd_settings"] = replace(app.extensions["ussd_settings"], sms_callback_token=SMS_TOKEN,
                                              ussd_callback_token=USSD_TOKEN)
    return app


def opted_out(db, phone=AWA):
    db.expire_all()
    return db.scalar(select(Subscriber.sms_opted_out_at).where(Subscriber.phone == phone)) is not None


def outbox_count(db):
    db.expire_all()
    return len(db.scalars(select(OutboxMessage.id)).all())


@pytest.mark.parametrize("query", ["", "?token=", "?token=wrong", f"?token={USSD_TOKEN}",
                                   f"?token={SMS_TOKEN.upper()}", f"?token={SMS_TOKEN}x"])
def test_an_unauthenticated_sms_callback_changes_nothing_and_names_no_phone(guarded, client, db, sent_row,
                                                                            caplog, query):
    caplog.set_level(logging.INFO)
    stop = client.post("/sms/inbound" + query, data={"from": AWA, "text": "STOP", "id": "forged-1"})
    helps = [client.post("/sms/inbound" + query, data={"from": AWA, "text": "AIDE", "id": f"forged-h{i}"})
             for i in range(5)]
    delivered = client.post("/sms/delivery" + query, data={"id": "ATXid_abc", "status": "Success"})
    assert [r.status_code for r in [stop, *helps, delivered]] == [403] * 7
    assert stop.get_data(as_text=True) == "forbidden"
    assert not opted_out(db) and outbox_count(db) == 1 and status_of(db, sent_row) == "sent"
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "refused /sms/inbound callback" in logged and "refused /sms/delivery callback" in logged
    assert "76123456" not in logged and SMS_TOKEN not in logged


def test_sms_callbacks_with_their_token_are_applied(guarded, client, db, sent_row):
    ok = client.post(f"/sms/delivery?token={SMS_TOKEN}", data={"id": "ATXid_abc", "status": "Success"})
    assert ok.status_code == 200 and status_of(db, sent_row) == "delivered"
    stop = client.post(f"/sms/inbound?token={SMS_TOKEN}", data={"from": AWA, "text": "STOP", "id": "real-1"})
    assert stop.get_data(as_text=True) == "stop" and opted_out(db)


def test_callbacks_from_outside_the_allowed_networks_are_refused(guarded, client, db):
    guarded.extensions["ussd_settings"] = replace(guarded.extensions["ussd_settings"],
                                                  callback_networks=(ip_network("196.201.214.0/24"),))
    form = {"from": AWA, "text": "STOP", "id": "net-1"}
    outside = client.post(f"/sms/inbound?token={SMS_TOKEN}", data=form)  # the test client is 127.0.0.1
    assert outside.status_code == 403 and not opted_out(db)
    gateway = {"REMOTE_ADDR": "196.201.214.200"}
    assert client.post("/sms/inbound", data=form, environ_base=gateway).status_code == 403  # no token
    assert client.post(f"/sms/inbound?token={SMS_TOKEN}", data=form, environ_base=gateway).status_code == 200
    assert opted_out(db)


@pytest.mark.parametrize("text,action,language", [
    ("STOP", "stop", None), ("stop", "stop", None), ("Arrêt", "stop", "fr"), ("ARRET", "stop", "fr"),
    ("arrêter svp", "stop", "fr"), ("Dabila", "stop", "bm"), ("a dabila", "stop", "bm"),
    ("START", "start", None), ("reprendre", "start", "fr"), ("Daminɛ", "start", "bm"),
    ("DAMINÈ", "start", "bm"), ("Aide", "help", "fr"), ("help!", "help", None), ("dɛmɛ", "help", "bm"),
])
def test_keywords_ignore_case_accents_and_spelling(text, action, language):
    keyword = parse_keyword(text)
    assert (keyword.action, keyword.language) == (action, language)


@pytest.mark.parametrize("text", ["merci", "", "   ", "STOPPEZ-MOI ÇA", "12345"])
def test_other_texts_are_not_keywords(text):
    assert parse_keyword(text) is None


def inbound(client, text, sender=AWA, message_id="in-1"):
    return client.post("/sms/inbound", data={"from": sender, "to": "12345", "text": text,
                                             "date": "2026-11-22 10:00:00", "id": message_id,
                                             "linkId": "link-1"})


def replies(db, phone=AWA):
    db.expire_all()
    return db.scalars(select(OutboxMessage).where(OutboxMessage.recipient == phone,
                                                 OutboxMessage.kind == "keyword_reply")
                      .order_by(OutboxMessage.id)).all()


def test_stop_in_bambara_opts_out_and_answers_in_bambara(client, db, redis_client):
    assert inbound(client, "A DABILA").get_data(as_text=True) == "stop"
    subscriber = db.scalar(select(Subscriber).where(Subscriber.phone == AWA))
    assert subscriber.sms_opted_out_at is not None and subscriber.sms_opt_out_source == "sms"
    [reply] = replies(db)
    assert reply.language == "bm" and "DAMINE" in reply.body
    assert redis_client.llen("rq:queue:sms") == 1  # handed to a worker after the commit


def test_the_answer_to_stop_says_receipts_stop_too_in_one_sms(client, db):
    inbound(client, "A DABILA", message_id="bm")
    inbound(client, "ARRET", sender="+22365123456", message_id="fr")
    [bambara], [french] = replies(db), replies(db, "+22365123456")
    assert "wari maralen SMS" in bambara.body and "recus d'épargne compris" in french.body
    assert bambara.parts == french.parts == 1 and bambara.purpose == french.purpose == "reply"


def test_a_resent_inbound_callback_is_answered_once(client, db):
    inbound(client, "ARRET")
    inbound(client, "ARRET")
    assert len(replies(db)) == 1


def test_answers_follow_the_language_the_person_chose(client, db):
    db.add(Subscriber(phone=AWA, language="bm"))
    db.commit()
    inbound(client, "STOP", message_id="a")
    inbound(client, "REPRENDRE", message_id="b")
    inbound(client, "AIDE", message_id="c")
    stop, start, help_ = replies(db)
    assert all(r.language == "bm" for r in (stop, start, help_))
    assert "DAMINE" in stop.body and "DABILA" in start.body and "DABILA" in help_.body
    assert db.scalar(select(Subscriber.sms_opted_out_at).where(Subscriber.phone == AWA)) is None


def test_french_keywords_answer_in_french(client, db):
    inbound(client, "arrêt", message_id="a")
    inbound(client, "Reprendre", message_id="b")
    stop, start = replies(db)
    assert stop.language == start.language == "fr"
    assert "REPRENDRE" in stop.body and "STOP" in start.body


def test_unknown_text_gets_no_answer_and_a_bad_sender_is_refused(client, db):
    assert inbound(client, "merci beaucoup").status_code == 200
    assert replies(db) == []
    assert inbound(client, "STOP", sender="not-a-phone").status_code == 400
