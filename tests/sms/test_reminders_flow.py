"""End to end: schedules planned, materialised by the dispatcher, sent through the real SDK to
the fake API at allowed hours; "My reminders" on USSD; opt-out honoured by every sender."""

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from tests.conftest import TEST_NOW
from tests.sms.conftest import bamako
from ussd_app.sms import schedules
from ussd_app.sms.dispatch import SKIP_OPTED_OUT, SKIP_VISIT_PASSED, run_dispatch
from ussd_app.sms.handoff import commit_and_enqueue
from ussd_app.sms.outbox import OutboxMessage, queue_sms
from ussd_app.sms.reminder import Reminder
from ussd_app.subscribers import Subscriber

pytestmark = pytest.mark.dates  # run again under shifted clocks (scripts/test)

AWA, MARIAM = "+22376123456", "+22365123456"


def reminders_of(db, source_ref):
    db.expire_all()
    return {r.step: r for r in db.scalars(select(Reminder).where(Reminder.source_ref == source_ref))}


def test_vaccination_reminders_reach_the_fake_api_in_bambara_at_nine(db, sms_rt, fake_at, clock,
                                                                     dispatch_and_work):
    birth = date(2027, 1, 5)
    clock.now = bamako("2027-01-06", 10)
    schedules.start_immunization_schedule(db, phone=AWA, language="bm", child_name="Awa", birth_date=birth,
                                          facility_name="CSCom Sotuba", source_ref="enrollment:BM0001",
                                          now=clock.now)
    db.commit()
    clock.now = bamako("2027-02-15", 8, 59)  # the 6-week visit is on 2027-02-16; reminder at 09:00 the day before
    dispatch_and_work()
    assert fake_at.requests == []
    clock.now = bamako("2027-02-15", 9, 0)
    dispatch_and_work()
    [message] = fake_at.sent_to(AWA)
    assert message.startswith("Hakililajigi: Awa ka boloci ye tarata feburuyekalo tile 16")
    assert "CSCom Sotuba" in message
    steps = reminders_of(db, "enrollment:BM0001")
    assert steps["6w"].status == "queued" and steps["10w"].status == "planned"
    assert db.get(OutboxMessage, steps["6w"].outbox_id).status == "sent"
    dispatch_and_work()  # a second pass sends nothing again
    assert len(fake_at.sent_to(AWA)) == 1


def test_antenatal_reminder_in_french_deferred_past_quiet_hours(db, sms_rt, fake_at, clock, dispatch_and_work):
    clock.now = bamako("2027-01-06", 10)
    schedules.start_antenatal_schedule(db, phone=MARIAM, language="fr", due_date=date(2027, 9, 1),
                                       facility_name="CSCom Boulkassoumbougou", source_ref="enrollment:FR0001",
                                       now=clock.now)
    db.commit()
    anc12 = reminders_of(db, "enrollment:FR0001")["anc12"]
    assert anc12.visit_date == date(2027, 2, 17)
    # The dispatcher was down all day: it comes back at 21:00, inside the quiet hours.
    clock.now = bamako("2027-02-16", 21)
    dispatch_and_work()
    assert fake_at.requests == []
    assert reminders_of(db, "enrollment:FR0001")["anc12"].status == "queued"  # materialised, waiting
    clock.now = bamako("2027-02-17", 8)
    dispatch_and_work()
    [message] = fake_at.sent_to(MARIAM)
    assert message == ("Rappel : vous avez une visite de santé le mercredi 17 février à CSCom "
                       "Boulkassoumbougou. Apportez votre carnet de santé.")


def test_a_reminder_whose_visit_passed_while_nothing_ran_is_skipped_not_sent_late(db, sms_rt, fake_at, clock,
                                                                                  dispatch_and_work):
    clock.now = bamako("2027-01-06", 10)
    schedules.start_appointment_reminders(db, phone=AWA, language="fr", when=date(2027, 1, 20),
                                          facility_name="CSCom Sotuba", source_ref="appointment:9", now=clock.now)
    db.commit()
    clock.now = bamako("2027-01-22", 10)
    dispatch_and_work()
    assert fake_at.requests == []
    steps = reminders_of(db, "appointment:9")
    assert {r.status for r in steps.values()} == {"skipped"}
    assert {r.skip_reason for r in steps.values()} == {SKIP_VISIT_PASSED}


def test_opt_out_is_honoured_by_every_sender(db, redis_client, sms_rt, fake_at, clock, work, dispatch_and_work):
    clock.now = bamako("2027-01-06", 10)
    schedules.start_appointment_reminders(db, phone=AWA, language="fr", when=date(2027, 1, 10),
                                          facility_name="CSCom Sotuba", source_ref="appointment:1", now=clock.now)
    db.add(Subscriber(phone=AWA, language="fr", sms_opted_out_at=clock.now, sms_opt_out_source="sms"))
    for kind in ("receipt", "campaign", "enrollment"):
        queue_sms(db, recipient=AWA, language="fr", message=f"{kind} text", kind=kind, dedupe_key=f"o:{kind}", now=clock.now)
    commit_and_enqueue(db, redis_client)
    work()
    clock.now = bamako("2027-01-10", 8)
    dispatch_and_work()
    assert fake_at.requests == []
    db.expire_all()
    rows = db.scalars(select(OutboxMessage).where(OutboxMessage.recipient == AWA)).all()
    assert {(r.kind, r.status) for r in rows} == {("receipt", "rejected"), ("campaign", "rejected"),
                                                  ("enrollment", "rejected")}
    assert {r.skip_reason for r in reminders_of(db, "appointment:1").values()} == {SKIP_OPTED_OUT}


