"""Reminder schedules: dates against hand-computed examples, skips, idempotence, stopping."""

from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from tests.conftest import TEST_NOW
from tests.sms.conftest import bamako
from ussd_app.sms import schedules
from ussd_app.sms.outbox import OutboxMessage, queue_sms, render_sms
from ussd_app.sms.reminder import Reminder
from ussd_app.sms.wording import local_date, reminder_message
from ussd_app.text.gsm import is_gsm, sms_size

pytestmark = pytest.mark.dates  # run again under shifted clocks (scripts/test)

PHONE = "+22376123456"


def test_immunization_dates_hand_computed():
    dates = {v.step: d for v, d in schedules.immunization_dates(date(2026, 1, 5))}
    assert dates == {"birth": date(2026, 1, 5), "6w": date(2026, 2, 16), "10w": date(2026, 3, 16),
                     "14w": date(2026, 4, 13), "9m": date(2026, 10, 5), "15m": date(2027, 4, 5)}


def test_months_end_on_the_last_day_of_a_shorter_month():
    assert schedules.add_months(date(2025, 5, 31), 9) == date(2026, 2, 28)
    assert schedules.add_months(date(2023, 5, 31), 9) == date(2024, 2, 29)
    assert schedules.add_months(date(2025, 12, 15), 15) == date(2027, 3, 15)


def test_antenatal_contacts_hand_computed():
    # Due 2026-10-10: pregnancy dated from 2026-01-03 (280 days before).
    dates = dict(schedules.antenatal_dates(date(2026, 10, 10)))
    assert dates["anc12"] == date(2026, 3, 28)
    assert dates["anc20"] == date(2026, 5, 23)
    assert dates["anc40"] == date(2026, 10, 10)
    assert list(dates) == [f"anc{w}" for w in (12, 20, 26, 30, 34, 36, 38, 40)]


def test_local_dates():
    assert local_date("fr", date(2026, 3, 3)) == "mardi 3 mars"
    assert local_date("fr", date(2026, 2, 16)) == "lundi 16 février"
    assert local_date("bm", date(2026, 3, 3)) == "tarata marisikalo tile 3"


def test_immunization_plan_catches_up_what_is_past_and_sends_the_day_before_at_nine(db):
    now = bamako("2026-02-20", 12)  # after the 6-week visit, before the 10-week one
    planned = schedules.start_immunization_schedule(
        db, phone="76 12 34 56", language="fr", child_name="Awa", birth_date=date(2026, 1, 5),
        facility_name="CSCom Sotuba", source_ref="enrollment:K7P4QX", now=now)
    db.commit()
    by_step = {r.step: r for r in planned}
    # The missed birth and 6-week doses are asked for tomorrow in one visit (polio 0 is past its
    # two weeks, BCG is not); the next visits keep 4 weeks after it.
    assert by_step["6w"].visit_date == date(2026, 2, 21) and by_step["6w"].due_at == now
    assert "birth" not in by_step
    assert by_step["10w"].visit_date == date(2026, 3, 21)
    assert by_step["14w"].visit_date == date(2026, 4, 18)
    assert by_step["9m"].visit_date == date(2026, 10, 5)
    assert by_step["10w"].due_at == datetime(2026, 3, 20, 9, 0, tzinfo=timezone.utc)
    assert by_step["10w-late"].visit_date == date(2026, 3, 28)
    assert by_step["10w-late"].due_at == datetime(2026, 3, 28, 9, 0, tzinfo=timezone.utc)
    assert {r.status for r in planned} == {"planned"}
    assert by_step["10w"].phone == PHONE


def test_starting_twice_plans_once(db):
    now = bamako("2026-01-06", 10)
    kwargs = dict(phone=PHONE, language="bm", child_name="Awa", birth_date=date(2026, 1, 5),
                  facility_name="CSCom Sotuba", source_ref="enrollment:TWICE1", now=now)
    first = schedules.start_immunization_schedule(db, **kwargs)
    second = schedules.start_immunization_schedule(db, **kwargs)
    db.commit()
    assert [r.id for r in first] == [r.id for r in second]
    assert db.scalar(select(Reminder.id).where(Reminder.source_ref == "enrollment:TWICE1")
                     .order_by(Reminder.id.desc())) == first[-1].id
    # Six visits, each with its overdue message a week later.
    assert len(db.scalars(select(Reminder).where(Reminder.source_ref == "enrollment:TWICE1")).all()) == 12


