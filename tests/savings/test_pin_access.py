"""My group → PIN: shown to members only, set twice on first use, easy PINs refused, lockout."""

import logging
from datetime import timedelta

import pytest
from sqlalchemy import select, text

from tests.savings.conftest import PIN, phone_of
from ussd_app.menus.savings_access import bamako_time
from ussd_app.savings.models import Member, PinCredential
from ussd_app.savings.pins import is_easy, pin_matches

pytestmark = pytest.mark.dates  # run again under shifted clocks (scripts/test)


def _credential(db, number: int) -> PinCredential:
    db.expire_all()
    member = db.scalar(select(Member).where(Member.phone == phone_of(number)))
    return db.get(PinCredential, member.id)


def test_my_group_is_shown_only_to_members(make_group, dial):
    make_group(size=3)
    dial(phone="+22376999999").press("2").sees("Menu principal")
    assert "Mon groupe" not in dial(phone="+22376999999").screen
    dial(phone=phone_of(3)).press("2").sees("5 Mon groupe")


def test_first_use_sets_the_pin_typed_twice_in_french(make_group, dial, db):
    make_group(size=3)
    d = dial(phone=phone_of(3)).press("2", "5").sees("Choisissez un code")
    d.press(PIN).sees("encore").press(PIN).sees("épargne 0 part = 0 FCFA")
    stored = _credential(db, 3).pin_hash
    assert stored.startswith("$argon2") and PIN not in stored and pin_matches(stored, PIN)
    dial(phone=phone_of(3)).press("5").sees("Entrez votre code").press(PIN).sees("épargne")


def test_first_use_in_bambara(make_group, dial):
    make_group(size=3)
    d = dial(phone=phone_of(1)).press("1", "5").sees("gundo", "nimòrò kelen sinyè 4 tè, 1234 cogo tè")
    d.press(PIN, PIN).sees("Benkadi", "1 ")


RULE = "pas 4 fois le meme, ni suite comme 1234, ni 1212."  # as folded to GSM-7


@pytest.mark.parametrize("easy", ["0000", "1234", "1111", "2222", "3333", "9876", "7890", "1212"])
def test_easy_pins_are_refused_and_the_screen_says_the_rule(make_group, dial, easy):
    make_group(size=3)
    d = dial(phone=phone_of(3)).press("2", "5").sees(RULE)
    d.press(easy).sees("trop facile", "Choisissez un code", RULE)
    d.press("12").sees("4 chiffres")
    d.press(PIN, PIN).sees("épargne")


def test_easy_pin_rules():
    assert all(is_easy(p) for p in ("0000", "1234", "4321", "3333", "8901", "2323"))
    assert not any(is_easy(p) for p in ("4827", "1357", "2024", "0419"))


def test_two_different_pins_start_again(make_group, dial, db):
    make_group(size=3)
    d = dial(phone=phone_of(3)).press("2", "5", PIN, "5930").sees("différents", "Choisissez")
    assert _credential(db, 3).pin_hash is None
    d.press("5930", "5930").sees("épargne")


def test_the_pin_never_reaches_redis_logs_or_the_database_in_clear(make_group, dial, redis_client, db,
                                                                   caplog):
    caplog.set_level(logging.DEBUG)
    make_group(size=3)
    d = dial(phone=phone_of(3)).press("2", "5", PIN)
    assert d.resend() == d.answer  # the masked hop still answers resends from the cache
    d.press(PIN)
    dial(phone=phone_of(3)).press("5", PIN).sees("épargne")
    dial(phone=phone_of(3)).press("5", "5930")  # a wrong one too
    for key in redis_client.scan_iter():
        raw = redis_client.dump(key) or b""
        assert PIN.encode() not in key and PIN.encode() not in raw, key
    assert not [r for r in caplog.records if PIN in r.getMessage() or "5930" in r.getMessage()]
    for table in ("savings_pins", "savings_members", "sms_outbox", "subscribers"):
        for row in db.execute(text(f"SELECT * FROM {table}")):
            assert not any(PIN in str(value) for value in row if not str(value).startswith("$argon2"))


