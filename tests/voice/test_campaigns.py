"""Campaigns by call: planned rows follow each recipient's channel when the campaign's text is
recorded in her language; the calls go through the real SDK against the fake gateway."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.clinic.conftest import world  # noqa: F401
from tests.clinic.test_campaigns import BM, FR, SCOPE_A
from tests.voice.conftest import TONE
from ussd_app.clinic import audience as audiences
from ussd_app.clinic import campaigns, planner
from ussd_app.sms.outbox import OutboxMessage
from ussd_app.sms.outbox_calls import take_new_call_ids
from ussd_app.voice.campaigns import campaign_key
from ussd_app.voice.channels import set_channel
from ussd_app.voice.fragments import MENU
from ussd_app.voice.recordings import save_recording

pytestmark = pytest.mark.dates
FR_MOTHER, BM_MOTHER = "+22376000001", "+22376000002"  # of the `world` fixture


@pytest.fixture
def campaign(app, db, world, clock):  # noqa: F811
    made = campaigns.create(db, scope=SCOPE_A, idempotency_key="k", created_by="t", title="T",
                            audience=audiences.Audience("centre"), messages={"fr": FR, "bm": BM},
                            send_at=clock.now + timedelta(hours=1), now=clock.now,
                            settings=app.extensions["ussd_settings"])[0]
    db.commit()
    return made


@pytest.fixture
def record_campaign(db, storage, clock):
    def run(campaign_id: int, language: str) -> None:
        for key in (campaign_key(campaign_id), *MENU):
            save_recording(db, storage, fragment_key=key, language=language, data=TONE, now=clock.now,
                           uploaded_by="test")
        db.commit()

    return run


def plan(db, campaign_id, now, voice=True) -> list[tuple]:
    more = True
    while more:
        more, _ = planner.plan_batch(db, campaign_id, now, size=1, voice=voice)
    take_new_call_ids(db)
    db.commit()
    return [(r.recipient, r.channel, r.language, r.dedupe_key) for r in db.scalars(
        select(OutboxMessage).where(OutboxMessage.campaign_id == campaign_id)
        .order_by(OutboxMessage.recipient, OutboxMessage.channel))]


def test_calls_only_where_the_text_is_recorded_in_her_language(db, campaign, record_campaign, clock):
    set_channel(db, FR_MOTHER, "both", clock.now)
    set_channel(db, BM_MOTHER, "voice", clock.now)
    db.commit()
    record_campaign(campaign.id, "bm")
    key = f"campaign:{campaign.id}:"
    assert plan(db, campaign.id, clock.now) == [
        (FR_MOTHER, "sms", "fr", key + FR_MOTHER),  # both, but French is not recorded: SMS only
        (BM_MOTHER, "voice", "bm", key + BM_MOTHER + ":call1"),  # calls only: no SMS row
    ]
    db.refresh(campaign)
    assert (campaign.status, campaign.planned_count) == ("planned", 2)


def test_without_a_voice_number_or_a_recording_every_row_is_an_sms(db, campaign, record_campaign, clock):
    set_channel(db, BM_MOTHER, "voice", clock.now)
    db.commit()
    assert [c for _, c, _, _ in plan(db, campaign.id, clock.now)] == ["sms", "sms"]


def test_with_both_she_gets_the_sms_and_the_call(db, campaign, record_campaign, clock):
    set_channel(db, FR_MOTHER, "both", clock.now)
    db.commit()
    record_campaign(campaign.id, "fr")
    assert [(p, c) for p, c, _, _ in plan(db, campaign.id, clock.now)] == [
        (FR_MOTHER, "sms"), (FR_MOTHER, "voice"), (BM_MOTHER, "sms")]


@pytest.mark.parametrize("outcome", ["answered", "failed"])
def test_a_campaign_call_is_played_and_falls_back_to_one_sms(outcome, db, campaign, record_campaign, clock,
                                                             voice_rt, fake_at, dispatch_and_work, rows_of):
    set_channel(db, BM_MOTHER, "voice", clock.now)
    db.commit()
    record_campaign(campaign.id, "bm")
    plan(db, campaign.id, clock.now)
    fake_at.plan_call(BM_MOTHER, outcome)
    clock.now = campaign.send_at + timedelta(minutes=1)
    dispatch_and_work()
    [call] = fake_at.run_calls()
    assert call.to == BM_MOTHER
    if outcome == "answered":
        assert call.played[0].rsplit("/", 1)[1].startswith(f"bm-campaign-{campaign.id}-")
    dispatch_and_work()
    dispatch_and_work()
    got = [(r.recipient, r.channel, r.status) for r in rows_of(FR_MOTHER) + rows_of(BM_MOTHER)
           if r.campaign_id == campaign.id or r.dedupe_key.startswith(f"campaign:{campaign.id}:")]
    assert got == [(FR_MOTHER, "sms", "sent")] + (
        [(BM_MOTHER, "voice", "delivered")] if outcome == "answered" else
        [(BM_MOTHER, "voice", "failed"), (BM_MOTHER, "sms", "sent")])
    assert sum(body.startswith(BM[:10]) for body in fake_at.sent_to(BM_MOTHER)) == (0 if outcome == "answered" else 1)
