"""The messages page (scoped outbox, retry failed) and the savings groups page (ledger totals)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.clinic.conftest import CENTRE_A, CENTRE_B, page
from tests.conftest import TEST_NOW
from ussd_app.savings import ledger
from ussd_app.savings.groups import add_member, create_group, current_cycle
from ussd_app.sms.outbox import OutboxMessage, queue_sms

pytestmark = pytest.mark.dates  # run again under shifted clocks (scripts/test)


def _fail(db, row, error="403 InvalidPhoneNumber"):
    row.status, row.last_error, row.final_at = "failed", error, TEST_NOW


def test_messages_page_shows_her_centres_messages_with_status(signed_in, world, db):
    text = page(signed_in("awa").get("/clinic/messages"))
    for e in world.a_pending:  # each registration sent a "received" SMS
        assert e.phone in text
    for e in world.b_pending:
        assert e.phone not in text
    assert "en attente" in text


def test_savings_receipts_are_not_shown_to_the_clinic(signed_in, world, db):
    queue_sms(db, recipient=world.a_pending[0].phone, language="fr", message="Recu 5000 FCFA",
              kind="savings_receipt", purpose="receipt", dedupe_key="receipt:1", now=TEST_NOW)
    db.commit()
    assert "Recu 5000 FCFA" not in page(signed_in("awa").get("/clinic/messages"))


def test_retry_failed_queues_a_new_message_once(signed_in, world, db):
    row = db.scalar(select(OutboxMessage).where(OutboxMessage.recipient == world.a_pending[0].phone))
    _fail(db, row)
    db.commit()
    b = signed_in("awa")
    text = page(b.get("/clinic/messages?status=failed"))
    assert "403 InvalidPhoneNumber" in text and "Renvoyer" in text
    b.post("/clinic/messages/retry", {"id": str(row.id)})
    b.post("/clinic/messages/retry", {"id": str(row.id)})  # double click
    db.expire_all()
    copies = db.scalars(select(OutboxMessage).where(OutboxMessage.dedupe_key == f"retry:{row.id}")).all()
    assert len(copies) == 1 and copies[0].status == "pending" and copies[0].body == row.body
    assert db.get(OutboxMessage, row.id).status == "failed"  # history is kept, never moved back


def test_retry_all_failed_covers_only_her_centre(signed_in, world, db):
    mine = db.scalar(select(OutboxMessage).where(OutboxMessage.recipient == world.a_pending[0].phone))
    theirs = db.scalar(select(OutboxMessage).where(OutboxMessage.recipient == world.b_pending[0].phone))
    _fail(db, mine)
    _fail(db, theirs)
    db.commit()
    b = signed_in("awa")
    b.get("/clinic/messages")
    b.post("/clinic/messages/retry", {"all_failed": "1"})
    db.expire_all()
    assert db.scalar(select(func.count()).where(OutboxMessage.dedupe_key == f"retry:{mine.id}")) == 1
    assert db.scalar(select(func.count()).where(OutboxMessage.dedupe_key == f"retry:{theirs.id}")) == 0
    # Nor can she retry the other centre's message by its id.
    b.post("/clinic/messages/retry", {"id": str(theirs.id)})
    db.expire_all()
    assert db.scalar(select(func.count()).where(OutboxMessage.dedupe_key == f"retry:{theirs.id}")) == 0


def test_savings_page_totals_equal_the_ledger(signed_in, world, db):
    group = create_group(db, name="Benkadi", share_value=500, health_fund_per_meeting=200, facility_code=CENTRE_A, now=TEST_NOW)
    other = create_group(db, name="Jigiya", share_value=1000, health_fund_per_meeting=100, facility_code=CENTRE_B, now=TEST_NOW)
    awa = add_member(db, group, phone="+22376000031", name="Awa T.", now=TEST_NOW)
    fanta = add_member(db, group, phone="+22376000032", name="Fanta K.", now=TEST_NOW)
    cycle = current_cycle(db, group.id)
    ledger.add_entry(db, member=awa, cycle_id=cycle.id, kind="shares", amount=1500, shares=3, idempotency_key="e1", now=TEST_NOW)
    ledger.add_entry(db, member=fanta, cycle_id=cycle.id, kind="shares", amount=1000, shares=2, idempotency_key="e2", now=TEST_NOW)
    ledger.add_entry(db, member=awa, cycle_id=cycle.id, kind="health_fund", amount=200, idempotency_key="e3", now=TEST_NOW)
    db.commit()
    balance = ledger.group_balance(db, group.id, cycle.id)
    text = page(signed_in("awa").get("/clinic/savings"))
    assert "Benkadi" in text and "Jigiya" not in text and other.name not in text
    assert "2\u202f500 FCFA" in text and balance.loan_fund == 2500
    assert "200 FCFA" in text and balance.health_fund == 200
    admin = page(signed_in("admin").get("/clinic/savings"))
    assert "Benkadi" in admin and "Jigiya" in admin


def test_a_group_page_shows_loans_and_health_fund_help_and_stays_in_scope(signed_in, world, db):
    from ussd_app.savings.loans import issue_loan, pay_health
    from ussd_app.savings.recording import record_meeting

    group = create_group(db, name="Benkadi", share_value=500, health_fund_per_meeting=200,
                         facility_code=CENTRE_A, now=TEST_NOW)
    other = create_group(db, name="Jigiya", share_value=1000, health_fund_per_meeting=100,
                         facility_code=CENTRE_B, now=TEST_NOW)
    awa = add_member(db, group, phone="+22376000031", name="Awa T.", now=TEST_NOW)
    fanta = add_member(db, group, phone="+22376000032", name="Fanta K.", now=TEST_NOW)
    for week in (14, 7):
        day = TEST_NOW - timedelta(days=week)
        record_meeting(db, group, day=day.date(), key=f"m{week}",
                       shares_by_member={awa.id: 3, fanta.id: 2}, recorded_by_id=None, now=day)
    issue_loan(db, group, fanta, amount=2_000, months=1, key="l", recorded_by_id=None,
               now=TEST_NOW - timedelta(days=40))
    pay_health(db, group, awa, amount=300, reason="delivery", key="h", recorded_by_id=None,
               now=TEST_NOW)
    db.commit()
    b = signed_in("awa")
    text = page(b.get(f"/clinic/savings/{group.id}"))
    assert "5\u202f000 FCFA" in text  # savings: 2 meetings x 5 shares x 500
    assert "2\u202f100 FCFA" in text  # owed on the loan, service charge included
    assert "<svg" in text and "300 FCFA" in text
    assert b.get(f"/clinic/savings/{other.id}").status_code == 404


def test_the_retry_notice_gives_the_count_its_form(signed_in, world, db):
    rows = db.scalars(select(OutboxMessage).where(OutboxMessage.recipient.in_(
        [e.phone for e in world.a_pending]))).all()
    for row in rows:
        _fail(db, row)
    db.commit()
    b = signed_in("awa")
    b.get("/clinic/messages")
    assert len(rows) == 2
    both = page(b.post("/clinic/messages/retry", {"all_failed": "1"}, follow_redirects=True))
    assert "2 messages remis en file." in both and "(s)" not in both
    again = page(b.post("/clinic/messages/retry", {"id": str(rows[0].id)}, follow_redirects=True))
    assert "0 message remis en file." in again  # French: the singular for 0 and 1


def test_the_centre_sets_a_groups_rules_for_the_cycle(signed_in, world, db):
    from ussd_app.savings.rules import rules_for

    group = create_group(db, name="Benkadi", share_value=500, health_fund_per_meeting=200,
                         facility_code=CENTRE_A, now=TEST_NOW)
    other = create_group(db, name="Jigiya", share_value=1000, health_fund_per_meeting=100,
                         facility_code=CENTRE_B, now=TEST_NOW)
    db.commit()
    b = signed_in("awa")
    page(b.get(f"/clinic/savings/{group.id}"))
    done = page(b.post(f"/clinic/savings/{group.id}/rules",
                       {"service_charge_pct": "0", "max_loan_multiple": "2", "loan_months": "6",
                        "fine_late": "50", "fine_absent": "200", "health_mode": "loans"},
                       follow_redirects=True))
    assert "Règles enregistrées" in done
    db.expire_all()
    rules = rules_for(db, current_cycle(db, group.id).id)
    assert (rules.service_charge_pct, rules.max_loan_multiple, rules.health_mode) == (0, 2, "loans")
    bad = page(b.post(f"/clinic/savings/{group.id}/rules", {"service_charge_pct": "50"},
                      follow_redirects=True))
    assert "non enregistrées" in bad
    assert b.post(f"/clinic/savings/{other.id}/rules", {"loan_months": "2"}).status_code == 404
