"""Member PINs: 4 digits, argon2-hashed, locked after three wrong tries (15 min, doubling).

The clear PIN only exists while a hop is being answered; what is kept anywhere is a hash.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from ussd_app.savings.models import PinCredential
from ussd_app.text.i18n import N_

PIN_LENGTH = 4
MAX_ATTEMPTS = 3
FIRST_LOCK = timedelta(minutes=15)

_hasher = PasswordHasher()

NOT_FOUR_DIGITS = N_("A PIN is 4 digits.")
TOO_EASY = N_("This PIN is too easy to guess. Choose another.")


def is_easy(pin: str) -> bool:
    """Same digit (1111), a run up or down (1234, 9876, 8901) or a pair repeated (1212)."""
    digits = [int(c) for c in pin]
    steps = {(b - a) % 10 for a, b in zip(digits, digits[1:])}
    return len(set(digits)) == 1 or steps in ({1}, {9}) or pin[:2] == pin[2:]


def pin_problem(pin: str) -> str | None:
    """Why this new PIN cannot be used (a msgid), or None."""
    if len(pin) != PIN_LENGTH or not pin.isdigit():
        return NOT_FOUR_DIGITS
    if is_easy(pin):
        return TOO_EASY
    return None


def hash_pin(pin: str) -> str:
    return _hasher.hash(pin)


def pin_matches(pin_hash: str | None, pin: str) -> bool:
    if not pin_hash or len(pin) != PIN_LENGTH or not pin.isdigit():
        return False
    try:
        return _hasher.verify(pin_hash, pin)
    except (VerificationError, InvalidHashError):
        return False


def is_locked(credential: PinCredential, now: datetime) -> bool:
    return credential.locked_until is not None and credential.locked_until > now


def lock_length(lock_count: int) -> timedelta:
    return FIRST_LOCK * (2 ** lock_count)


def tries_left(credential: PinCredential) -> int:
    return MAX_ATTEMPTS - credential.failed_attempts


def record_failure(credential: PinCredential, now: datetime, key: str) -> None:
    """Count a wrong PIN once per hop (`key`); the third in a row locks the member."""
    if credential.last_failure_key == key:
        return
    credential.last_failure_key = key
    credential.failed_attempts += 1
    if credential.failed_attempts >= MAX_ATTEMPTS:
        credential.locked_until = now + lock_length(credential.lock_count)
        credential.lock_count += 1
        credential.failed_attempts = 0
    credential.updated_at = now


def record_success(credential: PinCredential, now: datetime) -> None:
    if credential.failed_attempts or credential.lock_count or credential.locked_until:
        credential.failed_attempts = 0
        credential.lock_count = 0
        credential.locked_until = None
        credential.updated_at = now


def set_pin_hash(credential: PinCredential, pin_hash: str, now: datetime) -> None:
    credential.pin_hash = pin_hash
    credential.failed_attempts = 0
    credential.lock_count = 0
    credential.locked_until = None
    credential.updated_at = now
