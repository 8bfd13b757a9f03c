"""End to end: schedules planned, materialised by the dispatcher, sent through the real SDK to
the fake API at allowed hours; "My reminders" on USSD; opt-out honoured by every sender."""

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from tests.conftest import TEST_NOW
from tests.sms.conftest import bamako
from ussd_app.menus.render import SCREEN_LIMIT
from ussd_app.sms import schedules
from ussd_app.sms.dispatch import SKIP_OPTED_OUT, SKIP_VISIT_PASSED, run_dispatch
from ussd_app.sms.handoff import commit_and_enqueue
from ussd_app.sms.optout import record_opt_in, record_opt_out, stopped_for
from ussd_app.sms.outbox import OutboxMessage, queue_sms
from ussd_app.sms.purposes import HEALTH
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


def test_stop_of_everything_is_honoured_by_every_sender(db, redis_client, sms_rt, fake_at, clock, work,
                                                        dispatch_and_work):
    clock.now = bamako("2027-01-06", 10)
    schedules.start_appointment_reminders(db, phone=AWA, language="fr", when=date(2027, 1, 10),
                                          facility_name="CSCom Sotuba", source_ref="appointment:1", now=clock.now)
    db.add(Subscriber(phone=AWA, language="fr", sms_opted_out_at=clock.now, sms_opt_out_source="sms"))
    for purpose in ("receipt", "campaign", "notice", "requested"):
        queue_sms(db, recipient=AWA, language="fr", message=f"{purpose} text", kind=purpose, purpose=purpose,
                  dedupe_key=f"o:{purpose}", now=clock.now)
    commit_and_enqueue(db, redis_client)
    work()
    clock.now = bamako("2027-01-10", 8)
    dispatch_and_work()
    assert fake_at.requests == []
    db.expire_all()
    rows = db.scalars(select(OutboxMessage).where(OutboxMessage.recipient == AWA)).all()
    assert {(r.purpose, r.status) for r in rows} == {("receipt", "rejected"), ("campaign", "rejected"),
                                                     ("notice", "rejected"), ("requested", "rejected")}
    assert {r.skip_reason for r in reminders_of(db, "appointment:1").values()} == {SKIP_OPTED_OUT}


def test_stopping_health_reminders_stops_reminders_and_campaigns_never_receipts(db, redis_client, sms_rt, fake_at,
                                                                               clock, work, dispatch_and_work):
    clock.now = bamako("2027-01-06", 10)
    schedules.start_appointment_reminders(db, phone=AWA, language="fr", when=date(2027, 1, 10),
                                          facility_name="CSCom Sotuba", source_ref="appointment:1", now=clock.now)
    queue_sms(db, recipient=AWA, language="fr", message="Recu d'avant", kind="savings_receipt", purpose="receipt",
              dedupe_key="o:before", now=clock.now)  # queued before she stops: still goes
    record_opt_out(db, AWA, source="ussd", now=clock.now, categories=HEALTH)
    for purpose in ("receipt", "campaign", "requested", "notice"):
        queue_sms(db, recipient=AWA, language="fr", message=f"{purpose} text", kind=purpose, purpose=purpose,
                  dedupe_key=f"o:{purpose}", now=clock.now)
    commit_and_enqueue(db, redis_client)
    work()
    clock.now = bamako("2027-01-10", 8)
    dispatch_and_work()
    assert sorted(fake_at.sent_to(AWA)) == ["Recu d'avant", "notice text", "receipt text", "requested text"]
    db.expire_all()
    campaign = db.scalar(select(OutboxMessage).where(OutboxMessage.purpose == "campaign"))
    assert (campaign.status, campaign.last_error) == ("rejected", "recipient opted out")
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
    choose(d, "Arreter mes rappels").sees("Arreter vos rappels et les messages de votre centre ?", "recus d'épargne")
    choose(d, "Non").sees("Prochaines visites")  # no: nothing changed
    assert stopped_for(db, AWA) == frozenset()
    choose(d, "Arreter mes rappels")
    choose(d, "Oui").sees("Vos rappels sont arretés")
    assert d.ended
    db.expire_all()
    assert stopped_for(db, AWA) == {"reminders", "campaigns"}
    # The visits are still listed, as stopped, with the way back.
    d = open_my_reminders(dial).sees("Rappels arretés. Prochaine visite", "vaccination de Fanta",
                                          "Reprendre mes rappels", "Ne plus recevoir de SMS du service")
    assert "Aucune visite" not in d.screen and "Arreter mes rappels" not in d.screen
    choose(d, "Reprendre mes rappels").sees("Vos rappels seront à nouveau envoyés")
    db.expire_all()
    assert stopped_for(db, AWA) == frozenset()
    steps = reminders_of(db, "enrollment:U1")
    # BCG, missed at birth, waits for the 6-week visit a week later (one visit, one reminder).
    assert steps["6w"].status == "planned" and "birth" not in steps
    # The dispatcher sends the restarted reminder when it is due.
    clock.now = max(steps["6w"].due_at, clock.now)
    run_dispatch(sms_rt)
    assert reminders_of(db, "enrollment:U1")["6w"].status == "queued"


