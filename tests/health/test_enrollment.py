"""Approval plans the child's visits from the calendar, with the centre's malaria-vaccine flag."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.clinic.conftest import add_facility, enroll
from tests.conftest import TEST_NOW
from ussd_app.health import enrollment as health
from ussd_app.health.facilities import import_csv_text
from ussd_app.sms.reminder import Reminder

pytestmark = pytest.mark.dates


def _steps(db, enrollment):
    return {r.step for r in db.scalars(select(Reminder).where(Reminder.source_ref == enrollment.source_ref))}


def test_a_child_at_an_r21_centre_gets_malaria_vaccine_reminders_and_one_elsewhere_does_not(db):
    r21 = add_facility(db, "KYS-R21", "CSCom Kayes R21")
    other = add_facility(db, "BKO-OTHER", "CSCom Sotuba")
    import_csv_text(db, "code,name,commune,region,phone,malaria_vaccine\n"
                        "KYS-R21,CSCom Kayes R21,Commune I,Bamako,,yes\n", now=TEST_NOW)
    born = TEST_NOW.date() - timedelta(days=20)
    children = [enroll(db, f, phone, kind="child", child_name="Awa", birth_date=born)
                for f, phone in ((r21, "+22376000011"), (other, "+22376000012"))]
    for child in children:
        health.approve(db, child.reference, now=TEST_NOW)
    db.commit()
    at_r21, elsewhere = (_steps(db, c) for c in children)
    assert {"5m", "6m", "7m", "13m", "25m"} <= at_r21
    assert not {"5m", "6m", "7m", "13m", "25m"} & elsewhere
    assert {"6w", "9m", "15m"} <= elsewhere


def test_facilities_csv_without_the_column_leaves_the_flag_and_a_bad_value_is_refused(db):
    from ussd_app.health.facilities import Facility, FacilityImportError

    add_facility(db, "KYS-R21", "CSCom Kayes R21")
    import_csv_text(db, "code,name,commune,region,phone,malaria_vaccine\nKYS-R21,CSCom Kayes R21,Commune I,"
                        "Bamako,,oui\n", now=TEST_NOW)
    import_csv_text(db, "code,name,commune,region,phone\nKYS-R21,CSCom Kayes R21,Commune I,Bamako,\n",
                    now=TEST_NOW)
    assert db.scalar(select(Facility.malaria_vaccine).where(Facility.code == "KYS-R21")) is True
    with pytest.raises(FacilityImportError, match="must be yes or no"):
        import_csv_text(db, "code,name,commune,region,phone,malaria_vaccine\nKYS-R21,A,B,C,,maybe\n",
                        now=TEST_NOW)


def test_the_cli_switches_a_centre_on(db, facilities, cli):
    from ussd_app.health.facilities import Facility

    result = cli("facilities", "malaria-vaccine", "BKO-C1-SOTUBA", "on")
    assert result.exit_code == 0, result.output
    db.expire_all()
    assert db.scalar(select(Facility.malaria_vaccine).where(Facility.code == "BKO-C1-SOTUBA")) is True
    assert cli("facilities", "malaria-vaccine", "NOPE", "on").exit_code != 0
