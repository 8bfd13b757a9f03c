"""Receipts for her own money under opt-out: a stop of her health SMS never silences them; a stop
of everything does, and the treasurer's end screen says who gets no receipt."""

import pytest
from sqlalchemy import select

from tests.savings.conftest import phone_of
from tests.sms.conftest import gateway, sms_rt, work  # noqa: F401  (fixtures)
from tests.sms.test_reminders_flow import choose, open_my_reminders
from ussd_app.menus.render import SCREEN_LIMIT
from ussd_app.sms.optout import stopped_for
from ussd_app.sms.outbox import OutboxMessage

pytestmark = pytest.mark.dates  # run again under shifted clocks (scripts/test)

MARIAM = phone_of(3)  # "03 Mariam C." in the test group


def _receipts_to(db, phone):
    db.expire_all()
    return list(db.scalars(select(OutboxMessage).where(OutboxMessage.recipient == phone,
                                                       OutboxMessage.purpose == "receipt")))


def test_stopping_her_health_sms_never_stops_her_savings_receipts(make_group, login, dial, db, sms_rt, fake_at,
                                                                   work):
    make_group(size=3)
    login(phone_of(1)).press("2", "3", "2", "1")  # one contribution for 03, its receipt queued
    d = open_my_reminders(dial, phone=MARIAM)
    choose(d, "Arreter mes rappels").sees("recus d'épargne")
    choose(d, "Oui")
    assert stopped_for(db, MARIAM) == {"reminders", "campaigns"}
    login(phone_of(1), first=False).press("1", "1", "0", "4", "1").sees("Chaque membre")  # roll-call
    work()
    assert len(fake_at.sent_to(MARIAM)) == 2
    assert {r.status for r in _receipts_to(db, MARIAM)} == {"sent"}


def test_after_stop_by_sms_the_treasurer_is_told_who_gets_no_receipt(make_group, login, client, db, sms_rt,
                                                                      fake_at, work):
    make_group(size=5)
    for number in (2, 3, 4):
        client.post("/sms/inbound", data={"from": phone_of(number), "text": "STOP", "id": f"stop{number}"})
    d = login(phone_of(1)).press("1", "1", "2", "3", "0", "1", "1")  # 04 is absent: no receipt due
    d.sees("Pas de recu SMS pour 02 Fatoumata K., 03 Mariam C. (SMS arretés)")
    assert "Chaque membre" not in d.screen and len(d.answer) <= SCREEN_LIMIT
    client.post("/sms/inbound", data={"from": phone_of(5), "text": "STOP", "id": "stop5"})
    d = login(phone_of(1), first=False).press("2", "5", "2", "1")
    d.sees("Pas de recu SMS : elle a arreté les SMS.")
    work()
    [answer_to_her_stop] = fake_at.sent_to(MARIAM)
    assert "REPRENDRE" in answer_to_her_stop and {r.status for r in _receipts_to(db, MARIAM)} == {"rejected"}
    assert len(fake_at.sent_to(phone_of(1))) == 1  # the treasurer stopped nothing


def test_more_names_than_fit_are_counted_in_both_languages(make_group, login, client):
    make_group(size=6)
    for number in (2, 3, 4, 5):
        client.post("/sms/inbound", data={"from": phone_of(number), "text": "STOP", "id": f"s{number}"})
    d = login(phone_of(1)).press("1", "5", "5", "5", "5", "5", "5", "1")
    d.sees("02 Fatoumata K., 03 Mariam C. +2")
    assert len(d.answer) <= SCREEN_LIMIT


def test_the_bambara_end_screen_names_her_too(make_group, login, client):
    make_group(size=3)
    client.post("/sms/inbound", data={"from": phone_of(3), "text": "DABILA", "id": "bm3"})
    d = login(phone_of(1), lang="bm").press("1", "2", "2", "2", "1")
    d.sees("03 Mariam C.", "SMS tèna ci")
    assert len(d.answer) <= SCREEN_LIMIT
