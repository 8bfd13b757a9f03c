"""Campaigns: audiences, idempotent creation, batched planning by a real RQ worker, sending
through the real SDK to the local fake API, quiet hours, cancel, progress and the chart."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from tests.clinic.conftest import CENTRE_A, enroll, page
from tests.conftest import TEST_NOW
from ussd_app.clinic import audience as audiences
from ussd_app.clinic import campaigns, planner
from ussd_app.clinic.models import Campaign
from ussd_app.clinic.scope import Scope
from ussd_app.savings.groups import add_member, create_group
from ussd_app.sms.optout import record_opt_out
from ussd_app.sms.outbox import OutboxMessage
from ussd_app.sms.purposes import CAMPAIGNS, REMINDERS

pytestmark = pytest.mark.dates  # run again under shifted clocks (scripts/test)

FR = "Journée de vaccination samedi au CSCom. Venez avec le carnet."
BM = "Boloci don ye sibiri ye kɛnɛya so la. Aw ka na ni kayiye ye."
SCOPE_A = Scope(CENTRE_A)


def form(**extra):
    data = {"title": "Journée de vaccination", "audience": "centre", "message_fr": FR, "message_bm": BM,
            "key": "same-key", "action": "send", "send_at": ""}
    data.update(extra)
    return data


def campaign_rows(db, campaign_id):
    db.expire_all()
    return list(db.scalars(select(OutboxMessage)
                           .where(OutboxMessage.campaign_id == campaign_id).order_by(OutboxMessage.recipient)))


# Audiences -------------------------------------------------------------------------------------

def test_centre_audience_is_her_centres_active_registrations_minus_opted_out(db, world):
    today = TEST_NOW.date()
    assert audiences.count(db, audiences.Audience("centre"), SCOPE_A, today) == 2
    record_opt_out(db, "+22376000002", source="sms", now=TEST_NOW)
    db.flush()
    assert audiences.count(db, audiences.Audience("centre"), SCOPE_A, today) == 1
    assert audiences.count(db, audiences.Audience("centre"), Scope(None, True), today) == 3


def test_campaigns_skip_who_stopped_campaigns_not_who_stopped_only_reminders(signed_in, world, db, work):
    record_opt_out(db, "+22376000001", source="ussd", now=TEST_NOW, categories=(REMINDERS,))
    record_opt_out(db, "+22376000002", source="ussd", now=TEST_NOW, categories=(CAMPAIGNS,))
    db.commit()
    assert audiences.count(db, audiences.Audience("centre"), SCOPE_A, TEST_NOW.date()) == 1
    b = signed_in("awa")
    b.get("/clinic/campaigns/new")
    b.post("/clinic/campaigns/new", form())
    work()
    campaign = db.scalar(select(Campaign))
    rows = campaign_rows(db, campaign.id)
    assert [(r.recipient, r.purpose) for r in rows] == [("+22376000001", "campaign")]


def test_pregnant_women_by_month(db, world):
    today = date(2026, 6, 1)
    # Month of pregnancy from the expected delivery date (280 days after the last period).
    enroll(db, world.a, "+22376000011", due_date=today + timedelta(days=280 - 10))   # month 1
    enroll(db, world.a, "+22376000012", due_date=today + timedelta(days=280 - 100))  # month 4
    enroll(db, world.a, "+22376000013", due_date=today + timedelta(days=5))          # month 9
    enroll(db, world.a, "+22376000014", due_date=today - timedelta(days=3))          # overdue: still 9
    db.flush()

    def who(low, high):
        audience = audiences.parse({"audience": "pregnant", "month_from": low, "month_to": high})
        return {p for batch in audiences.batches(db, audience, SCOPE_A, today) for p, _ in batch}

    assert who(1, 1) == {"+22376000011"}
    assert who(4, 4) == {"+22376000012"}
    assert who(9, 9) == {"+22376000013", "+22376000014"}
    assert {"+22376000011", "+22376000012"} <= who(1, 5) and "+22376000013" not in who(1, 5)


def test_children_due_for_a_visit_in_a_window(db, world):
    enroll(db, world.a, "+22376000021", kind="child", child_name="Awa", birth_date=date(2026, 1, 5))
    enroll(db, world.a, "+22376000022", kind="child", child_name="Ali", birth_date=date(2026, 3, 1))
    db.flush()
    # Awa: 9 months on 2026-10-05; Ali: 9 months on 2026-12-01.
    audience = audiences.parse({"audience": "children_due", "visit": "9m", "due_from": "2026-10-01",
                                "due_to": "2026-10-05"})
    found = {p for batch in audiences.batches(db, audience, SCOPE_A, date(2026, 9, 1)) for p, _ in batch}
    assert found == {"+22376000021"}
    edge = audiences.parse({"audience": "children_due", "visit": "9m", "due_from": "2026-10-06",
                            "due_to": "2026-12-01"})
    found = {p for batch in audiences.batches(db, edge, SCOPE_A, date(2026, 9, 1)) for p, _ in batch}
    assert found == {"+22376000022"}


def test_savings_group_members_of_the_centre(db, world):
    mine = create_group(db, name="Benkadi", share_value=500, health_fund_per_meeting=100, facility_code=CENTRE_A, now=TEST_NOW)
    other = create_group(db, name="Jigiya", share_value=500, health_fund_per_meeting=100, facility_code="BKO-C1-BOULK", now=TEST_NOW)
    add_member(db, mine, phone="+22376000031", name="Awa T.", now=TEST_NOW)
    add_member(db, mine, phone="+22376000032", name="Fanta K.", now=TEST_NOW)
    add_member(db, other, phone="+22366000031", name="Oumou D.", now=TEST_NOW)
    db.flush()
    today = TEST_NOW.date()
    assert audiences.count(db, audiences.parse({"audience": "savings"}), SCOPE_A, today) == 2
    assert audiences.count(db, audiences.parse({"audience": "savings", "group_id": str(other.id)}), SCOPE_A, today) == 0


@pytest.mark.parametrize("fields, message", [
    ({"audience": "pregnant", "month_from": "7", "month_to": "3"}, "Months of pregnancy"),
    ({"audience": "pregnant", "month_from": "0"}, "Months of pregnancy"),
    ({"audience": "children_due", "visit": "99w"}, "Choose a vaccination visit."),
    ({"audience": "children_due", "visit": "9m", "due_from": "2026-01-01", "due_to": "2025-01-01"}, "date window"),
    ({"audience": "everyone"}, "Choose who receives"),
])
def test_bad_audience_fields_get_a_clear_message(fields, message):
    with pytest.raises(audiences.AudienceError) as caught:
        audiences.parse(fields)
    assert message in caught.value.message


# Creating, planning, sending -------------------------------------------------------------------

def test_preview_shows_the_recipient_count_before_sending(signed_in, world, db):
    b = signed_in("awa")
    b.get("/clinic/campaigns/new")
    response = b.post("/clinic/campaigns/new", form(action="preview"))
    assert response.status_code == 200
    assert "Destinataires : 2" in page(response)
    assert db.scalar(select(func.count()).select_from(Campaign)) == 0
    live = b.get("/clinic/campaigns/audience-count?audience=centre")
    assert live.get_json() == {"count": 2}


def test_campaign_runs_to_completion_in_each_language(signed_in, world, db, work, fake_at):
    b = signed_in("awa")
    b.get("/clinic/campaigns/new")
    first = b.post("/clinic/campaigns/new", form())
    second = b.post("/clinic/campaigns/new", form())  # the same form submitted twice
    assert first.status_code == second.status_code == 303
    assert first.headers["Location"] == second.headers["Location"]
    assert db.scalar(select(func.count()).select_from(Campaign)) == 1
    campaign = db.scalar(select(Campaign))
    work()  # the planner job, then the send jobs it enqueued
    rows = campaign_rows(db, campaign.id)
    assert [r.recipient for r in rows] == ["+22376000001", "+22376000002"]
    assert {r.status for r in rows} == {"sent"}
    by_phone = {r.recipient: r for r in rows}
    assert by_phone["+22376000001"].body == "Journée de vaccination samedi au CSCom. Venez avec le carnet."
    assert by_phone["+22376000002"].body == "Boloci don ye sibiri ye kènèya so la. Aw ka na ni kayiye ye."
    sent_to = {to for request in fake_at.requests for to in request["to"].split(",")}
    assert sent_to == {"+22376000001", "+22376000002"}
    # Delivery reports arrive; the campaign page shows it done, with the chart.
    for row in rows:
        b.client.post("/sms/delivery", data={"id": row.provider_message_id, "status": "Success"})
    text = page(b.get(f"/clinic/campaigns/{campaign.id}"))
    assert "terminée" in text and "<svg" in text and 'data-series="delivered"' in text
    assert b.get(f"/clinic/campaigns/{campaign.id}/progress").get_json()["delivered"] == 2


def test_a_retried_campaign_message_stays_in_its_campaign(signed_in, world, db, work, fake_at):
    b = signed_in("awa")
    b.get("/clinic/campaigns/new")
    b.post("/clinic/campaigns/new", form())
    work()
    campaign = db.scalar(select(Campaign))
    failed = campaign_rows(db, campaign.id)[0]
    failed.status, failed.last_error, failed.final_at = "failed", "500 gateway error", TEST_NOW
    db.commit()
    b.get("/clinic/messages")
    b.post("/clinic/messages/retry", {"id": str(failed.id)})
    rows = campaign_rows(db, campaign.id)
    assert sorted(r.dedupe_key for r in rows if r.dedupe_key.startswith("retry:")) == [f"retry:{failed.id}"]
    assert campaigns.progress(db, campaign).planned == 3  # the two planned and the copy


def test_opted_out_people_get_nothing(signed_in, world, db, work):
    record_opt_out(db, "+22376000002", source="sms", now=TEST_NOW)
    db.commit()
    b = signed_in("awa")
    b.get("/clinic/campaigns/new")
    b.post("/clinic/campaigns/new", form())
    work()
    campaign = db.scalar(select(Campaign))
    assert [r.recipient for r in campaign_rows(db, campaign.id)] == ["+22376000001"]


def test_planning_goes_in_batches_and_resumes_without_doubles(app, db, world, sms_rt):
    for i in range(7):
        enroll(db, world.a, f"+2237610000{i}")
    db.commit()
    now = TEST_NOW
    campaign, _ = campaigns.create(db, scope=SCOPE_A, idempotency_key="k", created_by="t", title="T",
                                   audience=audiences.Audience("centre"), messages={"fr": FR, "bm": BM},
                                   send_at=now + timedelta(days=1), now=now, settings=sms_rt.settings)
    db.commit()
    # One batch of 3 commits, then the job "dies"; a new job resumes after the saved cursor.
    more, ids = planner.plan_batch(db, campaign.id, now, size=3)
    db.commit()
    assert more and len(ids) == 3
    assert planner.plan_campaign(campaign.id, batch_size=3) == 6
    assert planner.plan_campaign(campaign.id, batch_size=3) == 0  # run again: nothing more
    rows = campaign_rows(db, campaign.id)
    assert len(rows) == len({r.recipient for r in rows}) == 9
    db.expire_all()
    done = db.get(Campaign, campaign.id)
    assert done.status == "planned" and done.planned_count == 9


def test_quiet_hours_move_the_sending_time_to_the_morning(app, db, world):
    settings = replace(app.extensions["ussd_settings"], quiet_hours_start=20, quiet_hours_end=8)
    evening = TEST_NOW.replace(hour=21, minute=30, second=0, microsecond=0) + timedelta(days=1)
    campaign, _ = campaigns.create(db, scope=SCOPE_A, idempotency_key="q", created_by="t", title="T",
                                   audience=audiences.Audience("centre"), messages={"fr": FR, "bm": BM},
                                   send_at=evening, now=TEST_NOW, settings=settings)
    assert campaign.send_at == (evening + timedelta(days=1)).replace(hour=8, minute=0)


def test_cancel_stops_what_has_not_gone(signed_in, world, db, work, fake_at):
    b = signed_in("awa")
    b.get("/clinic/campaigns/new")
    later = (TEST_NOW + timedelta(days=2)).strftime("%Y-%m-%dT10:00")
    response = b.post("/clinic/campaigns/new", form(send_at=later))
    work()  # planned, not due yet
    campaign = db.scalar(select(Campaign))
    assert {r.status for r in campaign_rows(db, campaign.id)} == {"pending"}
    assert "programmée" in page(b.get(response.headers["Location"]))
    b.get(response.headers["Location"])
    b.post(f"/clinic/campaigns/{campaign.id}/cancel")
    rows = campaign_rows(db, campaign.id)
    assert {(r.status, r.last_error) for r in rows} == {("failed", campaigns.CANCELLED_ERROR)}
    assert "annulé" in page(b.get(f"/clinic/campaigns/{campaign.id}"))
    assert fake_at.requests == []


def test_message_too_long_is_refused_with_the_limit(signed_in, world, db):
    b = signed_in("awa")
    b.get("/clinic/campaigns/new")
    response = b.post("/clinic/campaigns/new", form(message_fr="x" * 470))
    assert response.status_code == 400
    assert "au plus 3 SMS" in page(response)
    assert db.scalar(select(func.count()).select_from(Campaign)) == 0


def test_campaign_list_and_new_form_render(signed_in, world):
    b = signed_in("awa")
    assert "Aucune campagne" in page(b.get("/clinic/campaigns"))
    text = page(b.get("/clinic/campaigns/new"))
    assert 'id="gsm-tables"' in text and "campaign.js" in text and "Femmes enceintes" in text


def test_planning_lost_with_redis_is_restarted_when_the_campaign_is_looked_at(signed_in, world, db, work):
    # Created while Redis was unreachable: nobody is planning it.
    now = TEST_NOW
    campaign, _ = campaigns.create(db, scope=SCOPE_A, idempotency_key="lost", created_by="awa", title="T",
                                   audience=audiences.Audience("centre"), messages={"fr": FR, "bm": BM},
                                   send_at=None, now=now - timedelta(minutes=10), settings=sms_settings(db))
    db.commit()
    work()
    assert campaign_rows(db, campaign.id) == []
    b = signed_in("awa")
    assert "en préparation" in page(b.get(f"/clinic/campaigns/{campaign.id}"))
    work()
    assert len(campaign_rows(db, campaign.id)) == 2


def sms_settings(db):
    from ussd_app.sms import runtime

    return runtime.current().settings
