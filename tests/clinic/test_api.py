"""The JSON API: bearer tokens per centre, enrollments, appointments, campaigns, OpenAPI."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.conftest import TEST_NOW
from ussd_app.clinic.accounts import token_for
from ussd_app.clinic.models import ApiToken, Appointment, Campaign
from ussd_app.health.enrollment import DECLINE_REASONS
from ussd_app.sms.outbox import OutboxMessage
from ussd_app.text.gsm import to_gsm
from ussd_app.text.i18n import translate

pytestmark = pytest.mark.dates  # run again under shifted clocks (scripts/test)

CAMPAIGN = {"title": "Journée de vaccination", "audience": {"kind": "centre"},
            "message_fr": "Vaccination samedi au CSCom.", "message_bm": "Boloci sibiri kɛnɛya so la."}


def test_no_token_or_a_wrong_one_is_refused(client, world, tokens):
    assert client.get("/api/v1/enrollments").status_code == 401
    bad = client.get("/api/v1/enrollments", headers={"Authorization": "Bearer csk_not-a-token"})
    assert bad.status_code == 401 and bad.get_json()["error"] == "unauthorized"
    assert client.get("/api/v1/enrollments", headers={"Authorization": "Basic abc"}).status_code == 401


def test_tokens_are_stored_hashed(db, tokens):
    secret = tokens["a"]["Authorization"].split()[1]
    stored = db.scalars(select(ApiToken.token_hash)).all()
    assert secret not in stored and all(len(h) == 64 for h in stored)
    assert token_for(db, secret, now=TEST_NOW) is not None


def test_revoked_token_is_refused(client, db, tokens):
    for row in db.scalars(select(ApiToken)):
        row.revoked_at = TEST_NOW
    db.commit()
    assert client.get("/api/v1/enrollments", headers=tokens["a"]).status_code == 401


def test_list_enrollments_of_the_tokens_centre(client, world, tokens):
    body = client.get("/api/v1/enrollments", headers=tokens["a"]).get_json()
    assert {e["reference"] for e in body["items"]} == {e.reference for e in world.a_pending}
    assert {e["facility_code"] for e in body["items"]} == {world.a.code}
    everyone = client.get("/api/v1/enrollments", headers=tokens["all"]).get_json()
    assert len(everyone["items"]) == 4
    page1 = client.get("/api/v1/enrollments?limit=1", headers=tokens["a"]).get_json()
    page2 = client.get(f"/api/v1/enrollments?limit=1&after_id={page1['next_after_id']}", headers=tokens["a"]).get_json()
    assert page1["items"][0]["reference"] != page2["items"][0]["reference"]
    assert client.get("/api/v1/enrollments?status=nope", headers=tokens["a"]).status_code == 400


def test_approve_and_decline(client, world, tokens, db):
    first, second = world.a_pending
    ok = client.post(f"/api/v1/enrollments/{first.reference}/approve", headers=tokens["a"])
    assert ok.status_code == 200 and ok.get_json()["status"] == "approved"
    again = client.post(f"/api/v1/enrollments/{first.reference}/approve", headers=tokens["a"])
    assert again.status_code == 409
    for body in ({}, {"reason": "Doublon"}, {"reason_code": "nope"}):  # a preset reason, not free text
        no_reason = client.post(f"/api/v1/enrollments/{second.reference}/decline", json=body, headers=tokens["a"])
        assert no_reason.status_code == 400 and no_reason.get_json()["error"] == "bad_request"
        assert "reason_code" in no_reason.get_json()["message"]
    declined = client.post(f"/api/v1/enrollments/{second.reference}/decline",
                           json={"reason_code": "already_registered", "note": "Doublon de K7P4QX"},
                           headers=tokens["a"])
    body = declined.get_json()
    assert (body["status"], body["reason_code"], body["reason"]) == ("declined", "already_registered",
                                                                      "Doublon de K7P4QX")
    db.expire_all()
    assert db.scalar(select(func.count()).where(OutboxMessage.dedupe_key.like("enrollment:%:approved"))) == 1
    # She chose Bambara: she is told the preset reason in Bambara; the staff's note stays with them.
    told = db.scalar(select(OutboxMessage.body).where(OutboxMessage.dedupe_key.like("enrollment:%:declined")))
    assert to_gsm(translate("bm", DECLINE_REASONS["already_registered"])) in told
    assert "Doublon" not in told


def test_create_appointment_is_idempotent(client, world, tokens, db):
    when = (TEST_NOW.date() + timedelta(days=7)).isoformat()
    body = {"reference": world.a_pending[0].reference, "date": when, "note": "CPN2"}
    headers = {**tokens["a"], "Idempotency-Key": "appt-1"}
    first = client.post("/api/v1/appointments", json=body, headers=headers)
    second = client.post("/api/v1/appointments", json=body, headers=headers)
    assert first.status_code == second.status_code == 201
    assert first.get_json()["id"] == second.get_json()["id"]
    assert db.scalar(select(func.count()).select_from(Appointment)) == 1
    missing_key = client.post("/api/v1/appointments", json=body, headers=tokens["a"])
    assert missing_key.status_code == 400
    past = client.post("/api/v1/appointments", json={**body, "date": "2020-01-01"},
                       headers={**tokens["a"], "Idempotency-Key": "appt-2"})
    assert past.status_code == 422 and "aujourd'hui" in past.get_json()["message"]


def test_campaign_create_status_cancel(client, world, tokens, db):
    later = (TEST_NOW + timedelta(days=3)).replace(hour=10, minute=0).strftime("%Y-%m-%dT%H:%M")
    headers = {**tokens["a"], "Idempotency-Key": "camp-1"}
    created = client.post("/api/v1/campaigns", json={**CAMPAIGN, "send_at": later}, headers=headers)
    assert created.status_code == 201
    body = created.get_json()
    assert body["recipients"] == 2 and body["facility_code"] == world.a.code and body["state"] == "planning"
    replay = client.post("/api/v1/campaigns", json={**CAMPAIGN, "send_at": later}, headers=headers)
    assert replay.status_code == 200 and replay.get_json()["id"] == body["id"]
    assert db.scalar(select(func.count()).select_from(Campaign)) == 1
    status = client.get(f"/api/v1/campaigns/{body['id']}", headers=tokens["a"]).get_json()
    assert status["audience"] == {"kind": "centre"}
    cancelled = client.post(f"/api/v1/campaigns/{body['id']}/cancel", headers=tokens["a"]).get_json()
    assert cancelled["state"] == "cancelled"


def test_campaign_errors_are_clear(client, world, tokens):
    headers = {**tokens["a"], "Idempotency-Key": "camp-x", "Accept-Language": "fr"}
    bad = client.post("/api/v1/campaigns", json={**CAMPAIGN, "audience": {"kind": "pregnant", "month_from": 8,
                                                                           "month_to": 2}}, headers=headers)
    assert bad.status_code == 422 and "mois de grossesse" in bad.get_json()["message"]
    empty = client.post("/api/v1/campaigns", json={**CAMPAIGN, "message_bm": ""}, headers=headers)
    assert empty.status_code == 400 and "message_bm" in empty.get_json()["message"]  # the document says minLength 1
    too_long = client.post("/api/v1/campaigns", json={**CAMPAIGN, "message_fr": "x" * 470}, headers=headers)
    assert too_long.status_code == 422 and too_long.get_json()["error"] == "bad_campaign"
    assert client.post("/api/v1/campaigns", data="nope", headers=headers).status_code == 400


def test_openapi_document_describes_every_api_route(app, client):
    doc = client.get("/api/v1/openapi.json").get_json()
    assert doc["openapi"].startswith("3.")
    documented = {(path, method.upper()) for path, ops in doc["paths"].items() for method in ops}
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("clinic_api.") or rule.endpoint == "clinic_api.openapi":
            continue
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule.removeprefix("/api/v1"))
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert (path, method) in documented, f"{method} {path} is not in the OpenAPI document"
    # Every $ref points at something that exists.
    import json

    text = json.dumps(doc)
    for ref in set(re.findall(r'"#/components/(\w+)/(\w+)"', text)):
        assert ref[1] in doc["components"][ref[0]]


def test_api_enrollment_detail(client, world, tokens):
    ref = world.a_pending[0].reference
    assert client.get(f"/api/v1/enrollments/{ref}", headers=tokens["a"]).get_json()["reference"] == ref
    assert client.get(f"/api/v1/enrollments/{ref}", headers=tokens["b"]).status_code == 404


def test_the_midwife_day_through_the_api(client, world, tokens, db, work, fake_at):
    headers = tokens["a"]
    for e in world.a_pending:
        assert client.post(f"/api/v1/enrollments/{e.reference}/approve", headers=headers).status_code == 200
    when = (TEST_NOW.date() + timedelta(days=4)).isoformat()
    appointment = client.post("/api/v1/appointments", json={"reference": world.a_pending[0].reference, "date": when},
                              headers={**headers, "Idempotency-Key": "day-appt"})
    assert appointment.status_code == 201
    created = client.post("/api/v1/campaigns", json=CAMPAIGN, headers={**headers, "Idempotency-Key": "day-camp"})
    campaign_id = created.get_json()["id"]
    work()
    status = client.get(f"/api/v1/campaigns/{campaign_id}", headers=headers).get_json()
    assert status["state"] == "done" and status["sent"] == 2 and status["waiting"] == 0
    assert client.get(f"/api/v1/campaigns/{campaign_id}", headers=tokens["b"]).status_code == 404
    sent_to = {to for request in fake_at.requests for to in request["to"].split(",")}
    assert {e.phone for e in world.a_pending} <= sent_to
    assert not sent_to & {e.phone for e in world.b_pending}
