"""Erasure on request: her data gone from every table, the outbox and Redis; counts and savings
balances unchanged; nothing sent to her afterwards; the CLI and the dashboard's admin action."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from tests.clinic.conftest import CENTRE_A, enroll, page
from tests.conftest import TEST_NOW
from ussd_app.clinic.appointments import set_appointment
from ussd_app.audit import AuditEntry
from ussd_app.clinic.erasure import erase
from ussd_app.clinic.scope import Scope
from ussd_app.health import enrollment as health
from ussd_app.health.enrollment import Enrollment
from ussd_app.models import metadata
from ussd_app.savings import ledger
from ussd_app.savings.groups import add_member, create_group, current_cycle
from ussd_app.savings.models import Member, PinCredential
from ussd_app.sms.blocklist import ErasedPhone, is_blocked, phone_hash
from ussd_app.sms.outbox import OutboxMessage, queue_sms
from ussd_app.sms.purposes import NOTICE
from ussd_app.sms.reminder import Reminder
from ussd_app.subscribers import Subscriber

HER = "+22376555001"
NEIGHBOUR = "+22376555002"
CHILD, MOTHER = "Kadidiatou", "Mariam Traoré"


def _arrange(db, world, redis_client):
    """Her registration (approved: reminders, SMS), an appointment, a savings membership with a
    PIN and entries, and live USSD state in Redis; a neighbour in the same group."""
    child = enroll(db, world.a, HER, kind="child", child_name=CHILD, birth_date=date(2026, 6, 1),
                   mother_name=MOTHER)
    enroll(db, world.a, NEIGHBOUR)
    health.approve(db, child.reference, now=TEST_NOW)
    set_appointment(db, scope=Scope(CENTRE_A), enrollment=child, phone=HER, when=TEST_NOW.date() + timedelta(days=9),
                    note="Mariam: bring the card", created_by="awa", idempotency_key="t-appt", now=TEST_NOW)
    group = create_group(db, name="Benkadi", share_value=500, health_fund_per_meeting=100,
                         facility_code=CENTRE_A, now=TEST_NOW)
    her = add_member(db, group, phone=HER, name=MOTHER, now=TEST_NOW)
    other = add_member(db, group, phone=NEIGHBOUR, name="Awa Keita", now=TEST_NOW)
    pin = db.get(PinCredential, her.id)
    pin.pin_hash, pin.pending_hash = "$argon2id$x", "$argon2id$y"
    cycle = current_cycle(db, group.id)
    for member, key in ((her, "h1"), (her, "h2"), (other, "o1")):
        ledger.add_entry(db, member=member, cycle_id=cycle.id, kind="shares", amount=1000, shares=2,
                         idempotency_key=f"ussd:s1:{key}", now=TEST_NOW)
    db.commit()
    for key in (f"ussd:s:{HER}:sess1", f"ussd:r:{HER}:sess1:abc", f"ussd:o:{HER}:sess1", f"ussd:resume:{HER}",
                f"ussd:s:{NEIGHBOUR}:sess2"):
        redis_client.set(key, "x")
    return group, cycle, her


def _personal_values(db) -> list[str]:
    """Every stored text value, anywhere, that holds her phone, her names or her child's birth date."""
    found = []
    for table in metadata.sorted_tables:
        for row in db.execute(select(table)).mappings():
            for column, value in row.items():
                if (table.name, column) == ("reminders", "visit_date"):
                    continue  # an anonymous schedule's dates (the birth dose falls on the birth day)
                text = str(value)
                if value is not None and (HER in text or HER[1:] in text or CHILD in text or "Mariam" in text
                                          or (isinstance(value, date) and value == date(2026, 6, 1))):
                    found.append(f"{table.name}.{column}={text[:40]}")
    return found


