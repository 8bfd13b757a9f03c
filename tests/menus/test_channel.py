"""'SMS or phone call' on USSD: her choice is kept, shown, and undoes a stop of calls."""

from __future__ import annotations

from tests.sms.test_reminders_flow import choose
from ussd_app.subscribers import Subscriber, find_by_phone

AWA, MARIAM = "+22376123456", "+22365123456"


def test_she_chooses_calls_in_french_and_the_screen_shows_it(dial, db):
    db.add(Subscriber(phone=AWA, language="fr"))
    db.commit()
    d = choose(choose(dial(phone=AWA), "Mes rappels"), "SMS ou appel")
    d.sees("Vos rappels arrivent par : SMS.")
    choose(d, "Appel téléphonique").sees("noté")
    db.expire_all()
    assert find_by_phone(db, AWA).reminder_channel == "voice"
    choose(choose(dial(phone=AWA), "Mes rappels"), "SMS ou appel").sees("par : Appel téléphonique.")


def test_choosing_both_in_bambara_undoes_her_stop_of_calls(dial, db, clock):
    db.add(Subscriber(phone=MARIAM, language="bm", reminder_channel="voice", calls_stopped_at=clock.now))
    db.commit()
    d = choose(choose(dial(phone=MARIAM), "N ka hakililajigiw"), "SMS walima weleli")
    d.sees("Telefòni weleli")
    choose(d, "SMS ni telefòni weleli").sees("A marala")
    db.expire_all()
    subscriber = find_by_phone(db, MARIAM)
    assert (subscriber.reminder_channel, subscriber.calls_stopped_at) == ("both", None)