def test_appointment_two_days_before_and_the_morning_of(db):
    planned = schedules.start_appointment_reminders(
        db, phone=PHONE, language="fr", when=date(2026, 3, 5), facility_name="CSCom Sotuba",
        source_ref="appointment:1", now=bamako("2026-03-01", 10))
    assert [(r.step, r.due_at) for r in planned] == [
        ("day-2", datetime(2026, 3, 3, 9, tzinfo=timezone.utc)),
        ("day-0", datetime(2026, 3, 5, 8, tzinfo=timezone.utc))]
    late = schedules.start_appointment_reminders(
        db, phone=PHONE, language="fr", when=date(2026, 3, 5), facility_name="CSCom Sotuba",
        source_ref="appointment:2", now=bamako("2026-03-04", 15))
    assert [r.status for r in late] == ["skipped", "planned"]


def test_stop_schedules_keeps_history_and_stops_only_what_has_not_gone(db):
    now = bamako("2026-01-06", 10)
    # Due 2026-07-01: the 12-week contact (2025-12-17) is already past when planned.
    planned = schedules.start_antenatal_schedule(db, phone=PHONE, language="fr", due_date=date(2026, 7, 1),
                                                 facility_name="CSCom Sotuba", source_ref="enrollment:PREG01",
                                                 now=now)
    # The first visit (asked for at once: the 12-week contact had passed) already became an
    # outbox row that no worker holds yet.
    first = planned[0]
    assert first.step == "anc-first"
    row = queue_sms(db, recipient=PHONE, language="fr", message=reminder_message(first), kind="reminder", purpose="reminder",
                    dedupe_key=f"reminder:{first.id}", now=TEST_NOW)
    first.status, first.outbox_id = "queued", row.id
    db.commit()
    stopped = schedules.stop_schedules(db, source_ref="enrollment:PREG01", reason="pregnancy ended",
                                       now=bamako("2026-01-07", 10))
    db.commit()
    rows = db.scalars(select(Reminder).where(Reminder.source_ref == "enrollment:PREG01")).all()
    assert len(rows) == 17  # nothing deleted: first visit, 8 contacts, 8 overdue messages
    assert stopped == sum(1 for r in planned if r.status == "stopped") == 16  # the skipped one stays skipped
    assert all(r.skip_reason == "pregnancy ended" for r in rows if r.status == "stopped")
    assert db.get(OutboxMessage, row.id).status == "failed"
    assert schedules.stop_schedules(db, source_ref="enrollment:PREG01", reason="again", now=now) == 0


def test_wording_is_neutral_gsm_and_one_part(db):
    now = bamako("2026-01-06", 10)
    long_facility = "CSCom ASACO-BAKON Commune III"
    reminders = (
        schedules.start_immunization_schedule(db, phone=PHONE, language="bm", child_name="Aminata",
                                              birth_date=date(2026, 1, 5), facility_name=long_facility,
                                              source_ref="w:1", now=now)
        + schedules.start_antenatal_schedule(db, phone=PHONE, language="fr", due_date=date(2026, 7, 1),
                                             facility_name=long_facility, source_ref="w:2", now=now)
        + schedules.start_appointment_reminders(db, phone=PHONE, language="bm", when=date(2026, 9, 30),
                                                facility_name=long_facility, source_ref="w:3", now=now))
    for reminder in reminders:
        for language in ("fr", "bm"):
            reminder.language = language
            body = render_sms(language, reminder_message(reminder))
            assert is_gsm(body), body
            assert sms_size(body).parts == 1, (len(body), body)
            lowered = body.lower()
            for word in ("grossesse", "enceinte", "pregnan", "kɔnɔ", "kono", "contracep", "pilule"):
                assert word not in lowered, body
    assert {r.step for r in reminders} >= {"anc-first", "6w-late", "anc20-late"}  # every text was checked
    ten_weeks = next(r for r in reminders if r.step == "10w")
    ten_weeks.language = "fr"
    imm = render_sms("fr", reminder_message(ten_weeks))
    assert "Aminata" in imm and "lundi 16 mars" in imm and long_facility in imm
    ten_weeks.language = "bm"
    assert "tènèn marisikalo tile 16" in render_sms("bm", reminder_message(ten_weeks))


@pytest.mark.parametrize("days_after_birth", [0, 1])
def test_the_birth_visit_is_reminded_when_registration_is_on_the_day_of_birth_or_the_day_after(db, days_after_birth):
    birth = date(2026, 3, 2)
    now = bamako(str(birth + timedelta(days=days_after_birth)), 15)
    planned = schedules.start_immunization_schedule(
        db, phone=PHONE, language="fr", child_name="Awa", birth_date=birth, facility_name="CSCom Sotuba",
        source_ref=f"enrollment:BIRTH{days_after_birth}", now=now)
    visit = {r.step: r for r in planned}["birth"]
    # BCG and polio 0 tomorrow (polio 0 is still within its two weeks); the reminder goes now.
    assert (visit.status, visit.visit_date, visit.due_at) == ("planned", now.date() + timedelta(days=1), now)