def test_erase_removes_her_from_every_table_and_keeps_counts_and_balances(app, db, world, redis_client):
    group, cycle, her = _arrange(db, world, redis_client)
    assert _personal_values(db)  # the check finds her before
    before = ledger.group_balance(db, group.id, cycle.id)
    counts = {t.name: db.scalar(select(func.count()).select_from(t)) for t in metadata.sorted_tables}
    her_outbox = db.scalar(select(func.count()).select_from(OutboxMessage).where(OutboxMessage.recipient == HER))
    assert her_outbox >= 1

    from ussd_app.clinic.erasure import forget_sessions
    report = erase(db, HER, TEST_NOW)
    db.commit()
    report.redis_keys = forget_sessions(redis_client, HER)

    assert _personal_values(db) == []
    assert report.redis_keys == 4
    assert redis_client.keys(f"*{HER}*") == [] and redis_client.get(f"ussd:s:{NEIGHBOUR}:sess2") == b"x"
    # Counts stay (DHIS2, campaign results), except what is hers alone: her subscriber row and PIN.
    after = {t.name: db.scalar(select(func.count()).select_from(t)) for t in metadata.sorted_tables}
    assert after["subscribers"] == counts["subscribers"] - 1
    assert after["savings_pins"] == counts["savings_pins"] - 1
    for name in ("health_enrollments", "reminders", "sms_outbox", "savings_members", "savings_ledger",
                 "clinic_appointments"):
        assert after[name] == counts[name], name
    hers = list(db.scalars(select(OutboxMessage).where(OutboxMessage.recipient == report.placeholder)))
    assert len(hers) == her_outbox
    assert {(r.body, r.provider_message_id, r.last_error, r.status) for r in hers} == {
        ("", None, "recipient erased", "rejected")}  # none had gone yet: none will
    # The ledger is untouched, so the group's balance and her (anonymous) member's are the same.
    assert ledger.group_balance(db, group.id, cycle.id) == before
    anonymous = db.get(Member, her.id)
    assert anonymous.phone == report.placeholder and anonymous.name == ""
    assert ledger.member_balance(db, her.id, cycle.id).savings == 2000
    # Her registration still counts, with no name, date or phone; planned reminders stopped.
    row = db.scalar(select(Enrollment).where(Enrollment.phone == report.placeholder))
    assert (row.kind, row.status, row.child_name, row.birth_date, row.mother_name) == ("child", "approved", None,
                                                                                        None, None)
    assert db.scalar(select(func.count()).select_from(Reminder).where(Reminder.status == "planned",
                                                                      Reminder.phone == report.placeholder)) == 0
    # The blocklist holds a keyed hash, never the phone.
    stored = db.scalar(select(ErasedPhone.phone_hash))
    assert stored == phone_hash(app.extensions["ussd_settings"].phone_hash_key, HER) and HER[1:] not in stored
    assert is_blocked(db, HER) and not is_blocked(db, NEIGHBOUR)


def test_nothing_is_sent_to_her_afterwards(app, db, world, redis_client, sms_rt, work):
    _arrange(db, world, redis_client)
    # A message planned by a bulk writer (campaigns write rows without queue_sms) before erasure...
    late = OutboxMessage(recipient=HER, language="fr", body="x", parts=1, kind="campaign", purpose="campaign",
                         dedupe_key="late", status="pending", attempts=0, due_at=TEST_NOW, created_at=TEST_NOW,
                         updated_at=TEST_NOW)
    erase(db, HER, TEST_NOW)
    db.commit()
    # ...and one written after it under her real phone: the send path refuses both.
    late.recipient = HER
    db.add(late)
    db.commit()
    assert queue_sms(db, recipient=HER, language="fr", message="Bonjour", kind="test", purpose=NOTICE,
                     dedupe_key="after", now=TEST_NOW) is None
    db.commit()
    from ussd_app.sms.send import deliver
    deliver(sms_rt, late.id)
    db.refresh(late)
    assert (late.status, late.last_error, late.sent_at) == ("rejected", "recipient erased", None)
    assert db.scalar(select(func.count()).select_from(OutboxMessage)
                     .where(OutboxMessage.recipient == HER, OutboxMessage.status.in_(("sent", "delivered")))) == 0


def test_cli_forget_asks_then_erases_and_is_audited(app, db, world, redis_client, monkeypatch):
    from ussd_app.cli import main
    from ussd_app.sms import runtime as sms_runtime

    _arrange(db, world, redis_client)
    settings = app.extensions["ussd_settings"]
    for name, value in (("DATABASE_URL", settings.database_url), ("REDIS_URL", settings.redis_url),
                        ("SECRET_KEY", settings.secret_key), ("USSD_ENV", "development")):
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(sms_runtime, "from_settings", lambda _s: sms_runtime.SmsRuntime(
        settings, app.extensions["db_sessions"], redis_client, None, app.extensions["clock"]))
    runner = CliRunner()
    refused = runner.invoke(main, ["people", "forget", "76 55 50 01"], input="n\n")
    assert refused.exit_code == 1 and not is_blocked(db, HER)
    done = runner.invoke(main, ["people", "forget", "76 55 50 01", "--yes"])
    assert done.exit_code == 0, done.output
    assert "health_enrollments: 1 row(s) anonymised" in done.output and "subscribers: 1 row(s) deleted" in done.output
    assert "redis: 4 key(s) deleted" in done.output and HER not in done.output
    db.expire_all()
    assert is_blocked(db, HER) and _personal_values(db) == []
    entry = db.scalar(select(AuditEntry).where(AuditEntry.action == "person.erase"))
    assert entry.actor_kind == "cli" and entry.target_type == "person" and HER[1:] not in entry.target_id
    assert json.loads(entry.details)["rows"] > 0
    bad = runner.invoke(main, ["people", "forget", "not-a-phone", "--yes"])
    assert bad.exit_code == 2


