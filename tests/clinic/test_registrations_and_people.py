"""Registrations (filter, approve, decline with reason) and people (schedules, appointments)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from tests.clinic.conftest import enroll, page
from tests.conftest import TEST_NOW
from ussd_app.clinic.models import Appointment
from ussd_app.health.enrollment import Enrollment
from ussd_app.sms.outbox import OutboxMessage
from ussd_app.sms.reminder import Reminder

pytestmark = pytest.mark.dates  # run again under shifted clocks (scripts/test)


def _sms_to(db, phone):
    db.expire_all()
    return list(db.scalars(select(OutboxMessage).where(OutboxMessage.recipient == phone)
                           .order_by(OutboxMessage.id)))


def test_pending_registrations_of_her_centre_only(signed_in, world):
    text = page(signed_in("awa").get("/clinic/registrations"))
    for e in world.a_pending:
        assert e.reference in text
    for e in world.b_pending:
        assert e.reference not in text


def test_filter_by_status(signed_in, world, db):
    b = signed_in("awa")
    first = world.a_pending[0].reference
    b.post(f"/clinic/registrations/{first}/approve")
    pending = page(b.get("/clinic/registrations?status=pending"))
    approved = page(b.get("/clinic/registrations?status=approved"))
    everything = page(b.get("/clinic/registrations?status=all"))
    row = f'id="reg-{first}"'
    assert row not in pending and row in approved and row in everything
    assert f'id="reg-{world.a_pending[1].reference}"' in pending


def test_approve_tells_the_mother_and_starts_her_reminders(signed_in, world, db):
    b = signed_in("awa")
    target = world.a_pending[1]  # she chose Bambara
    response = b.post(f"/clinic/registrations/{target.reference}/approve")
    assert response.status_code == 302
    assert "acceptée" in page(b.get("/clinic/registrations"))
    db.expire_all()
    assert db.scalar(select(Enrollment.status).where(Enrollment.id == target.id)) == "approved"
    messages = _sms_to(db, target.phone)
    assert [m.dedupe_key for m in messages][-1].endswith(":approved")
    assert messages[-1].language == "bm"
    reminders = db.scalars(select(Reminder).where(Reminder.source_ref == f"enrollment:{target.reference}")).all()
    assert reminders and {r.kind for r in reminders} == {"antenatal"}
    # A second approval (a double click) changes nothing and says why.
    again = b.post(f"/clinic/registrations/{target.reference}/approve")
    assert again.status_code == 302
    assert len(_sms_to(db, target.phone)) == len(messages)


def test_decline_needs_a_preset_reason_which_the_mother_receives(signed_in, world, db):
    b = signed_in("awa")
    target = world.a_pending[0]
    for form in ({"reason_code": ""}, {"reason": "Hors zone"}, {"reason_code": "made-up"}):
        b.post(f"/clinic/registrations/{target.reference}/decline", form)
        assert "Choisissez le motif du refus." in page(b.get("/clinic/registrations"))
    db.expire_all()
    assert db.scalar(select(Enrollment.status).where(Enrollment.id == target.id)) == "pending"
    b.post(f"/clinic/registrations/{target.reference}/decline",
           {"reason_code": "outside_area", "note": "Quartier de Sikasso"})
    db.expire_all()
    declined = db.get(Enrollment, target.id)
    assert (declined.status, declined.reason_code, declined.reason) == ("declined", "outside_area",
                                                                         "Quartier de Sikasso")
    told = _sms_to(db, target.phone)[-1].body
    assert "Motif : hors de la zone du centre." in told and "Sikasso" not in told
    listed = page(b.get("/clinic/registrations?status=declined"))
    assert "Habite hors de la zone du centre" in listed and "Quartier de Sikasso" in listed


def test_people_page_lists_mothers_and_children_of_the_centre(signed_in, world, db):
    enroll(db, world.a, "+22376000001", kind="child", child_name="Moussa", birth_date=date(2025, 3, 2))
    db.commit()
    b = signed_in("awa")
    text = page(b.get("/clinic/people"))
    assert "+22376000001" in text and "Moussa" in text and "+22366000001" not in text
    assert "Moussa" in page(b.get("/clinic/people?q=mous"))
    assert "+22376000002" not in page(b.get("/clinic/people?q=mous"))
    person = page(b.get("/clinic/people/22376000001"))
    assert "Moussa" in person and world.a_pending[0].reference in person


def test_person_page_shows_upcoming_visits_after_approval(signed_in, world, db):
    b = signed_in("awa")
    target = world.a_pending[0]
    b.post(f"/clinic/registrations/{target.reference}/approve")
    text = page(b.get("/clinic/people/22376000001"))
    assert "Visites et rappels" in text and "Consultation prénatale · semaine 40 de grossesse" in text


def test_set_appointment_plans_reminders_once(signed_in, world, db):
    b = signed_in("awa")
    target = world.a_pending[0]
    b.get("/clinic/people/22376000001")
    when = (TEST_NOW.date() + timedelta(days=10)).isoformat()
    form = {"reference": target.reference, "date": when, "note": "CPN", "form_key": "k1"}
    assert b.post("/clinic/people/22376000001/appointments", form).status_code == 302
    assert b.post("/clinic/people/22376000001/appointments", form).status_code == 302  # double submit
    db.expire_all()
    appointments = db.scalars(select(Appointment).where(Appointment.phone == target.phone)).all()
    assert len(appointments) == 1 and appointments[0].facility_code == world.a.code
    reminders = db.scalars(select(Reminder).where(Reminder.source_ref == appointments[0].source_ref)).all()
    assert sorted(r.step for r in reminders) == ["day-0", "day-2"]
    assert {r.visit_date.isoformat() for r in reminders} == {when}
    text = page(b.get("/clinic/people/22376000001"))
    assert "Rendez-vous fixé" in text


def test_appointment_in_the_past_is_refused_clearly(signed_in, world, db):
    b = signed_in("awa")
    b.get("/clinic/people/22376000001")
    form = {"reference": world.a_pending[0].reference, "date": "2020-01-01", "form_key": "k2"}
    b.post("/clinic/people/22376000001/appointments", form)
    assert "aujourd'hui ou plus tard" in page(b.get("/clinic/people/22376000001"))
    db.expire_all()
    assert db.scalar(select(Appointment.id)) is None


def test_stop_schedule_stops_what_has_not_gone(signed_in, world, db):
    b = signed_in("awa")
    target = world.a_pending[0]
    b.post(f"/clinic/registrations/{target.reference}/approve")
    ref = f"enrollment:{target.reference}"
    db.expire_all()
    planned = db.scalars(select(Reminder).where(Reminder.source_ref == ref, Reminder.status == "planned")).all()
    assert planned
    b.post("/clinic/people/22376000001/stop", {"source_ref": ref})
    db.expire_all()
    assert not db.scalars(select(Reminder).where(Reminder.source_ref == ref, Reminder.status == "planned")).all()
    assert "arrêté" in page(b.get("/clinic/people/22376000001"))


def test_stop_schedule_of_another_person_is_refused(signed_in, world, db):
    b = signed_in("awa")
    other = world.a_pending[1]
    response = b.post("/clinic/people/22376000001/stop", {"source_ref": f"enrollment:{other.reference}"})
    assert response.status_code == 404
