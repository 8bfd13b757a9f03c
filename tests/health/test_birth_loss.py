"""Birth and loss: the antenatal reminders stop and the child's start; after a loss nothing of
that journey is ever sent again (reminders, waiting news, campaigns about pregnancy or babies),
one kind message goes, once; and each is recorded once whatever is replayed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.health.conftest import outbox
from tests.health.test_registration_fit import LONGEST_CENTRE, REF
from ussd_app.clinic import audience as audiences
from ussd_app.clinic import campaigns, planner
from ussd_app.clinic.scope import Scope
from ussd_app.health import birth_loss, outcomes
from ussd_app.health import enrollment as enr
from ussd_app.health.dates import DateProblem, today_in_mali
from ussd_app.sms.dispatch import materialise_reminders
from ussd_app.sms.optout import stopped_for
from ussd_app.sms.outbox import OutboxMessage, render_sms
from ussd_app.sms.purposes import CAMPAIGNS, REMINDERS
from ussd_app.sms.reminder import PLANNED, QUEUED, STOPPED, Reminder
from ussd_app.text.gsm import sms_size
from ussd_app.text.i18n import LANGUAGES, T

pytestmark = pytest.mark.dates  # run again under shifted clocks (scripts/test)

PHONE = "+22376000050"
CENTRE = "BKO-C1-SOTUBA"
_keys = iter(range(10_000))


def pregnancy(db, facilities, now, *, approve=True, phone=PHONE, weeks_left=2):
    key = f"test:preg:{next(_keys)}"
    e = enr.register(db, request_key=key, reference=enr.plan_reference(db, key), phone=phone,
                     language="fr", kind=enr.PREGNANCY, facility_id=facilities[CENTRE].id, now=now,
                     due_date=today_in_mali(now) + timedelta(weeks=weeks_left))
    if approve:
        enr.approve(db, e.reference, now=now)
    db.commit()
    return e


def birth(db, e, now, key="k-birth", **extra):
    outcome = birth_loss.record_birth(db, e, born=extra.pop("born", today_in_mali(now)), sex="f",
                                      child_name=extra.pop("child_name", None), channel=outcomes.USSD,
                                      recorded_by=outcomes.MOTHER, request_key=key, now=now)
    db.commit()
    return outcome


def loss(db, e, now, key="k-loss", keep=True, reason="miscarriage"):
    outcome = birth_loss.record_loss(db, e, reason_code=reason, keep_information=keep,
                                     channel=outcomes.DASHBOARD, recorded_by="awa", request_key=key, now=now)
    db.commit()
    return outcome


def reminders(db, source_ref, kind=None):
    db.expire_all()
    query = select(Reminder).where(Reminder.source_ref == source_ref)
    if kind:
        query = query.where(Reminder.kind == kind)
    return list(db.scalars(query))


def child_of(db, outcome):
    db.expire_all()
    return db.get(enr.Enrollment, outcome.child_enrollment_id)


# Birth -------------------------------------------------------------------------------------

def test_birth_of_an_approved_pregnancy_stops_antenatal_and_starts_the_childs_reminders(db, facilities, clock):
    now = clock.now
    e = pregnancy(db, facilities, now)
    assert any(r.status == PLANNED for r in reminders(db, e.source_ref, "antenatal"))
    outcome = birth(db, e, now)
    db.expire_all()
    assert e.status == enr.ENDED and outcome.kind == outcomes.BORN and outcome.sex == "f"
    assert not [r for r in reminders(db, e.source_ref) if r.status == PLANNED]
    assert {r.skip_reason for r in reminders(db, e.source_ref) if r.status == STOPPED} == {birth_loss.STOPPED_BORN}
    child = child_of(db, outcome)
    assert (child.kind, child.status, child.facility_id, child.birth_date) == \
        (enr.CHILD, enr.APPROVED, e.facility_id, today_in_mali(now))
    kinds = {r.kind for r in reminders(db, child.source_ref) if r.status == PLANNED}
    assert kinds == {"postnatal", "immunization"}
    # Not yet named: her reminders say "your baby" in her language.
    assert {r.child_name for r in reminders(db, child.source_ref, "immunization")} == {"votre bébé"}
    told = [m for m in outbox(db, "enrollment") if m.dedupe_key.startswith("outcome:")]
    assert len(told) == 1 and child.reference in told[0].body and "Félicitations" in told[0].body


def test_birth_of_a_pending_pregnancy_waits_for_the_centre_then_plans_postnatal_care(db, facilities, clock):
    now = clock.now
    e = pregnancy(db, facilities, now, approve=False)
    child = child_of(db, birth(db, e, now, born=today_in_mali(now) - timedelta(days=1)))
    assert child.status == enr.PENDING and reminders(db, child.source_ref) == []
    enr.approve(db, child.reference, now=now)
    db.commit()
    steps = {r.step: r.status for r in reminders(db, child.source_ref, "postnatal")}
    assert steps == {"pnc1": PLANNED, "pnc2": PLANNED, "pnc3": PLANNED, "pnc4": PLANNED}


def test_a_birth_told_twice_is_recorded_once(db, facilities, clock):
    now = clock.now
    e = pregnancy(db, facilities, now)
    first = birth(db, e, now, key="hop-1")
    again = birth(db, e, now, key="hop-1")  # the gateway resent the hop
    other = birth(db, e, now + timedelta(minutes=1), key="hop-2")  # she told it again
    assert first.id == again.id == other.id
    assert len(db.scalars(select(enr.Enrollment).where(enr.Enrollment.kind == enr.CHILD)).all()) == 1
    assert len([m for m in outbox(db) if m.dedupe_key.startswith("outcome:")]) == 1


def test_birth_dates_are_within_the_six_postnatal_weeks(clock):
    today = today_in_mali(clock.now)
    assert birth_loss.birth_date((today - timedelta(days=42)).strftime("%d%m%Y"), today) == today - timedelta(days=42)
    for days, problem in ((43, "too_old"), (-1, "future")):
        with pytest.raises(DateProblem) as refused:
            birth_loss.birth_date((today - timedelta(days=days)).strftime("%d%m%Y"), today)
        assert refused.value.kind == problem


# Loss --------------------------------------------------------------------------------------

def test_after_a_loss_no_reminder_of_any_kind_for_that_journey_is_sent(db, facilities, clock):
    now = clock.now
    e = pregnancy(db, facilities, now, weeks_left=30)
    # One reminder already became an outbox row waiting for its time (the morning, say).
    first = min((r for r in reminders(db, e.source_ref) if r.status == PLANNED), key=lambda r: r.due_at)
    materialise_reminders(db, first.due_at)
    db.commit()
    assert reminders(db, e.source_ref) and db.get(Reminder, first.id).status == QUEUED
    loss(db, e, now)
    db.expire_all()
    assert {r.status for r in reminders(db, e.source_ref)} <= {STOPPED, "skipped"}
    waiting = db.get(OutboxMessage, db.get(Reminder, first.id).outbox_id)
    assert waiting.status == "failed" and waiting.last_error == "stopped: lost"
    # A year of dispatching later: nothing more for her but the one kind message.
    for days in range(0, 365, 7):
        materialise_reminders(db, now + timedelta(days=days))
    db.commit()
    # (Its registration's news still waiting was cancelled too.)
    assert [m.dedupe_key for m in outbox(db, phone=PHONE) if m.status != "failed"] == [f"outcome:{e.source_ref}:lost"]


def test_a_loss_cancels_news_still_waiting_and_sends_one_kind_message(db, facilities, clock):
    now = clock.now
    e = pregnancy(db, facilities, now)
    approved_news = [m for m in outbox(db, phone=PHONE) if m.dedupe_key.endswith(":approved")]
    assert approved_news and approved_news[0].status == "pending"
    loss(db, e, now, key="once")
    loss(db, e, now, key="once")  # a double submit
    loss(db, e, now, key="twice")  # or another member of staff a moment later
    db.expire_all()
    assert db.get(OutboxMessage, approved_news[0].id).status == "failed"
    kind = [m for m in outbox(db, phone=PHONE) if m.dedupe_key.startswith("outcome:")]
    assert len(kind) == 1 and kind[0].status == "pending" and "désolés" in kind[0].body
    for word in ("Félicitations", "bébé", "vaccin"):
        assert word not in kind[0].body
    assert len(db.scalars(select(outcomes.Outcome)).all()) == 1
    assert e.status == enr.ENDED and db.scalar(select(outcomes.Outcome)).reason_code == "miscarriage"


def test_losing_a_baby_stops_its_postnatal_and_vaccination_reminders_and_the_birth_news(db, facilities, clock):
    now = clock.now
    e = pregnancy(db, facilities, now)
    child = child_of(db, birth(db, e, now))
    assert reminders(db, child.source_ref)
    born_news = [m for m in outbox(db, phone=PHONE) if m.dedupe_key.endswith(":born")][0]
    loss(db, child, now + timedelta(minutes=5), reason="baby_died")
    db.expire_all()
    assert not [r for r in reminders(db, child.source_ref) if r.status in (PLANNED, QUEUED)]
    assert db.get(OutboxMessage, born_news.id).status == "failed"  # never a congratulation after
    for days in range(0, 500, 10):
        assert materialise_reminders(db, now + timedelta(days=days))[0] == 0


@pytest.mark.parametrize("keep", [True, False])
def test_she_chooses_whether_general_health_information_still_comes(db, facilities, clock, keep):
    now = clock.now
    loss(db, pregnancy(db, facilities, now), now, keep=keep)
    stopped = stopped_for(db, PHONE)
    assert (CAMPAIGNS in stopped) is (not keep) and REMINDERS not in stopped


def _campaign(db, app, kind, now, **params):
    audience = audiences.Audience(kind, params)
    campaign, _ = campaigns.create(db, scope=Scope(CENTRE), idempotency_key=f"c-{kind}-{next(_keys)}",
                                   created_by="awa", title="T", audience=audience,
                                   messages={"fr": "Journée de la femme enceinte", "bm": "Muso kɔnɔmaw ka don"},
                                   send_at=now + timedelta(days=2), now=now,
                                   settings=app.extensions["ussd_settings"])
    planner.plan_batch(db, campaign.id, now)
    db.commit()
    return campaign


def test_campaigns_about_pregnancy_or_babies_never_reach_her_after_a_loss(app, db, facilities, clock):
    now = clock.now
    e = pregnancy(db, facilities, now)
    pregnant = _campaign(db, app, audiences.PREGNANT, now, month_from=1, month_to=9)
    everyone = _campaign(db, app, audiences.CENTRE, now)
    planned = {m.campaign_id: m for m in outbox(db, phone=PHONE) if m.campaign_id}
    assert set(planned) == {pregnant.id, everyone.id}
    loss(db, e, now, keep=True)
    db.expire_all()
    # Already planned for the pregnant women: cancelled; the centre's general news: kept.
    assert db.get(OutboxMessage, planned[pregnant.id].id).status == "failed"
    assert db.get(OutboxMessage, planned[everyone.id].id).status == "pending"
    # New campaigns to pregnant women or parents of young children leave her out.
    scope, today = Scope(CENTRE), today_in_mali(now)
    pregnant_women = audiences.Audience(audiences.PREGNANT, {"month_from": 1, "month_to": 9})
    assert PHONE not in {p for batch in audiences.batches(db, pregnant_women, scope, today) for p, _ in batch}


def test_a_new_registration_after_a_loss_brings_her_back_to_the_audiences(db, facilities, clock):
    now = clock.now
    loss(db, pregnancy(db, facilities, now), now)
    scope, later = Scope(CENTRE), now + timedelta(days=120)
    pregnant_women = audiences.Audience(audiences.PREGNANT, {"month_from": 1, "month_to": 9})

    def reached(day):
        return {p for batch in audiences.batches(db, pregnant_women, scope, day) for p, _ in batch}

    assert PHONE not in reached(today_in_mali(later))
    pregnancy(db, facilities, later, weeks_left=30)
    assert PHONE in reached(today_in_mali(later))


def test_the_loss_reason_must_be_one_of_the_codes(db, facilities, clock):
    e = pregnancy(db, facilities, clock.now)
    with pytest.raises(birth_loss.OutcomeError):
        birth_loss.record_loss(db, e, reason_code="because", keep_information=True, channel=outcomes.USSD,
                               recorded_by=outcomes.MOTHER, request_key="bad", now=clock.now)


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("message", [birth_loss.SMS_BORN_APPROVED, birth_loss.SMS_BORN_PENDING,
                                     birth_loss.SMS_LOST], ids=["born", "born-pending", "lost"])
def test_birth_and_loss_messages_fit_one_sms_part(lang, message):
    body = render_sms(lang, T(message, {"ref": REF, "centre": LONGEST_CENTRE}))
    size = sms_size(body)
    assert (size.encoding, size.parts) == ("GSM-7", 1), (size, body)


def test_after_a_loss_no_vaccination_campaign_to_parents_reaches_her(db, facilities, clock):
    now = clock.now
    today = today_in_mali(now)
    key = "test:older-child"
    enr.register(db, request_key=key, reference=enr.plan_reference(db, key), phone=PHONE, language="fr",
                 kind=enr.CHILD, facility_id=facilities[CENTRE].id, now=now, child_name="Awa",
                 birth_date=today - timedelta(days=250))
    db.commit()
    due = audiences.Audience(audiences.CHILDREN_DUE, {"visit": "9m", "due_from": today.isoformat(),
                                                      "due_to": (today + timedelta(days=60)).isoformat()})

    def parents():
        return {p for batch in audiences.batches(db, due, Scope(CENTRE), today) for p, _ in batch}

    assert PHONE in parents()
    loss(db, pregnancy(db, facilities, now + timedelta(seconds=1)), now + timedelta(seconds=2))
    assert PHONE not in parents()