def test_a_reminder_due_while_stopped_is_skipped_not_sent_after_the_restart(dial, db, sms_rt, clock, fake_at,
                                                                           dispatch_and_work):
    today = TEST_NOW.date()
    schedules.start_appointment_reminders(db, phone=AWA, language="fr", when=today + timedelta(days=5),
                                          facility_name="CSCom Sotuba", source_ref="appointment:S1", now=TEST_NOW)
    record_opt_out(db, AWA, source="ussd", now=TEST_NOW, categories=HEALTH)
    db.commit()
    steps = reminders_of(db, "appointment:S1")
    clock.now = steps["day-2"].due_at
    dispatch_and_work()
    record_opt_in(db, AWA, now=clock.now, categories=HEALTH)
    db.commit()
    clock.now = steps["day-0"].due_at
    dispatch_and_work()
    steps = reminders_of(db, "appointment:S1")
    assert (steps["day-2"].status, steps["day-2"].skip_reason) == ("skipped", SKIP_OPTED_OUT)
    assert steps["day-0"].status == "queued" and len(fake_at.sent_to(AWA)) == 1


def test_opt_out_of_everything_by_ussd_says_receipts_stop_too_and_back(dial, db, sms_rt, redis_client, fake_at,
                                                                        clock, work):
    d = open_my_reminders(dial)
    choose(d, "Ne plus recevoir de SMS du service").sees("Arreter tous les SMS du service ?",
                                                         "recus d'épargne s'arretent aussi")
    choose(d, "Oui").sees("ne recevrez plus de SMS")
    subscriber = db.scalar(select(Subscriber).where(Subscriber.phone == AWA))
    assert subscriber.sms_opt_out_source == "ussd" and stopped_for(db, AWA) == {"all"}
    [outbox_id] = [queue_sms(db, recipient=AWA, language="fr", message="Recu", kind="savings_receipt",
                             purpose="receipt", dedupe_key="u:1", now=clock.now).id]
    commit_and_enqueue(db, redis_client)
    work()
    assert fake_at.requests == [] and db.get(OutboxMessage, outbox_id).status == "rejected"
    d = open_my_reminders(dial).sees("Tous les SMS sont arretés")
    choose(d, "Recevoir à nouveau les SMS").sees("recevrez à nouveau")
    db.expire_all()
    assert stopped_for(db, AWA) == frozenset()


def test_my_reminders_in_bambara(dial, db):
    db.add(Subscriber(phone=MARIAM, language="bm"))
    db.commit()
    d = dial(phone=MARIAM)
    choose(d, "N ka hakililajigiw").sees("Lajèli si ma sigi", "SMS bèè dabila")


def test_my_reminders_stop_confirm_and_stopped_visits_in_bambara(dial, db):
    db.add(Subscriber(phone=MARIAM, language="bm"))
    schedules.start_appointment_reminders(db, phone=MARIAM, language="bm", when=TEST_NOW.date() + timedelta(days=20),
                                          facility_name="CSCom Sotuba", source_ref="appointment:B1", now=TEST_NOW)
    db.commit()
    d = choose(dial(phone=MARIAM), "N ka hakililajigiw").sees("Lajèli nataw", "don bolodalen")
    choose(d, "N ka hakililajigiw dabila").sees("Wari maralen SMS", "Awò", "Ayi")
    choose(d, "Awò").sees("I ka hakililajigiw dabilara")
    d = choose(dial(phone=MARIAM), "N ka hakililajigiw").sees("Hakililajigiw dabilara. Lajèli nata:", "don bolodalen",
                                                               "N ka hakililajigiw daminè kokura")
    choose(d, "SMS bèè dabila").sees("wari maralen SMS fana")
    screens = [d.answer]
    choose(d, "Awò")
    d = choose(dial(phone=MARIAM), "N ka hakililajigiw").sees("SMS bèè dabilara", "SMS sòrò kokura")
    assert all(len(screen) <= SCREEN_LIMIT for screen in [*screens, d.answer])


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



def test_a_missed_visit_yields_exactly_one_overdue_sms_a_week_later(db, sms_rt, fake_at, clock, dispatch_and_work):
    birth = date(2027, 1, 5)
    clock.now = bamako("2027-01-06", 10)
    schedules.start_immunization_schedule(db, phone=AWA, language="fr", child_name="Awa", birth_date=birth,
                                          facility_name="CSCom Sotuba", source_ref="enrollment:LATE01",
                                          now=clock.now)
    db.commit()
    clock.now = bamako("2027-02-15", 9)  # the 6-week reminder, the day before the visit
    dispatch_and_work()
    assert len(fake_at.sent_to(AWA)) == 1
    clock.now = bamako("2027-02-23", 8, 59)  # nothing recorded; a week after the visit, not yet nine
    dispatch_and_work()
    assert len(fake_at.sent_to(AWA)) == 1
    clock.now = bamako("2027-02-23", 9)
    dispatch_and_work()
    dispatch_and_work()
    clock.now = bamako("2027-02-24", 9)
    dispatch_and_work()
    sent = fake_at.sent_to(AWA)
    assert len(sent) == 2
    assert sent[1].startswith("Awa a encore un vaccin à recevoir à CSCom Sotuba. Il n'est pas trop tard")
    late = reminders_of(db, "enrollment:LATE01")["6w-late"]
    assert late.status == "queued" and db.get(OutboxMessage, late.outbox_id).purpose == "overdue"