def test_stop_by_sms_then_keyword_reply_still_goes(client, db, sms_rt, fake_at, clock, work):
    client.post("/sms/inbound", data={"from": AWA, "text": "STOP", "id": "x1"})
    work()
    [message] = fake_at.sent_to(AWA)
    assert "REPRENDRE" in message  # the answer to the person's own keyword is sent


def option_number(screen: str, label: str) -> str:
    match = re.search(rf"^(\d+) {re.escape(label)}$", screen, re.M)
    assert match, f"{label!r} not on screen:\n{screen}"
    return match.group(1)


def choose(d, label: str):
    """Press the option with this label, paging with 98 until it shows."""
    while not re.search(rf"^\d+ {re.escape(label)}$", d.screen, re.M) and "98 " in d.screen:
        d.press("98")
    return d.press(option_number(d.screen, label))


def open_my_reminders(dial, phone=AWA):
    d = dial(phone=phone)
    if "Choisissez" in d.screen:
        d.press("2")
    return choose(d, "Mes rappels")


def test_my_reminders_lists_visits_stops_and_restarts_them(dial, db, sms_rt, clock, fake_at):
    now = TEST_NOW
    today = now.date()
    schedules.start_immunization_schedule(db, phone=AWA, language="fr", child_name="Fanta",
                                          birth_date=today - timedelta(weeks=5), facility_name="CSCom Sotuba",
                                          source_ref="enrollment:U1", now=now)
    schedules.start_appointment_reminders(db, phone=AWA, language="fr", when=today + timedelta(days=20),
                                          facility_name="CSCom Sotuba", source_ref="appointment:U1", now=now)
    db.commit()
    d = open_my_reminders(dial).sees("Prochaines visites", "vaccination de Fanta", "rendez-vous")
    assert "Reprendre mes rappels" not in d.screen
    choose(d, "Arreter mes rappels").sees("Vos rappels sont arretés")
    assert d.ended
    statuses = {r.status for r in reminders_of(db, "enrollment:U1").values() if r.visit_date >= today}
    assert statuses == {"stopped"}
    d = open_my_reminders(dial).sees("Aucune visite prévue")
    choose(d, "Reprendre mes rappels").sees("Vos rappels seront à nouveau envoyés")
    steps = reminders_of(db, "enrollment:U1")
    assert steps["6w"].status == "planned" and steps["birth"].status == "skipped"
    # The dispatcher sends the restarted reminder when it is due.
    clock.now = max(steps["6w"].due_at, clock.now)
    run_dispatch(sms_rt)
    assert reminders_of(db, "enrollment:U1")["6w"].status == "queued"


def test_opt_out_of_everything_by_ussd_and_back(dial, db, sms_rt, redis_client, fake_at, clock, work):
    d = open_my_reminders(dial)
    choose(d, "Ne plus recevoir de SMS du service").sees("ne recevrez plus de SMS")
    subscriber = db.scalar(select(Subscriber).where(Subscriber.phone == AWA))
    assert subscriber.sms_opt_out_source == "ussd"
    [outbox_id] = [queue_sms(db, recipient=AWA, language="fr", message="Recu", kind="receipt",
                             dedupe_key="u:1", now=clock.now).id]
    commit_and_enqueue(db, redis_client)
    work()
    assert fake_at.requests == [] and db.get(OutboxMessage, outbox_id).status == "rejected"
    d = open_my_reminders(dial)
    choose(d, "Recevoir à nouveau les SMS").sees("recevrez à nouveau")
    db.expire_all()
    assert db.scalar(select(Subscriber.sms_opted_out_at).where(Subscriber.phone == AWA)) is None


def test_my_reminders_in_bambara(dial, db):
    db.add(Subscriber(phone=MARIAM, language="bm"))
    db.commit()
    d = dial(phone=MARIAM)
    choose(d, "N ka hakililajigiw").sees("Lajèli si ma sigi", "SMS bèè dabila")


def test_a_reminder_goes_in_the_language_the_person_uses_now(db, sms_rt, fake_at, clock, dispatch_and_work):
    clock.now = bamako("2027-01-06", 10)
    schedules.start_appointment_reminders(db, phone=MARIAM, language="fr", when=date(2027, 1, 12),
                                          facility_name="CSCom Sotuba", source_ref="appointment:L", now=clock.now)
    db.add(Subscriber(phone=MARIAM, language="bm"))  # she switched to Bambara on USSD since
    db.commit()
    clock.now = bamako("2027-01-10", 9)  # two days before Tuesday 2027-01-12
    dispatch_and_work()
    [message] = fake_at.sent_to(MARIAM)
    assert message == "Hakililajigi: i ka don bolodalen ye tarata zanwuyekalo tile 12 ye, CSCom Sotuba."

