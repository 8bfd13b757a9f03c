"""The dispatcher's reminder pages: every due reminder leaves `planned` once, in pages, each
becoming at most one outbox row; what is not due stays; a run cut short is continued."""

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from tests.sms.conftest import bamako
from ussd_app.sms import dispatch
from ussd_app.sms.dispatch import SKIP_OPTED_OUT, SKIP_VISIT_PASSED, run_dispatch
from ussd_app.sms.outbox import OutboxMessage
from ussd_app.sms.reminder import Reminder
from ussd_app.subscribers import Subscriber

pytestmark = pytest.mark.dates

NOW = bamako("2027-03-01", 9)


def reminder(n: int, *, due_at, visit_date=date(2027, 3, 2), phone=None) -> Reminder:
    return Reminder(phone=phone or f"+223761{n:05d}", language="fr", kind="immunization", step="6w",
                    source_ref=f"enrollment:D{n:04d}", child_name=f"Enfant {n}",
                    facility_name="CSCom Sotuba", visit_date=visit_date, due_at=due_at, status="planned",
                    created_at=NOW - timedelta(days=40))


def all_reminders(db) -> dict[int, Reminder]:
    db.expire_all()
    return {r.id: r for r in db.scalars(select(Reminder))}


@pytest.fixture
def small_pages(monkeypatch):
    monkeypatch.setattr(dispatch, "REMINDER_PAGE", 3)


def test_due_reminders_leave_planned_once_across_pages(db, sms_rt, clock, small_pages):
    opted_out = "+22376199999"
    # Eight due, two with the same due time as others (the keyset orders by id within it).
    db.add_all([reminder(n, due_at=NOW - timedelta(minutes=n % 3)) for n in range(6)])
    db.add(reminder(6, due_at=NOW - timedelta(hours=1), visit_date=date(2027, 2, 27)))  # visit passed
    db.add(reminder(7, due_at=NOW, phone=opted_out))
    db.add(reminder(8, due_at=NOW + timedelta(minutes=1)))  # not due yet
    db.add(Subscriber(phone=opted_out, language="fr", reminders_opted_out_at=NOW - timedelta(days=1)))
    db.commit()
    clock.now = NOW
    assert run_dispatch(sms_rt) == 6  # three pages of three, one run
    rows = all_reminders(db)
    by_ref = {r.source_ref: r for r in rows.values()}
    assert by_ref["enrollment:D0008"].status == "planned"
    assert by_ref["enrollment:D0006"].skip_reason == SKIP_VISIT_PASSED
    assert by_ref["enrollment:D0007"].skip_reason == SKIP_OPTED_OUT
    queued = [r for r in rows.values() if r.status == "queued"]
    assert len(queued) == 6 and all(r.closed_at == NOW for r in queued)
    outbox = {o.id: o for o in db.scalars(select(OutboxMessage))}
    assert sorted(o.dedupe_key for o in outbox.values()) == sorted(f"reminder:{r.id}" for r in queued)
    for r in queued:
        row = outbox[r.outbox_id]
        assert row.recipient == r.phone and row.kind == "reminder" and row.purpose == "reminder"
        assert row.body.startswith(f"Rappel : Enfant {r.source_ref[-1]} ") and row.parts >= 1
    # Again: nothing more is due, nothing is queued twice.
    assert run_dispatch(sms_rt) == 0
    assert db.scalar(select(func.count()).select_from(OutboxMessage)) == 6


def test_a_reminder_takes_the_language_she_uses_now(db, sms_rt, clock):
    db.add(reminder(1, due_at=NOW, phone="+22376100001"))
    db.add(Subscriber(phone="+22376100001", language="bm"))
    db.commit()
    clock.now = NOW
    run_dispatch(sms_rt)
    [r] = all_reminders(db).values()
    assert r.language == "bm"
    assert db.get(OutboxMessage, r.outbox_id).body.startswith("Hakililajigi: Enfant 1 ka boloci")


def test_a_run_out_of_time_stops_between_pages_and_the_next_run_goes_on(db, sms_rt, clock, small_pages):
    db.add_all([reminder(n, due_at=NOW - timedelta(seconds=n)) for n in range(7)])
    db.commit()
    clock.now = NOW
    assert run_dispatch(sms_rt, budget_s=0) == 3  # one page, then the budget is spent
    assert sum(r.status == "planned" for r in all_reminders(db).values()) == 4
    assert run_dispatch(sms_rt) == 4
    assert {r.status for r in all_reminders(db).values()} == {"queued"}


def test_at_night_the_reminders_are_written_but_wait_for_the_morning(db, sms_rt, clock):
    night = bamako("2027-03-01", 23)
    db.add(reminder(1, due_at=night - timedelta(hours=1), visit_date=date(2027, 3, 3)))
    db.commit()
    clock.now = night
    assert run_dispatch(sms_rt) == 0
    [r] = all_reminders(db).values()
    row = db.get(OutboxMessage, r.outbox_id)
    assert (r.status, row.status, row.queued_at) == ("queued", "pending", None)
    clock.now = bamako("2027-03-02", 8)
    assert run_dispatch(sms_rt) == 1  # the morning's first pass hands it out
    db.expire_all()
    assert db.get(OutboxMessage, r.outbox_id).status == "queued"
