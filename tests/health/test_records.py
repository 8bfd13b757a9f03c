"""Doses and contacts recorded: the plan follows the real child and the real pregnancy."""

from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from tests.clinic.conftest import add_facility, enroll
from ussd_app.health import enrollment as health
from ussd_app.health.records import DoseGiven, RecordError, record_contact, record_doses
from ussd_app.sms.reminder import Reminder

pytestmark = pytest.mark.dates

BIRTH = date(2027, 1, 4)


def at(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=timezone.utc)


def planned(db, enrollment) -> dict[str, Reminder]:
    db.expire_all()
    return {r.step: r for r in db.scalars(select(Reminder).where(
        Reminder.source_ref == enrollment.source_ref, Reminder.status == "planned"))}


@pytest.fixture
def child(db):
    centre = add_facility(db, "BKO-TEST", "CSCom Sotuba")
    found = enroll(db, centre, "+22376000021", kind="child", child_name="Awa", birth_date=BIRTH,
                   now=at(BIRTH + timedelta(days=1)))
    health.approve(db, found.reference, now=at(BIRTH + timedelta(days=1)))
    db.commit()
    return found


SIX_WEEKS = ("Penta1", "VPO1", "PCV1", "Rota1")


def test_penta1_given_at_nine_weeks_moves_the_ten_week_visit_to_thirteen_weeks(db, child):
    nine = BIRTH + timedelta(weeks=9)
    assert planned(db, child)["10w"].visit_date == BIRTH + timedelta(weeks=10)
    record_doses(db, child, [(k, nine) for k in SIX_WEEKS], recorded_by="awa", client_key="t1", now=at(nine, 11))
    db.commit()
    steps = planned(db, child)
    assert steps["10w~2"].visit_date == BIRTH + timedelta(weeks=13)
    assert steps["14w~2"].visit_date == BIRTH + timedelta(weeks=17)
    assert "10w" not in steps and "6w-late" not in steps
    stopped = db.scalars(select(Reminder.step).where(Reminder.source_ref == child.source_ref,
                                                     Reminder.status == "stopped")).all()
    assert {"10w", "10w-late", "14w", "14w-late"} <= set(stopped)
    assert steps["9m"].visit_date == BIRTH.replace(month=10)  # later visits keep their dates


def test_a_dose_recorded_before_its_reminder_cancels_it(db, child):
    day = BIRTH + timedelta(weeks=5)  # she came early: the 6-week reminder has not gone
    record_doses(db, child, [(k, day) for k in SIX_WEEKS], recorded_by="awa", client_key="t2", now=at(day))
    db.commit()
    steps = planned(db, child)
    assert "6w" not in steps and "6w-late" not in steps
    # minimum intervals from the day given: the 10-week visit is still at 10 weeks (5 + 4 < 10)
    assert steps["10w"].visit_date == BIRTH + timedelta(weeks=10)


def test_the_same_client_key_records_once_and_bad_records_are_refused(db, child):
    day = BIRTH + timedelta(weeks=6)
    first = record_doses(db, child, [("BCG1", day)], recorded_by="awa", client_key="same", now=at(day))
    again = record_doses(db, child, [("bcg1", day)], recorded_by="awa", client_key="same", now=at(day))
    assert (first.created, again.created) == (1, 0) and first.rows[0].id == again.rows[0].id
    assert db.scalar(select(func.count(DoseGiven.id))) == 1
    for doses, problem in (([("Penta9", day)], "unknown dose"), ([("Penta1", BIRTH - timedelta(days=1))], "between"),
                           ([("BCG1", day + timedelta(days=1))], "already recorded")):
        with pytest.raises(RecordError, match=problem):
            record_doses(db, child, doses, recorded_by="awa", client_key="x", now=at(day + timedelta(days=2)))
    with pytest.raises(RecordError):
        record_contact(db, child, day, recorded_by="awa", client_key="c", now=at(day))


def test_a_contact_attended_stops_the_first_visit_reminder_and_keeps_the_next(db):
    centre = add_facility(db, "BKO-TEST", "CSCom Sotuba")
    today = date(2027, 1, 10)
    pregnancy = enroll(db, centre, "+22376000022", due_date=today + timedelta(weeks=18), now=at(today))
    health.approve(db, pregnancy.reference, now=at(today))
    db.commit()
    assert planned(db, pregnancy)["anc-first"].visit_date == today + timedelta(days=1)
    record_contact(db, pregnancy, today + timedelta(days=1), recorded_by="awa", client_key="c1",
                   now=at(today + timedelta(days=1), 15))
    db.commit()
    steps = planned(db, pregnancy)
    assert "anc-first" not in steps and "anc-first-late" not in steps
    assert "anc26" in steps and "anc40" in steps