def test_ussd_refuses_an_erased_phone_even_in_a_session_begun_before(app, db, world, redis_client, dial):
    from ussd_app.clinic.erasure import forget_sessions

    _arrange(db, world, redis_client)
    redis_client.delete(f"ussd:resume:{HER}")  # the arranged stand-in is no real resume offer
    live = dial(phone=HER)
    assert live.answer.startswith("CON ")
    erase(db, HER, TEST_NOW)
    db.commit()
    assert forget_sessions(redis_client, HER) >= 1
    assert live.press("1").answer.startswith("END ") and "Effacé à la demande" in live.answer
    answer = dial(phone=HER).answer
    assert answer.startswith("END ") and "Effacé à la demande" in answer
    assert db.scalar(select(func.count()).select_from(Subscriber).where(Subscriber.phone == HER)) == 0


@pytest.mark.parametrize("who, status", [("awa", 404), ("admin", 200)])
def test_dashboard_erasure_is_for_admins_with_a_confirm_step(app, db, world, redis_client, signed_in, who, status):
    _arrange(db, world, redis_client)
    b = signed_in(who)
    confirm = b.get(f"/clinic/people/{HER[1:]}/erase")
    assert confirm.status_code == status
    if status == 404:
        assert b.post(f"/clinic/people/{HER[1:]}/erase", {"confirm": HER[1:]}).status_code == 404
        assert not is_blocked(db, HER)
        return
    # CSRF, and the number typed again, are both required.
    assert b.client.post(f"/clinic/people/{HER[1:]}/erase", data={"confirm": HER[1:]}).status_code == 400
    wrong = b.post(f"/clinic/people/{HER[1:]}/erase", {"confirm": "22376000000"})
    assert wrong.status_code == 400 and not is_blocked(db, HER)
    done = b.post(f"/clinic/people/{HER[1:]}/erase", {"confirm": HER[1:]})
    assert done.status_code == 302
    db.expire_all()
    assert is_blocked(db, HER) and _personal_values(db) == []
    assert redis_client.keys(f"*{HER}*") == []
    assert b.get(f"/clinic/people/{HER[1:]}").status_code == 404
    entry = db.scalar(select(AuditEntry).where(AuditEntry.action == "person.erase"))
    assert entry.actor_kind == "staff" and entry.actor_label == "admin"
    assert "Benkadi" in page(b.get("/clinic/savings"))


def test_a_roster_cannot_bring_an_erased_number_back_until_it_is_unblocked(app, db, world, redis_client):
    from ussd_app.savings.groups import GroupError
    from ussd_app.sms.blocklist import unblock

    group, _cycle, _her = _arrange(db, world, redis_client)
    erase(db, HER, TEST_NOW)
    db.commit()
    with pytest.raises(GroupError, match="erased"):
        add_member(db, group, phone=HER, name="Someone", now=TEST_NOW)
    db.rollback()
    assert unblock(db, HER)  # the operator gave the number to someone new
    db.commit()
    assert add_member(db, group, phone=HER, name="New owner", now=TEST_NOW).phone == HER


def test_an_sms_from_an_erased_number_records_nothing_and_gets_no_answer(app, client, db, world, redis_client):
    _arrange(db, world, redis_client)
    erase(db, HER, TEST_NOW)
    db.commit()
    before = db.scalar(select(func.count()).select_from(OutboxMessage))
    answer = client.post("/sms/inbound", data={"from": HER, "text": "AIDE", "id": "in-erased"})
    assert answer.status_code == 200
    assert db.scalar(select(func.count()).select_from(Subscriber).where(Subscriber.phone == HER)) == 0
    assert db.scalar(select(func.count()).select_from(OutboxMessage)) == before
    assert _personal_values(db) == []
