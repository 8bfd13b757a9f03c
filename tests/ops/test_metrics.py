"""/metrics: Prometheus text format behind METRICS_TOKEN; hop counters shared by every worker
through Redis; outbox, PIN, RQ and DHIS2 figures read at scrape time."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import timedelta
from types import SimpleNamespace

import pytest
from redis.exceptions import RedisError
from rq import Queue, SimpleWorker
from sqlalchemy import create_engine

from ussd_app import create_app
from ussd_app.db import make_session_factory
from ussd_app.dhis2.models import Dhis2Push
from ussd_app.ops import hops
from ussd_app.savings.groups import add_member, create_group
from ussd_app.savings.models import PinCredential
from ussd_app.sms.outbox import OutboxMessage

TOKEN = "metrics-token-for-tests"
SAMPLE = re.compile(r'^([a-z0-9_]+)(?:\{(.*)\})? (\S+)$')

EXPECTED_TYPES = {
    "ussd_hops_total": "counter", "ussd_hop_duration_seconds": "histogram",
    "ussd_sms_outbox_messages": "gauge", "ussd_sms_oldest_pending_age_seconds": "gauge",
    "ussd_sms_oldest_unreported_age_seconds": "gauge", "ussd_sms_last_delivery_report_timestamp_seconds": "gauge",
    "ussd_sms_gateway_errors": "gauge", "ussd_pin_locked_members": "gauge", "ussd_dhis2_pushes": "gauge",
    "ussd_dhis2_values": "gauge", "ussd_dhis2_last_accepted_timestamp_seconds": "gauge",
    "ussd_rq_queue_jobs": "gauge", "ussd_rq_failed_jobs": "gauge", "ussd_metrics_source_up": "gauge",
}


@pytest.fixture
def metrics_app(app):
    app.extensions["ussd_settings"] = replace(app.extensions["ussd_settings"], metrics_token=TOKEN)
    return app


def scrape(client) -> tuple[dict[str, str], dict[tuple, float]]:
    response = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200
    assert response.content_type == "text/plain; version=0.0.4; charset=utf-8"
    types, samples = {}, {}
    for line in response.get_data(as_text=True).splitlines():
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split(" ")
            types[name] = kind
        elif line and not line.startswith("#"):
            name, labels, value = SAMPLE.match(line).groups()
            samples[(name, labels or "")] = float(value)
    return types, samples


def test_metrics_are_off_without_a_token_setting(client):
    assert client.get("/metrics").status_code == 404


def test_metrics_need_the_token(metrics_app):
    client = metrics_app.test_client()
    assert client.get("/metrics").status_code == 401
    wrong = client.get("/metrics", headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401 and wrong.headers["WWW-Authenticate"].startswith("Bearer")
    assert client.get("/metrics?token=nope").status_code == 401
    assert client.get(f"/metrics?token={TOKEN}").status_code == 200
    assert client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200


def test_every_family_has_its_name_and_type(metrics_app):
    types, samples = scrape(metrics_app.test_client())
    assert types == EXPECTED_TYPES
    assert samples[("ussd_metrics_source_up", 'source="database"')] == 1
    assert samples[("ussd_metrics_source_up", 'source="redis"')] == 1
    assert ("ussd_hop_duration_seconds_bucket", 'le="+Inf"') in samples


def test_hops_are_counted_by_answer_kind_across_workers(metrics_app, settings, clock, monkeypatch):
    client = metrics_app.test_client()
    other_worker = create_app(replace(settings, metrics_token=TOKEN), clock=clock)
    try:
        data = {"sessionId": "m-1", "serviceCode": "*384#", "phoneNumber": "+22376123456", "text": ""}
        assert client.post("/ussd", data=data).get_data(as_text=True).startswith("CON ")
        assert other_worker.test_client().post("/ussd", data={**data, "sessionId": "m-2"}).status_code == 200
        # The database goes away: the caller gets a polite END, counted as an error.
        host = metrics_app.extensions["ussd_host"]
        monkeypatch.setattr(host, "session_factory",
                            make_session_factory(create_engine("sqlite:////nonexistent/dir/db.sqlite3")))
        assert client.post("/ussd", data={**data, "sessionId": "m-3"}).get_data(as_text=True).startswith("END ")
        _, samples = scrape(other_worker.test_client())
    finally:
        other_worker.extensions["db_engine"].dispose()
    assert samples[("ussd_hops_total", 'answer="CON"')] == 2
    assert samples[("ussd_hops_total", 'answer="error"')] == 1
    assert samples[("ussd_hops_total", 'answer="END"')] == 0
    assert samples[("ussd_hop_duration_seconds_count", "")] == 3
    assert samples[("ussd_hop_duration_seconds_bucket", 'le="+Inf"')] == 3
    assert samples[("ussd_hop_duration_seconds_sum", "")] > 0


def test_a_hop_that_writes_nothing_is_counted_in_its_save_not_in_a_round_trip_of_its_own(
        metrics_app, monkeypatch):
    written = []
    real_write = hops.write
    monkeypatch.setattr(hops, "write", lambda redis, counts: (written.append(counts), real_write(redis, counts)))
    client = metrics_app.test_client()
    data = {"sessionId": "c-1", "serviceCode": "*384#", "phoneNumber": "+22376123457", "text": ""}
    assert client.post("/ussd", data=data).get_data(as_text=True).startswith("CON ")  # writes nothing
    assert written == []
    # Choosing the language writes it: that hop is counted after its commit, as before.
    assert client.post("/ussd", data={**data, "text": "2"}).get_data(as_text=True).startswith("CON ")
    assert [kind for kind, _, _ in written] == ["CON"]
    _, samples = scrape(client)
    assert samples[("ussd_hops_total", 'answer="CON"')] == 2
    assert samples[("ussd_hop_duration_seconds_count", "")] == 2


def test_a_hop_whose_save_fails_is_counted_as_the_error_it_answers(metrics_app, monkeypatch):
    store = metrics_app.extensions["ussd_host"].store

    def failing_save(*args, **kwargs):
        raise RedisError("gone")

    monkeypatch.setattr(store, "save", failing_save)
    client = metrics_app.test_client()
    data = {"sessionId": "c-2", "serviceCode": "*384#", "phoneNumber": "+22376123458", "text": ""}
    assert client.post("/ussd", data=data).get_data(as_text=True).startswith("END ")
    monkeypatch.undo()
    _, samples = scrape(client)
    assert samples[("ussd_hops_total", 'answer="error"')] == 1
    assert samples[("ussd_hops_total", 'answer="CON"')] == 0


class DownRedis:
    def pipeline(self, transaction=True):
        raise RedisError("connection refused")


def test_a_hop_is_answered_even_when_its_counter_cannot_be_written():
    @hops.counted(lambda message, lang: f"END {message}", "unavailable")
    def answer(host, session_id, phone, text):
        return "CON Menu"

    assert answer(SimpleNamespace(store=SimpleNamespace(redis=DownRedis())), "s", "+22376123456", "") == "CON Menu"


def test_database_figures_are_read_at_scrape_time(metrics_app, db, clock, redis_client):
    now = clock.now

    def outbox(key, status, **fields):
        db.add(OutboxMessage(recipient="+22376000001", language="fr", body="x", parts=1, kind="reminder", purpose="reminder",
                             dedupe_key=key, status=status, attempts=1, created_at=now, updated_at=now,
                             **{"due_at": now, **fields}))

    outbox("late", "pending", due_at=now - timedelta(minutes=20), last_error="HTTP 500")
    outbox("later", "pending", due_at=now + timedelta(hours=1))
    outbox("waiting", "sent", sent_at=now - timedelta(hours=2), provider_message_id="ATXid_1")
    outbox("reported", "delivered", sent_at=now - timedelta(hours=3), final_at=now - timedelta(minutes=90),
           provider_message_id="ATXid_2")
    outbox("gave-up", "failed", last_error="gave up after 4 attempts")
    group = create_group(db, name="Benkadi", share_value=500, health_fund_per_meeting=250, commune="Commune I",
                         facility_code="BKO-C1-SOTUBA", now=now)
    member = add_member(db, group, phone="+22370000101", name="Awa", number=1, now=now)
    db.flush()
    db.get(PinCredential, member.id).locked_until = now + timedelta(minutes=10)  # three wrong PINs
    for status, ignored in (("success", 0), ("warning", 1)):
        db.add(Dhis2Push(facility_code="BKO-C1-SOTUBA", period="202610" if status == "success" else "202611",
                         org_unit="DiszpKrYNg8", payload_hash=status * 8, payload="{}", status=status, attempts=1,
                         imported=8, updated=0, ignored=ignored, deleted=0, conflicts="[]", created_at=now,
                         attempted_at=now))
    db.commit()
    Queue("sms", connection=redis_client).enqueue("ussd_app.sms.send.send_sms", 1)
    Queue("default", connection=redis_client).enqueue("builtins.int", "not a number")
    SimpleWorker([Queue("default", connection=redis_client)], connection=redis_client).work(burst=True)

    _, samples = scrape(metrics_app.test_client())
    assert samples[("ussd_sms_outbox_messages", 'status="pending"')] == 2
    assert samples[("ussd_sms_outbox_messages", 'status="queued"')] == 0
    assert samples[("ussd_sms_oldest_pending_age_seconds", "")] == 20 * 60
    assert samples[("ussd_sms_oldest_unreported_age_seconds", "")] == 2 * 3600
    assert samples[("ussd_sms_last_delivery_report_timestamp_seconds", "")] == (now - timedelta(minutes=90)).timestamp()
    assert samples[("ussd_sms_gateway_errors", 'state="retrying"')] == 1
    assert samples[("ussd_sms_gateway_errors", 'state="failed"')] == 1
    assert samples[("ussd_pin_locked_members", "")] == 1
    assert samples[("ussd_dhis2_pushes", 'status="success"')] == 1
    assert samples[("ussd_dhis2_pushes", 'status="warning"')] == 1
    assert samples[("ussd_dhis2_values", 'result="ignored"')] == 1
    assert samples[("ussd_dhis2_last_accepted_timestamp_seconds", "")] == now.timestamp()
    assert samples[("ussd_rq_queue_jobs", 'queue="sms"')] == 1
    assert samples[("ussd_rq_failed_jobs", 'queue="default"')] == 1
    assert samples[("ussd_rq_failed_jobs", 'queue="sms"')] == 0
