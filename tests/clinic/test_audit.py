"""The audit log: an entry for each staff action that changes data or reads a person's page (the
dashboard, the API), shown to admins only, exported as CSV, and append-only."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from tests.clinic.conftest import CENTRE_A, page
from tests.conftest import TEST_NOW
from ussd_app.audit import AppendOnly, AuditEntry, by_cli, person_key
from ussd_app.clinic.models import StaffAccount
from ussd_app.health import enrollment as health
from ussd_app.sms.outbox import OutboxMessage

PHONE = "+22376000001"  # world.a_pending[0]
CAMPAIGN_FORM = {"title": "Journée de vaccination", "audience": "centre", "message_fr": "Vaccination samedi.",
                 "message_bm": "Boloci sibiri.", "key": "k1", "action": "send", "send_at": ""}
CAMPAIGN_JSON = {"title": "Journée", "audience": {"kind": "centre"}, "message_fr": "Vaccination samedi.",
                 "message_bm": "Boloci sibiri."}
DAY = (TEST_NOW + timedelta(days=5)).date()


def _campaign(db, world, settings) -> int:
    from ussd_app.clinic import audience as audiences
    from ussd_app.clinic import campaigns
    from ussd_app.clinic.scope import Scope

    campaign, _ = campaigns.create(db, scope=Scope(CENTRE_A), idempotency_key="seed", created_by="awa",
                                   title="Seed", audience=audiences.parse({"audience": "centre"}),
                                   messages={"fr": "Bonjour", "bm": "I ni ce"}, send_at=None, now=TEST_NOW,
                                   settings=settings, facility_code=None)
    db.commit()
    return campaign.id


def _failed_message(db, world, _settings) -> int:
    row = db.scalar(select(OutboxMessage).where(OutboxMessage.recipient == PHONE))
    row.status, row.last_error, row.final_at = "failed", "500 gateway error", TEST_NOW
    db.commit()
    return row.id


def _approved(db, world, _settings) -> str:
    health.approve(db, world.a_pending[0].reference, now=TEST_NOW)
    db.commit()
    return world.a_pending[0].reference


# (name, arrange(db, world) -> value, request(value) -> (method, url, form), action, target_type)
DASHBOARD = [
    ("person page", None, lambda _v: ("get", f"/clinic/people/{PHONE[1:]}", None), "person.view", "person"),
    ("appointment", None, lambda _v: ("post", f"/clinic/people/{PHONE[1:]}/appointments",
                                      {"date": DAY.strftime("%d/%m/%Y"), "form_key": "f1"}),
     "appointment.create", "appointment"),
    ("stop reminders", _approved, lambda ref: ("post", f"/clinic/people/{PHONE[1:]}/stop",
                                               {"source_ref": f"enrollment:{ref}"}), "schedule.stop", "schedule"),
    ("approve", None, lambda _v: ("post", "/clinic/registrations/{ref}/approve", {}),
     "registration.approve", "registration"),
    ("decline", None, lambda _v: ("post", "/clinic/registrations/{ref}/decline", {"reason_code": "bring_card"}),
     "registration.decline", "registration"),
    ("close", _approved, lambda _v: ("post", "/clinic/registrations/{ref}/close", {"note": "moved"}),
     "registration.close", "registration"),
    ("campaign", None, lambda _v: ("post", "/clinic/campaigns/new", CAMPAIGN_FORM), "campaign.create", "campaign"),
    ("cancel campaign", _campaign, lambda cid: ("post", f"/clinic/campaigns/{cid}/cancel", {}),
     "campaign.cancel", "campaign"),
    ("retry", _failed_message, lambda mid: ("post", "/clinic/messages/retry", {"id": str(mid)}),
     "messages.retry", "outbox"),
    ("export", None, lambda _v: ("get", "/clinic/exports/people.csv", None), "export.people", "export"),
]


@pytest.mark.parametrize("name, arrange, request_for, action, target_type", DASHBOARD, ids=[d[0] for d in DASHBOARD])
def test_each_dashboard_action_is_audited(app, db, world, signed_in, name, arrange, request_for, action,
                                          target_type):
    value = arrange(db, world, app.extensions["ussd_settings"]) if arrange else None
    b = signed_in("awa")
    method, url, form = request_for(value)
    url = url.replace("{ref}", world.a_pending[0].reference)
    response = b.get(url) if method == "get" else b.post(url, form)
    assert response.status_code in (200, 302, 303), page(response)[:300]
    db.expire_all()
    entries = list(db.scalars(select(AuditEntry).where(AuditEntry.action == action)))
    assert len(entries) == 1, [e.action for e in db.scalars(select(AuditEntry))]
    entry = entries[0]
    awa = db.scalar(select(StaffAccount).where(StaffAccount.username == "awa"))
    assert (entry.actor_kind, entry.actor_id, entry.actor_label) == ("staff", awa.id, "awa")
    assert entry.target_type == target_type and entry.at == TEST_NOW
    assert entry.facility_code == CENTRE_A
    stored = f"{entry.target_id} {entry.details}"
    assert PHONE[1:] not in stored and "Journée" not in stored  # ids and codes only, never her number
    if target_type == "person":
        assert entry.target_id == person_key(db, PHONE)


API = [
    ("read", lambda ref: ("get", f"/api/v1/enrollments/{ref}", None), "registration.view"),
    ("approve", lambda ref: ("post", f"/api/v1/enrollments/{ref}/approve", None), "registration.approve"),
    ("decline", lambda ref: ("post", f"/api/v1/enrollments/{ref}/decline", {"reason_code": "bring_card"}),
     "registration.decline"),
    ("appointment", lambda ref: ("post", "/api/v1/appointments", {"reference": ref, "date": DAY.isoformat()}),
     "appointment.create"),
    ("campaign", lambda ref: ("post", "/api/v1/campaigns", CAMPAIGN_JSON), "campaign.create"),
    ("export", lambda ref: ("get", "/api/v1/exports/registrations.csv", None), "export.registrations"),
]


@pytest.mark.parametrize("name, request_for, action", API, ids=[a[0] for a in API])
def test_each_api_action_is_audited(client, db, world, tokens, name, request_for, action):
    method, url, body = request_for(world.a_pending[0].reference)
    headers = {**tokens["a"], "Idempotency-Key": "k-1"}
    response = client.get(url, headers=headers) if method == "get" else client.post(url, json=body, headers=headers)
    assert response.status_code in (200, 201), response.get_data(as_text=True)[:300]
    entry = db.scalar(select(AuditEntry).where(AuditEntry.action == action))
    assert entry is not None and entry.actor_kind == "api_token" and entry.actor_label == "test a"
    assert entry.facility_code == CENTRE_A


def test_reading_lists_is_not_logged_but_a_refused_action_is_not_either(db, world, signed_in):
    b = signed_in("bintou")  # centre B: A's person is a 404, and nothing is written
    assert b.get(f"/clinic/people/{PHONE[1:]}").status_code == 404
    b.get("/clinic/registrations")
    assert list(db.scalars(select(AuditEntry))) == []


def test_the_audit_page_is_for_admins_and_filters(db, world, signed_in):
    awa = signed_in("awa")
    awa.get(f"/clinic/people/{PHONE[1:]}")
    assert awa.get("/clinic/audit").status_code == 404
    assert awa.get("/clinic/audit.csv").status_code == 404
    assert "Journal d'audit" not in page(awa.get("/clinic/registrations"))
    by_cli(db, "person.unblock", TEST_NOW - timedelta(days=3), target_type="person", target_id="x",
           facility_code="BKO-C1-BOULK")
    db.commit()
    admin = signed_in("admin")
    everything = page(admin.get("/clinic/audit"))
    assert "Journal d'audit" in everything and "person.view" in everything and "person.unblock" in everything
    awa_id = db.scalar(select(StaffAccount.id).where(StaffAccount.username == "awa"))
    only_awa = page(admin.get(f"/clinic/audit?staff_id={awa_id}"))
    assert "person.view" in only_awa and "person.unblock" not in only_awa
    by_centre = page(admin.get("/clinic/audit?facility=BKO-C1-BOULK"))
    assert "person.unblock" in by_centre and "person.view" not in by_centre
    day = TEST_NOW.strftime("%d/%m/%Y")
    by_day = page(admin.get(f"/clinic/audit?from={day}&to={day}"))
    assert "person.view" in by_day and "person.unblock" not in by_day


def test_the_audit_csv_streams_every_entry_and_is_itself_audited(db, world, signed_in):
    signed_in("awa").get(f"/clinic/people/{PHONE[1:]}")
    admin = signed_in("admin")
    response = admin.get("/clinic/audit.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="audit-')
    body = response.get_data()
    assert body.startswith("\ufeff".encode("utf-8"))
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0][:6] == ["id", "at", "actor_kind", "actor_id", "actor", "action"]
    assert [r[5] for r in rows[1:]] == ["person.view", "audit.export"]
    assert PHONE[1:] not in body.decode("utf-8-sig")
    details = json.loads(rows[2][9])
    assert details == {}


def test_the_application_refuses_to_change_an_entry(db, world):
    entry = by_cli(db, "person.erase", TEST_NOW, target_type="person", target_id="abc")
    db.commit()
    entry.action = "nothing"
    with pytest.raises(AppendOnly):
        db.commit()
    db.rollback()
    with pytest.raises(AppendOnly):
        db.delete(db.get(AuditEntry, entry.id))
        db.flush()
    db.rollback()
    from sqlalchemy import delete, update
    with pytest.raises(AppendOnly):
        db.execute(update(AuditEntry).values(action="x"))
    with pytest.raises(AppendOnly):
        db.execute(delete(AuditEntry))


def test_the_database_refuses_to_change_an_entry(app, db, world, backend):
    by_cli(db, "person.erase", TEST_NOW, target_type="person", target_id="abc")
    db.commit()
    engine = app.extensions["db_engine"]
    with pytest.raises(DBAPIError, match="append-only"):
        with engine.begin() as conn:
            conn.execute(text("UPDATE audit_log SET action = 'x'"))
    if backend == "postgresql":  # SQLite's tests empty tables with DELETE: only UPDATE is refused there
        with pytest.raises(DBAPIError, match="append-only"):
            with engine.begin() as conn:
                conn.execute(text("DELETE FROM audit_log"))
    assert db.scalar(select(AuditEntry.action)) == "person.erase"


CLI = [
    (["staff", "create", "kadi", "--facility", CENTRE_A, "--password", "long-enough-pass"], "staff.create"),
    (["staff", "disable", "awa"], "staff.disable"),
    (["staff", "token", "--facility", CENTRE_A, "--name", "tool"], "token.create"),
    (["enrollments", "approve", "{ref}"], "registration.approve"),
    (["enrollments", "decline", "{ref}", "--reason", "bring_card"], "registration.decline"),
    (["groups", "create", "--name", "Benkadi", "--share-value", "500", "--health-fund", "100"], "group.create"),
    (["outbox", "--retry-failed"], "messages.retry"),
]


@pytest.mark.parametrize("args, action", CLI, ids=[c[1] for c in CLI])
def test_each_changing_command_is_audited(app, db, world, monkeypatch, args, action):
    from click.testing import CliRunner

    from ussd_app.cli import main

    settings = app.extensions["ussd_settings"]
    for name, value in (("DATABASE_URL", settings.database_url), ("REDIS_URL", settings.redis_url),
                        ("SECRET_KEY", settings.secret_key), ("USSD_ENV", "development")):
        monkeypatch.setenv(name, value)
    args = [a.replace("{ref}", world.a_pending[0].reference) for a in args]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    entry = db.scalar(select(AuditEntry).where(AuditEntry.action == action))
    assert entry is not None and entry.actor_kind == "cli" and entry.actor_id is None and entry.actor_label


def test_the_api_audit_export_is_for_tokens_of_every_centre(client, db, world, tokens):
    client.get(f"/api/v1/enrollments/{world.a_pending[0].reference}", headers=tokens["a"])
    assert client.get("/api/v1/audit.csv", headers=tokens["a"]).status_code == 404
    response = client.get("/api/v1/audit.csv?facility=bko-c1-sotuba", headers=tokens["all"])
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    assert [(r[2], r[5], r[8]) for r in rows[1:]] == [("api_token", "registration.view", CENTRE_A),
                                                      ("api_token", "audit.export", CENTRE_A)]  # itself
    assert client.get("/api/v1/audit.csv?from=31/02/2026", headers=tokens["all"]).status_code == 400
    assert client.get("/api/v1/audit.csv?to=9999-12-31", headers=tokens["all"]).status_code == 400
    assert client.get("/api/v1/audit.csv?staff_id=x", headers=tokens["all"]).status_code == 400
