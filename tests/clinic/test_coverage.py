"""Coverage at a glance: doses on time, late or not given per month; contacts per pregnancy."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.clinic.conftest import enroll, page
from tests.conftest import TEST_NOW
from ussd_app.clinic import coverage
from ussd_app.clinic.scope import Scope
from ussd_app.health import enrollment as health
from ussd_app.health.records import record_contact, record_doses

pytestmark = pytest.mark.dates


@pytest.fixture
def histories(db, world):
    today = TEST_NOW.date()
    born = today - timedelta(weeks=20)
    child = enroll(db, world.a, "+22376000061", kind="child", child_name="Awa", birth_date=born,
                   now=TEST_NOW - timedelta(weeks=20))
    health.approve(db, child.reference, now=TEST_NOW - timedelta(weeks=20))
    record_doses(db, child, [("BCG1", born + timedelta(days=2))], recorded_by="awa", client_key="b", now=TEST_NOW)
    record_doses(db, child, [("Penta1", born + timedelta(weeks=12))], recorded_by="awa", client_key="p", now=TEST_NOW)
    delivered = enroll(db, world.a, "+22376000062", due_date=today - timedelta(days=3),
                       now=TEST_NOW - timedelta(weeks=30))
    health.approve(db, delivered.reference, now=TEST_NOW - timedelta(weeks=30))
    for n in range(5):
        record_contact(db, delivered, today - timedelta(weeks=2 + 3 * n), recorded_by="awa", client_key=f"c{n}",
                       now=TEST_NOW)
    db.commit()
    return child


def test_doses_on_time_late_and_not_given_and_contacts_per_pregnancy(db, histories):
    found = coverage.compute(db, Scope("BKO-C1-SOTUBA"), TEST_NOW.date())
    by_dose = {key: (on_time, late, counted) for key, on_time, late, counted in found.by_dose}
    assert by_dose["BCG1"] == (100, 0, 1)
    assert by_dose["Penta1"] == (0, 100, 1)
    assert by_dose["VPO1"] == (0, 0, 1)  # never given: counted as not given
    assert by_dose["Penta3"][2] == 1 and "RR1" not in by_dose  # the 9-month doses are not due yet
    assert sum(found.doses_counted) == sum(counted for *_x, counted in found.by_dose)
    assert all(sum(p.counts.values()) in (0, 99, 100, 101) for p in found.doses)
    assert found.contacts[-1].counts["anc4"] == 1 or found.contacts[-2].counts["anc4"] == 1
    assert coverage.compute(db, Scope("BKO-C1-BOULK"), TEST_NOW.date()).by_dose == []


def test_the_coverage_page_draws_both_charts(signed_in, histories):
    text = page(signed_in("awa").get("/clinic/coverage"))
    assert text.count("<svg") >= 2 and 'data-series="on_time"' in text and 'data-series="anc4"' in text
    assert "à temps" in text and "Couverture" in text


def test_an_admin_says_which_centres_give_the_malaria_vaccine(signed_in, db, world):
    from ussd_app.health.facilities import Facility

    awa = signed_in("awa")
    assert "Vaccin contre le paludisme (R21)" in page(awa.get("/clinic/coverage"))
    assert awa.post("/clinic/facilities/BKO-C1-SOTUBA/malaria-vaccine", {"gives": "1"}).status_code == 404
    admin = signed_in("admin")
    admin.get("/clinic/coverage")
    response = admin.post("/clinic/facilities/BKO-C1-SOTUBA/malaria-vaccine", {"gives": "1"}, follow_redirects=True)
    assert "vaccin contre le paludisme oui" in page(response)
    db.expire_all()
    assert db.scalar(select(Facility.malaria_vaccine).where(Facility.code == "BKO-C1-SOTUBA")) is True
    assert admin.post("/clinic/facilities/NOPE/malaria-vaccine", {"gives": "1"}).status_code == 404