def test_three_wrong_pins_lock_for_15_minutes_then_30(make_group, login, dial, db, clock):
    make_group(size=3)
    login(phone_of(3))  # sets the PIN
    d = dial(phone=phone_of(3)).press("5", "1111").sees("Code faux", "Encore 2 essai")
    d.resend()  # a resent hop counts once
    d.press("2222").sees("Encore 1 essai")
    assert _credential(db, 3).failed_attempts == 2
    until = clock.now + timedelta(minutes=15)
    d.press("3333").sees("Trop de codes faux", bamako_time(until, clock.now))
    assert d.ended
    assert _credential(db, 3).locked_until == until
    dial(phone=phone_of(3)).press("5").sees("Trop de codes faux", bamako_time(until, clock.now))
    clock.advance(minutes=14, seconds=59)
    dial(phone=phone_of(3)).press("5").sees(bamako_time(until, clock.now))
    clock.advance(seconds=1)
    d = dial(phone=phone_of(3)).press("5").sees("Entrez votre code")
    d.press("1111", "2222", "3333").sees(bamako_time(clock.now + timedelta(minutes=30), clock.now))
    assert _credential(db, 3).locked_until == clock.now + timedelta(minutes=30)
    clock.advance(minutes=30)
    dial(phone=phone_of(3)).press("5", PIN).sees("épargne")  # success resets the doubling
    credential = _credential(db, 3)
    assert (credential.failed_attempts, credential.lock_count, credential.locked_until) == (0, 0, None)


def test_the_right_pin_during_a_lock_does_not_open(make_group, login, dial, clock):
    make_group(size=3)
    login(phone_of(3))
    d = dial(phone=phone_of(3)).press("5")  # PIN screen shown before the lock below
    dial(phone=phone_of(3)).press("5", "1111", "2222", "3333").sees("Trop de codes faux")
    d.press(PIN).sees("Trop de codes faux")


def test_president_resets_a_pin_and_the_member_sets_a_new_one(make_group, login, dial, db):
    make_group(size=5)
    login(phone_of(4))
    d = login(phone_of(2)).sees("6 Réinitialiser")  # the president's menu
    d.press("6", "4").sees("04 Aminata D.").press("1").sees("réinitialisé")
    assert _credential(db, 4).pin_hash is None
    dial(phone=phone_of(4)).press("5").sees("Choisissez un code")
    assert "Réinitialiser" not in login(phone_of(1)).screen  # the treasurer cannot


def test_pins_are_hashed_for_a_hop_and_old_hashes_still_open_then_are_rehashed(make_group, login,
                                                                                dial, db):
    from argon2 import PasswordHasher

    make_group(size=3)
    login(phone_of(3))
    assert "$m=19456,t=2,p=1$" in _credential(db, 3).pin_hash  # see pins.py for the reasoning
    old = _credential(db, 3)
    old.pin_hash = PasswordHasher(time_cost=3, memory_cost=65536, parallelism=4).hash(PIN)
    db.commit()
    dial(phone=phone_of(3)).press("5", PIN).sees("épargne")
    rehashed = _credential(db, 3).pin_hash
    assert "$m=19456,t=2,p=1$" in rehashed and pin_matches(rehashed, PIN)


def test_a_new_pin_waits_in_the_database_never_in_redis(make_group, dial, db, redis_client, clock):
    make_group(size=3)
    d = dial(phone=phone_of(3)).press("2", "5", PIN).sees("encore")
    pending = _credential(db, 3)
    assert pending.pending_hash.startswith("$argon2") and pending.pin_hash is None
    assert not [k for k in redis_client.scan_iter() if b"$argon2" in (redis_client.dump(k) or b"")]
    d.press("5930").sees("différents")  # a mismatch forgets it
    assert _credential(db, 3).pending_hash is None
    d.press(PIN, PIN).sees("épargne")  # a match makes it the PIN and forgets the pending one
    stored = _credential(db, 3)
    assert pin_matches(stored.pin_hash, PIN) and stored.pending_hash is None
    # A new PIN left unconfirmed for ten minutes is no longer taken.
    from ussd_app.savings.groups import reset_pin

    reset_pin(db, db.get(Member, stored.member_id), now=clock.now)
    db.commit()
    d = dial(phone=phone_of(3)).press("5", PIN).sees("encore")
    clock.advance(minutes=10)
    d.press(PIN).sees("différents")
    assert _credential(db, 3).pin_hash is None
