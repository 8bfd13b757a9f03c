"""Care on the dashboard: the person's page ticks today's doses, records a contact; the late list."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.clinic.conftest import enroll, page
from tests.conftest import TEST_NOW
from ussd_app.health import enrollment as health
from ussd_app.health.records import ContactAttended, DoseGiven
from ussd_app.sms.reminder import Reminder

pytestmark = pytest.mark.dates


@pytest.fixture
def late_child(db, world):
    """Moussa, 10 weeks old, never seen since birth: his 6-week doses are late."""
    child = enroll(db, world.a, "+22376000041", kind="child", child_name="Moussa",
                   birth_date=TEST_NOW.date() - timedelta(weeks=10), now=TEST_NOW - timedelta(weeks=10))
    health.approve(db, child.reference, now=TEST_NOW - timedelta(weeks=10))
    db.commit()
    return child


def test_the_person_page_ticks_today_s_doses_and_the_plan_follows(signed_in, db, late_child):
    b = signed_in("awa")
    text = page(b.get("/clinic/people/22376000041"))
    assert "Vaccinations de Moussa" in text
    for dose in ("BCG1", "Penta1", "VPO1", "PCV1", "Rota1"):
        assert f'value="{dose}" checked' in text
    response = b.post("/clinic/people/22376000041/doses", {
        "reference": late_child.reference, "dose": ["Penta1", "VPO1", "PCV1", "Rota1"],
        "date": TEST_NOW.strftime("%d/%m/%Y"), "form_key": "care1"})
    assert response.status_code == 302
    again = b.post("/clinic/people/22376000041/doses", {  # the same form sent twice
        "reference": late_child.reference, "dose": ["Penta1", "VPO1", "PCV1", "Rota1"],
        "date": TEST_NOW.strftime("%d/%m/%Y"), "form_key": "care1"})
    assert again.status_code == 302
    assert sorted(db.scalars(select(DoseGiven.antigen)).all()) == ["PCV", "Penta", "Rota", "VPO"]
    assert {r.recorded_by for r in db.scalars(select(DoseGiven))} == {"awa"}
    text = page(b.get("/clinic/people/22376000041"))
    assert "Penta1 " + TEST_NOW.strftime("%d/%m/%Y") in text and 'value="BCG1" checked' in text
    assert 'value="Penta2"' not in text  # four weeks must pass
    moved = db.scalar(select(Reminder).where(Reminder.source_ref == late_child.source_ref,
                                             Reminder.status == "planned", Reminder.step.like("10w%"),
                                             ~Reminder.step.like("%late%")))
    assert moved.visit_date == TEST_NOW.date() + timedelta(weeks=4)


def test_a_bad_date_or_another_centre_s_child_is_refused(signed_in, db, late_child):
    b = signed_in("awa")
    b.get("/clinic/people/22376000041")
    future = (TEST_NOW + timedelta(days=2)).strftime("%d/%m/%Y")
    response = b.post("/clinic/people/22376000041/doses", {"reference": late_child.reference, "dose": "BCG1",
                                                          "date": future, "form_key": "k"}, follow_redirects=True)
    assert "aujourd'hui ou avant" in page(response)
    other = signed_in("bintou")
    other.get("/clinic/late")
    assert other.post("/clinic/people/22376000041/doses", {"reference": late_child.reference, "dose": "BCG1",
                                                          "date": "01/01/2026", "form_key": "k"}).status_code == 404
    assert db.scalar(select(DoseGiven.id)) is None


def test_an_antenatal_contact_is_recorded_from_the_person_page(signed_in, db, world):
    first = world.a_pending[0]
    health.approve(db, first.reference, now=TEST_NOW)
    db.commit()
    b = signed_in("awa")
    assert "Consultations prénatales" in page(b.get("/clinic/people/22376000001"))
    b.post("/clinic/people/22376000001/contacts", {"reference": first.reference,
                                                   "date": TEST_NOW.strftime("%d/%m/%Y"), "form_key": "c"})
    assert db.scalar(select(ContactAttended.attended_on)) == TEST_NOW.date()
    assert "Consultations suivies : 1" in page(b.get("/clinic/people/22376000001"))


def test_the_late_list_shows_who_which_doses_how_late_and_the_phone_of_her_centre_only(signed_in, late_child):
    text = page(signed_in("awa").get("/clinic/late"))
    assert "Moussa" in text and "+22376000041" in text and "10 semaines" in text
    assert "Penta1, VPO1, PCV1, Rota1" in text
    assert "Moussa" not in page(signed_in("bintou").get("/clinic/late"))


def test_the_late_list_exports_as_csv_with_the_centre_s_phones(signed_in, late_child):
    from tests.clinic.test_exports import rows_of

    rows = rows_of(signed_in("awa").get("/clinic/exports/late.csv"))
    [row] = [r for r in rows if r["reference"] == late_child.reference]
    assert row["kind"] == "child" and row["name"] == "Moussa" and row["phone"] == "+22376000041"
    assert row["missed"].startswith("BCG1 Penta1") and row["days_late"] == "70"
    admin = rows_of(signed_in("admin").get("/clinic/exports/late.csv"))
    assert late_child.reference in {r["reference"] for r in admin}
    assert "+22376000041" not in {r["phone"] for r in admin}
