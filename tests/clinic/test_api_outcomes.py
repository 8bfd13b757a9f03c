"""Birth and loss over the API: the same effects as on the dashboard, once per Idempotency-Key,
only for the token's centre, checked against the document, audited."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.clinic.conftest import CENTRE_A
from ussd_app.audit import AuditEntry
from ussd_app.health import enrollment as health
from ussd_app.health import outcomes
from ussd_app.health.dates import today_in_mali
from ussd_app.sms.optout import stopped_for
from ussd_app.sms.outbox import OutboxMessage
from ussd_app.sms.purposes import CAMPAIGNS
from ussd_app.sms.reminder import PLANNED, Reminder

pytestmark = pytest.mark.dates


def _post(client, reference, what, body, headers, key="k-1"):
    return client.post(f"/api/v1/enrollments/{reference}/{what}", json=body,
                       headers={**headers, "Idempotency-Key": key} if key else headers)


def _planned(db, source_ref):
    db.expire_all()
    return db.scalar(select(func.count(Reminder.id)).where(Reminder.source_ref == source_ref,
                                                           Reminder.status == PLANNED))


def _news(db, phone):
    db.expire_all()
    return list(db.scalars(select(OutboxMessage).where(OutboxMessage.recipient == phone,
                                                       OutboxMessage.dedupe_key.like("outcome:%"))))


def _recorded(db):
    db.expire_all()
    return list(db.scalars(select(outcomes.Outcome)))


def _audited(db, action):
    db.expire_all()
    return list(db.scalars(select(AuditEntry).where(AuditEntry.action == action)))


@pytest.fixture
def approved(db, world, clock):
    pregnancy = world.a_pending[0]
    health.approve(db, pregnancy.reference, now=clock.now)
    db.commit()
    assert _planned(db, pregnancy.source_ref) > 0  # antenatal reminders planned
    return pregnancy


def test_a_birth_closes_the_pregnancy_and_registers_the_child_once(client, db, tokens, approved, clock):
    born = today_in_mali(clock.now) - timedelta(days=1)
    body = {"date": born.isoformat(), "sex": "f"}
    first = _post(client, approved.reference, "birth", body, tokens["a"])
    assert first.status_code == 201, first.get_json()
    answer = first.get_json()
    assert (answer["reference"], answer["outcome"], answer["date"], answer["sex"]) == \
        (approved.reference, "born", born.isoformat(), "f")
    again = _post(client, approved.reference, "birth", body, tokens["a"])
    assert again.status_code == 200 and again.get_json() == answer  # the first result, nothing more
    [outcome] = _recorded(db)
    assert (outcome.channel, outcome.recorded_by) == (outcomes.API, "api:test a")
    child = db.scalar(select(health.Enrollment).where(health.Enrollment.reference == answer["child_reference"]))
    assert (child.kind, child.status, child.birth_date) == (health.CHILD, health.APPROVED, born)
    assert _planned(db, approved.source_ref) == 0  # antenatal reminders stopped
    assert _planned(db, child.source_ref) > 0  # postnatal and vaccination reminders started
    assert len(_news(db, approved.phone)) == 1  # one SMS, not one per request
    [entry] = _audited(db, "outcome.birth")
    assert (entry.actor_kind, entry.actor_label, entry.facility_code, entry.target_id) == \
        ("api_token", "test a", CENTRE_A, approved.reference)
    assert approved.phone[1:] not in entry.details and child.reference in entry.details


def test_a_loss_stops_every_reminder_and_sends_one_kind_message(client, db, tokens, approved, clock):
    day = today_in_mali(clock.now) - timedelta(days=3)
    body = {"reason_code": "miscarriage", "keep_information": False, "date": day.isoformat()}
    first = _post(client, approved.reference, "loss", body, tokens["a"], key="loss-1")
    assert first.status_code == 201, first.get_json()
    assert first.get_json()["outcome"] == "lost" and first.get_json()["reason_code"] == "miscarriage"
    again = _post(client, approved.reference, "loss", body, tokens["a"], key="loss-1")
    assert again.status_code == 200 and again.get_json() == first.get_json()
    [outcome] = _recorded(db)
    assert (outcome.kind, outcome.event_date, outcome.keep_information) == (outcomes.LOST, day, False)
    assert _planned(db, approved.source_ref) == 0
    [sms] = _news(db, approved.phone)
    assert "sorry" in sms.body.lower() or "désolé" in sms.body.lower()
    assert "félicitations" not in sms.body.lower()
    assert CAMPAIGNS in stopped_for(db, approved.phone)  # keep_information false
    [entry] = _audited(db, "outcome.loss")
    assert entry.actor_kind == "api_token" and '"reason": "miscarriage"' in entry.details
    other_key = _post(client, approved.reference, "loss", body, tokens["a"], key="loss-2")
    assert other_key.status_code == 409  # already recorded: a new key records nothing
    birth_after = _post(client, approved.reference, "birth", {"date": day.isoformat()}, tokens["a"], key="b-1")
    assert birth_after.status_code == 409
    assert len(_recorded(db)) == 1 and len(_news(db, approved.phone)) == 1
    assert len(_audited(db, "outcome.loss")) == 1 and _audited(db, "outcome.birth") == []


def test_another_centres_reference_is_404_before_the_body_is_read(client, db, tokens, world):
    reference = world.a_pending[0].reference
    for what in ("birth", "loss"):
        # no Idempotency-Key and no body: the 404 comes first, saying nothing of the other centre
        assert _post(client, reference, what, None, tokens["b"], key=None).status_code == 404
        assert _post(client, "NOPE99", what, None, tokens["a"], key=None).status_code == 404
    assert _post(client, reference, "loss", {"reason_code": "not_said", "keep_information": True},
                 tokens["b"]).status_code == 404
    assert _recorded(db) == [] and _audited(db, "outcome.loss") == []
    everywhere = _post(client, reference, "loss", {"reason_code": "not_said", "keep_information": True},
                       tokens["all"])
    assert everywhere.status_code == 201  # a token of every centre reaches it
    assert CAMPAIGNS not in stopped_for(db, world.a_pending[0].phone)  # she keeps general information


BAD_BIRTHS = [None, [], {}, {"date": "2026-13-01"}, {"date": "01/11/2026"}, {"date": 20261101},
              {"date": "TODAY", "sex": "x"}, {"date": "TODAY", "sex": "F"}]
BAD_LOSSES = [{}, {"reason_code": "because", "keep_information": True}, {"reason_code": "stillbirth"},
              {"reason_code": "stillbirth", "keep_information": "yes"},
              {"reason_code": "stillbirth", "keep_information": True, "date": "2026-02-30"}]


@pytest.mark.parametrize("what, body", [("birth", b) for b in BAD_BIRTHS] + [("loss", b) for b in BAD_LOSSES])
def test_a_body_that_breaks_the_document_is_400(client, db, tokens, approved, clock, what, body):
    if isinstance(body, dict) and body.get("date") == "TODAY":
        body = {**body, "date": today_in_mali(clock.now).isoformat()}
    answer = _post(client, approved.reference, what, body, tokens["a"])
    assert answer.status_code == 400, answer.get_json()
    assert _recorded(db) == [] and _planned(db, approved.source_ref) > 0


def test_a_date_outside_the_rules_is_422_and_a_missing_key_400(client, db, tokens, approved, clock):
    today = today_in_mali(clock.now)
    cases = [("birth", {"date": (today + timedelta(days=1)).isoformat()}),
             ("birth", {"date": (today - timedelta(days=43)).isoformat()}),
             ("loss", {"reason_code": "stillbirth", "keep_information": True,
                       "date": (today + timedelta(days=1)).isoformat()}),
             ("loss", {"reason_code": "stillbirth", "keep_information": True,
                       "date": (today - timedelta(days=367)).isoformat()})]
    for i, (what, body) in enumerate(cases):
        answer = _post(client, approved.reference, what, body, tokens["a"], key=f"d-{i}")
        assert answer.status_code == 422 and answer.get_json()["error"] == "bad_date", (what, body)
    no_key = _post(client, approved.reference, "loss", {"reason_code": "not_said", "keep_information": True},
                   tokens["a"], key=None)
    assert no_key.status_code == 400 and no_key.get_json()["error"] == "idempotency_key_required"
    assert _recorded(db) == [] and _news(db, approved.phone) == []


def test_a_key_reused_for_another_request_records_nothing(client, db, tokens, world, approved, clock):
    loss = {"reason_code": "not_said", "keep_information": True}
    assert _post(client, approved.reference, "loss", loss, tokens["a"], key="same").status_code == 201
    other = world.a_pending[1]
    answer = _post(client, other.reference, "loss", loss, tokens["a"], key="same")
    assert answer.status_code == 422 and answer.get_json()["error"] == "idempotency_key_reused"
    birth = _post(client, approved.reference, "birth", {"date": today_in_mali(clock.now).isoformat()},
                  tokens["a"], key="same")
    assert birth.status_code == 422
    assert len(_recorded(db)) == 1 and _news(db, other.phone) == []


def test_a_child_has_no_birth_to_record(client, db, tokens, approved, clock):
    born = _post(client, approved.reference, "birth", {"date": today_in_mali(clock.now).isoformat()},
                 tokens["a"]).get_json()
    child = born["child_reference"]
    assert _planned(db, f"enrollment:{child}") > 0
    answer = _post(client, child, "birth", {"date": today_in_mali(clock.now).isoformat()}, tokens["a"], key="c")
    assert answer.status_code == 409
    lost = _post(client, child, "loss", {"reason_code": "baby_died", "keep_information": False}, tokens["a"],
                 key="c2")
    assert lost.status_code == 201  # the child's loss: its reminders stop too
    assert _planned(db, f"enrollment:{child}") == 0
    assert len(_recorded(db)) == 2


def test_a_key_raced_by_another_request_is_refused_without_a_trace(client, db, tokens, world, approved,
                                                                   monkeypatch):
    loss = {"reason_code": "not_said", "keep_information": True}
    assert _post(client, approved.reference, "loss", loss, tokens["a"], key="race").status_code == 201
    real, calls = outcomes.by_request_key, []

    def not_yet_committed(db_, key):  # both look-ups of the second request run before the first commits
        calls.append(key)
        return None if len(calls) <= 2 else real(db_, key)

    monkeypatch.setattr(outcomes, "by_request_key", not_yet_committed)
    other = world.a_pending[1]
    answer = _post(client, other.reference, "loss", loss, tokens["a"], key="race")
    assert answer.status_code == 422 and answer.get_json()["error"] == "idempotency_key_reused"
    assert len(calls) == 3  # the unique key stopped the insert; the third look-up found the winner
    assert len(_recorded(db)) == 1 and _news(db, other.phone) == [] and len(_audited(db, "outcome.loss")) == 1
    assert other.status == health.PENDING
