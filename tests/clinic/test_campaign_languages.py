"""A campaign speaks every language of the list: one text each, stored per language, and each
person gets hers. Shown with a third language registered at run time (tests/text/pseudo.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.clinic.conftest import enroll, page
from tests.clinic.test_campaigns import BM, FR, SCOPE_A, campaign_rows
from tests.conftest import TEST_NOW
from tests.text import pseudo
from ussd_app.clinic import audience as audiences
from ussd_app.clinic import campaigns, planner
from ussd_app.clinic.models import Campaign, CampaignText
from ussd_app.clinic.openapi import document
from ussd_app.text.gsm import to_gsm

QAA = "JOURNÉE DE VACCINATION SAMEƊI AU CSCOM."


@pytest.fixture
def third_language(tmp_path):
    with pseudo.registered(tmp_path) as language:
        yield language


def create(db, messages, key="k", settings=None):
    return campaigns.create(db, scope=SCOPE_A, idempotency_key=key, created_by="t", title="T",
                            audience=audiences.Audience("centre"), messages=messages,
                            send_at=TEST_NOW + timedelta(days=1), now=TEST_NOW, settings=settings)[0]


def plan(db, campaign):
    more = True
    while more:
        more, _ids = planner.plan_batch(db, campaign.id, TEST_NOW)
    db.flush()
    return {row.recipient: (row.language, row.body) for row in campaign_rows(db, campaign.id)}


def test_each_person_gets_the_text_in_her_language(app, db, world, third_language):
    enroll(db, world.a, "+22376000003", language=pseudo.CODE)
    db.flush()
    settings = app.extensions["ussd_settings"]
    with pytest.raises(campaigns.CampaignError) as refused:
        create(db, {"fr": FR, "bm": BM}, settings=settings)
    assert refused.value.message == "Write the message in every language."
    campaign = create(db, {"fr": FR, "bm": BM, pseudo.CODE: QAA}, settings=settings)
    db.flush()
    stored = db.scalars(select(CampaignText).where(CampaignText.campaign_id == campaign.id)).all()
    assert {t.language: t.body for t in stored} == {"fr": FR, "bm": BM, pseudo.CODE: QAA}
    assert plan(db, campaign) == {"+22376000001": ("fr", to_gsm(FR)), "+22376000002": ("bm", to_gsm(BM)),
                                  "+22376000003": (pseudo.CODE, "JOURNÉE DE VACCINATION SAMEDI AU CSCOM.")}


def test_a_language_added_after_the_campaign_gets_the_fallback_text(app, db, world, tmp_path):
    campaign = create(db, {"fr": FR, "bm": BM}, settings=app.extensions["ussd_settings"])
    db.commit()
    with pseudo.registered(tmp_path):
        enroll(db, world.a, "+22376000003", language=pseudo.CODE)
        db.flush()
        rows = plan(db, campaign)
    assert rows["+22376000003"] == ("bm", to_gsm(BM))  # the audience's fallback language
    assert rows["+22376000001"] == ("fr", to_gsm(FR))


def test_the_form_and_the_api_ask_for_every_language(signed_in, world, db, third_language):
    b = signed_in("awa")
    html = page(b.get("/clinic/campaigns/new"))
    for code in ("fr", "bm", pseudo.CODE):
        assert f'name="message_{code}"' in html
    assert "En PSEUƊO-FRANÇAIS" in html  # its autonym, as its readers write it
    schema = document()["components"]["schemas"]["NewCampaign"]
    assert {"message_fr", "message_bm", f"message_{pseudo.CODE}"} <= set(schema["required"])
    response = b.post("/clinic/campaigns/new", {
        "title": "T", "audience": "centre", "message_fr": FR, "message_bm": BM, "key": "x", "action": "send",
        "send_at": "", f"message_{pseudo.CODE}": QAA})
    assert response.status_code == 303
    campaign = db.scalar(select(Campaign))
    assert campaign.texts[pseudo.CODE] == QAA
    shown = page(b.get(f"/clinic/campaigns/{campaign.id}"))
    assert QAA in shown and FR in shown
