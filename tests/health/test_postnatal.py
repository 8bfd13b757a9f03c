"""Postnatal-care reminders: WHO's four contacts (24 hours, day 3, days 7-14, week 6) planned from
the date of birth with the frozen clock; windows already open are reminded now, closed ones
skipped; each reminder is one SMS part."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from sqlalchemy import select

from tests.health.test_registration_fit import LONGEST_CENTRE
from ussd_app.health import postnatal
from ussd_app.health.dates import today_in_mali
from ussd_app.sms.dispatch import materialise_reminders
from ussd_app.sms.outbox import OutboxMessage, render_sms
from ussd_app.sms.reminder import PLANNED, SKIPPED, Reminder
from ussd_app.sms.wording import reminder_message
from ussd_app.text.gsm import sms_size
from ussd_app.text.i18n import LANGUAGES

pytestmark = pytest.mark.dates  # run again under shifted clocks (scripts/test)

PHONE = "+22376000040"


def plan(db, born, now, ref="enrollment:PNC001"):
    rows = postnatal.start(db, phone=PHONE, language="fr", birth_date=born, facility_name="CSCom Sotuba",
                           source_ref=ref, child_name="Awa", now=now)
    db.commit()
    return {r.step: r for r in rows}


def at_nine(day):
    return datetime.combine(day, time(9, 0), tzinfo=postnatal.BAMAKO)


def test_born_today_plans_the_four_who_contacts(db, clock):
    now = clock.now
    born = today_in_mali(now)
    rows = plan(db, born, now)
    assert {s: (r.visit_date, r.status) for s, r in rows.items()} == {
        "pnc1": (born, PLANNED),
        "pnc2": (born + timedelta(days=2), PLANNED),
        "pnc3": (born + timedelta(days=7), PLANNED),
        "pnc4": (born + timedelta(days=42), PLANNED),
    }
    assert rows["pnc1"].due_at == now  # within 24 hours: at once
    assert rows["pnc2"].due_at == max(at_nine(born + timedelta(days=1)), now)
    assert rows["pnc3"].due_at == at_nine(born + timedelta(days=6))
    assert rows["pnc4"].due_at == at_nine(born + timedelta(days=41))
    assert {r.kind for r in rows.values()} == {"postnatal"}


@pytest.mark.parametrize("days_ago, expected", [
    (1, {"pnc1": 0, "pnc2": 1, "pnc3": 6, "pnc4": 41}),  # the first day's window is still open
    (3, {"pnc1": None, "pnc2": 0, "pnc3": 4, "pnc4": 39}),  # day 3: its window closes today
    (10, {"pnc1": None, "pnc2": None, "pnc3": 0, "pnc4": 32}),  # inside days 7-14: remind now
    (15, {"pnc1": None, "pnc2": None, "pnc3": None, "pnc4": 27}),
])
def test_a_birth_told_late_reminds_open_windows_now_and_skips_closed_ones(db, clock, days_ago, expected):
    now = clock.now
    today = today_in_mali(now)
    rows = plan(db, today - timedelta(days=days_ago), now)
    for step, days_ahead in expected.items():
        row = rows[step]
        if days_ahead is None:
            assert (row.status, row.skip_reason) == (SKIPPED, postnatal.SKIP_PAST), step
        else:
            assert row.status == PLANNED and row.visit_date == today + timedelta(days=days_ahead), step
            assert row.due_at == (now if days_ahead == 0 else max(now, at_nine(row.visit_date - timedelta(days=1))))


def test_starting_twice_plans_once(db, clock):
    born = today_in_mali(clock.now)
    plan(db, born, clock.now)
    plan(db, born, clock.now + timedelta(hours=1))
    assert len(db.scalars(select(Reminder).where(Reminder.kind == "postnatal")).all()) == 4


def test_the_first_day_reminder_goes_at_once_with_its_own_words(db, clock):
    born = today_in_mali(clock.now)
    plan(db, born, clock.now)
    assert materialise_reminders(db, clock.now)[0] == 1
    db.commit()
    row = db.scalar(select(OutboxMessage))
    assert row.kind == "reminder" and row.recipient == PHONE
    assert row.body == render_sms("fr", reminder_message(db.scalar(select(Reminder).where(Reminder.step == "pnc1"))))
    assert "24 heures" in row.body and "CSCom Sotuba" in row.body


def test_newborn_means_the_six_postnatal_weeks(clock):
    today = today_in_mali(clock.now)
    assert postnatal.is_newborn(today, today) and postnatal.is_newborn(today - timedelta(days=42), today)
    assert not postnatal.is_newborn(today - timedelta(days=43), today)
    assert not postnatal.is_newborn(today + timedelta(days=1), today) and not postnatal.is_newborn(None, today)


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("step", ["pnc1", "pnc2"])
def test_each_postnatal_reminder_is_one_sms_part_at_the_longest_centre(lang, step):
    longest_day = max((datetime(2026, 9, d).date() for d in range(1, 31)),
                      key=lambda d: len(render_sms(lang, reminder_message(_row(lang, step, d)))))
    body = render_sms(lang, reminder_message(_row(lang, step, longest_day)))
    size = sms_size(body)
    assert (size.encoding, size.parts) == ("GSM-7", 1), (size, body)


def _row(lang, step, day):
    return Reminder(kind="postnatal", step=step, language=lang, facility_name=LONGEST_CENTRE,
                    visit_date=day, child_name=None)
