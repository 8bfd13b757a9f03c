"""`ussd-app care import`: the register's doses and contacts, all rows checked first, idempotent."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.clinic.conftest import enroll
from ussd_app.health import enrollment as health
from ussd_app.health.records import ContactAttended, DoseGiven

pytestmark = pytest.mark.dates


def test_import_records_doses_and_contacts_once_and_refuses_a_bad_file(db, facilities, cli, clock, tmp_path):
    today = clock.now.date()
    centre = facilities["BKO-C1-SOTUBA"]
    child = enroll(db, centre, "+22376000031", kind="child", child_name="Awa", birth_date=today - timedelta(weeks=12))
    pregnancy = enroll(db, centre, "+22376000032")
    for e in (child, pregnancy):
        health.approve(db, e.reference, now=clock.now)
    db.commit()
    six_weeks = (today - timedelta(weeks=6)).strftime("%d/%m/%Y")
    good = tmp_path / "register.csv"
    good.write_text("reference,dose,date\n"
                    f"{child.reference},Penta1,{six_weeks}\n{child.reference},vpo1,{six_weeks}\n"
                    f"{pregnancy.reference},CPN,{today.isoformat()}\n", encoding="utf-8")
    result = cli("care", "import", str(good))
    assert result.exit_code == 0, result.output
    assert "care: 3 recorded, 0 already there" in result.output
    again = cli("care", "import", str(good))
    assert "care: 0 recorded, 3 already there" in again.output
    bad = tmp_path / "bad.csv"
    bad.write_text("reference,dose,date\n"
                   f"{child.reference},Penta2,{today.strftime('%d/%m/%Y')}\n"
                   f"{child.reference},Polio7,{six_weeks}\nZZZZZZ,RR1,{six_weeks}\n"
                   f"{pregnancy.reference},Penta1,{six_weeks}\n", encoding="utf-8")
    refused = cli("care", "import", str(bad))
    assert refused.exit_code != 0
    assert "line 3: unknown dose 'Polio7'" in refused.output and "line 4: no approved registration" in refused.output
    assert "line 5: a dose is for a child's registration" in refused.output
    db.expire_all()
    assert db.scalar(select(func.count(DoseGiven.id))) == 2  # nothing of the bad file, not even line 2
    assert db.scalar(select(func.count(ContactAttended.id))) == 1
