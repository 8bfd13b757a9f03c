"""Staff record a birth or a loss on the person's page: the same effects as over USSD, once per
form, CSRF protected, only for people of their own centre."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.clinic.conftest import page
from ussd_app.audit import AuditEntry
from ussd_app.health import enrollment as health
from ussd_app.health import outcomes
from ussd_app.health.dates import today_in_mali
from ussd_app.sms.optout import stopped_for
from ussd_app.sms.outbox import OutboxMessage
from ussd_app.sms.purposes import CAMPAIGNS, NOTICE
from ussd_app.sms.reminder import PLANNED, Reminder

pytestmark = pytest.mark.dates  # run again under shifted clocks (scripts/test)

PERSON = "/clinic/people/22376000001"


def recorded(db):
    db.expire_all()
    return list(db.scalars(select(outcomes.Outcome)))


def news(db, phone):
    db.expire_all()
    return list(db.scalars(select(OutboxMessage).where(OutboxMessage.recipient == phone,
                                                       OutboxMessage.dedupe_key.like("outcome:%"))))


def test_staff_record_a_birth_once_even_when_the_form_is_sent_twice(signed_in, world, db, clock):
    b = signed_in("awa")
    target = world.a_pending[0]
    text = page(b.get(PERSON))
    assert "Enregistrer la naissance" in text and "Enregistrer une perte" in text
    born = (today_in_mali(clock.now) - timedelta(days=2)).strftime("%d/%m/%Y")
    form = {"reference": target.reference, "birth_date": born, "sex": "f", "child_name": "Awa", "form_key": "f1"}
    assert b.post(f"{PERSON}/birth", form).status_code == 302
    assert b.post(f"{PERSON}/birth", form).status_code == 302  # a double submit
    [outcome] = recorded(db)
    assert (outcome.kind, outcome.channel, outcome.recorded_by, outcome.sex) == \
        (outcomes.BORN, outcomes.DASHBOARD, "awa", "f")
    child = db.get(health.Enrollment, outcome.child_enrollment_id)
    assert (child.child_name, child.status) == ("Awa", health.PENDING)  # the pregnancy was pending
    [sms] = news(db, target.phone)
    assert sms.purpose == NOTICE
    [entry] = db.scalars(select(AuditEntry).where(AuditEntry.action == "outcome.birth"))
    assert (entry.actor_kind, entry.actor_label, entry.target_id) == ("staff", "awa", target.reference)
    text = page(b.get(PERSON))
    assert "Naissance enregistrée" in text and "Né(e) le" in text and child.reference in text


def test_staff_record_a_loss_which_stops_every_reminder(signed_in, world, db):
    b = signed_in("awa")
    target = world.a_pending[0]
    b.post(f"/clinic/registrations/{target.reference}/approve")
    db.expire_all()
    assert db.scalars(select(Reminder).where(Reminder.phone == target.phone, Reminder.status == PLANNED)).all()
    b.get(PERSON)
    form = {"reference": target.reference, "loss_reason": "stillbirth", "form_key": "l1"}  # box unticked
    assert b.post(f"{PERSON}/loss", form).status_code == 302
    [outcome] = recorded(db)
    assert (outcome.kind, outcome.reason_code, outcome.keep_information) == (outcomes.LOST, "stillbirth", False)
    assert not db.scalars(select(Reminder).where(Reminder.phone == target.phone, Reminder.status == PLANNED)).all()
    assert CAMPAIGNS in stopped_for(db, target.phone)
    assert len(news(db, target.phone)) == 1
    [entry] = db.scalars(select(AuditEntry).where(AuditEntry.action == "outcome.loss"))
    assert entry.actor_kind == "staff" and '"reason": "stillbirth"' in entry.details
    text = page(b.get(PERSON))
    assert "Perte enregistrée" in text and "Bébé né sans vie" in text
    assert "Enregistrer une perte" not in text  # recorded once: no form any more


def test_a_wrong_reason_or_date_records_nothing(signed_in, world, db, clock):
    b = signed_in("awa")
    reference = world.a_pending[0].reference
    b.get(PERSON)
    b.post(f"{PERSON}/loss", {"reference": reference, "loss_reason": "because", "form_key": "x"})
    b.post(f"{PERSON}/birth", {"reference": reference, "birth_date": "01/01/2020", "form_key": "y"})
    future = (today_in_mali(clock.now) + timedelta(days=1)).strftime("%d/%m/%Y")
    b.post(f"{PERSON}/birth", {"reference": reference, "birth_date": future, "form_key": "z"})
    assert recorded(db) == []
    assert "dans les 6 dernières semaines" in page(b.get(PERSON))


def test_without_the_csrf_token_nothing_is_recorded(signed_in, world, db, clock):
    b = signed_in("awa")
    form = {"reference": world.a_pending[0].reference, "loss_reason": "miscarriage", "form_key": "c",
            "csrf_token": "forged"}
    assert b.post(f"{PERSON}/loss", form).status_code == 400
    assert recorded(db) == []


def test_staff_of_another_centre_cannot_record_anything(signed_in, world, db):
    b = signed_in("bintou")  # centre B; the mother is registered at centre A
    b.get("/clinic/people")
    form = {"reference": world.a_pending[0].reference, "loss_reason": "miscarriage", "form_key": "s"}
    assert b.post(f"{PERSON}/loss", form).status_code == 404
    other = {"reference": world.b_pending[0].reference, "loss_reason": "miscarriage", "form_key": "t"}
    assert b.post(f"{PERSON}/loss", other).status_code == 404  # her own centre's reference, another person
    assert recorded(db) == []
