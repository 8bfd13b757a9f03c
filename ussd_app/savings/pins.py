"""Member PINs: 4 digits, argon2-hashed, locked after three wrong tries (15 min, doubling).

The clear PIN only exists while a hop is being answered; what is kept anywhere is a hash, in
the database only (a new PIN waits there for its confirmation, never in Redis).

A try is counted before the PIN is checked (`claim_try`, committed on its own by the caller),
so neither a crash, nor a hop rolled back, nor parallel sessions can check a PIN uncounted:
the third try of a series sets the lock as it is claimed, and a right PIN lifts it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import or_, update

from ussd_app.savings.models import PinCredential
from ussd_app.text.i18n import N_
from ussd_app.text.keypad import is_digits

PIN_LENGTH = 4
MAX_ATTEMPTS = 3
FIRST_LOCK = timedelta(minutes=15)
PENDING_LIFE = timedelta(minutes=10)  # a new PIN not confirmed by then is forgotten

# argon2id, m=19 MiB, t=2, p=1: OWASP's baseline for argon2id. A 4-digit PIN has 10 000 values:
# if the hashes leaked, no affordable cost would protect it; the lockout does (3 tries, then
# 15 min, doubling). So the cost is chosen for the hop on a small server: on this project's
# 2-core machine, loaded by other work, a verification took about 30 ms (argon2-cffi's
# defaults, 64 MiB, t=3, p=4, took 250-400 ms there). A hash made with other parameters still
# verifies (argon2 reads them from the hash) and is rehashed at the member's next good PIN.
_hasher = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1)

NOT_FOUR_DIGITS = N_("A PIN is 4 digits.")
TOO_EASY = N_("This PIN is too easy to guess. Choose another.")


def is_pin_shaped(pin: str) -> bool:
    return len(pin) == PIN_LENGTH and is_digits(pin)


def is_easy(pin: str) -> bool:
    """Same digit (1111), a run up or down (1234, 9876, 8901) or a pair repeated (1212)."""
    digits = [int(c) for c in pin]
    steps = {(b - a) % 10 for a, b in zip(digits, digits[1:])}
    return len(set(digits)) == 1 or steps in ({1}, {9}) or pin[:2] == pin[2:]


def pin_problem(pin: str) -> str | None:
    """Why this new PIN cannot be used (a msgid), or None."""
    if not is_pin_shaped(pin):
        return NOT_FOUR_DIGITS
    if is_easy(pin):
        return TOO_EASY
    return None


def hash_pin(pin: str) -> str:
    return _hasher.hash(pin)


def pin_matches(pin_hash: str | None, pin: str) -> bool:
    if not pin_hash or not is_pin_shaped(pin):
        return False
    try:
        return _hasher.verify(pin_hash, pin)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(pin_hash: str) -> bool:
    return _hasher.check_needs_rehash(pin_hash)


def is_locked(credential: PinCredential, now: datetime) -> bool:
    return credential.locked_until is not None and credential.locked_until > now


def lock_length(lock_count: int) -> timedelta:
    return FIRST_LOCK * (2 ** lock_count)


@dataclass(frozen=True)
class Try:
    """A try counted before its PIN is checked."""

    pin_hash: str
    tries_left: int  # if this PIN is wrong
    locked_until: datetime | None  # set when this was the last try: lifted if the PIN is right


def claim_try(db, member_id: int, now: datetime) -> Try | None:
    """Count one try of a member's PIN; None when she is locked or has no PIN (check nothing).

    The conditional UPDATE comes first: it takes the row (PostgreSQL) or the database (SQLite)
    for writing, so parallel claims queue and each sees the count the one before left. The
    caller commits it before checking the PIN.
    """
    claimed = db.execute(
        update(PinCredential)
        .where(PinCredential.member_id == member_id, PinCredential.pin_hash.is_not(None),
               or_(PinCredential.locked_until.is_(None), PinCredential.locked_until <= now))
        .values(failed_attempts=PinCredential.failed_attempts + 1, updated_at=now)
        .execution_options(synchronize_session=False)).rowcount
    if not claimed:
        return None
    credential = db.get(PinCredential, member_id, populate_existing=True)
    if credential.failed_attempts < MAX_ATTEMPTS:
        return Try(credential.pin_hash, MAX_ATTEMPTS - credential.failed_attempts, None)
    credential.locked_until = now + lock_length(credential.lock_count)
    credential.lock_count += 1
    credential.failed_attempts = 0
    db.flush()
    return Try(credential.pin_hash, 0, credential.locked_until)


def record_success(credential: PinCredential, now: datetime, rehashed: str | None = None) -> None:
    """A right PIN: the series of tries starts again (and a lock its last try set is lifted)."""
    credential.failed_attempts = 0
    credential.lock_count = 0
    credential.locked_until = None
    if rehashed is not None:
        credential.pin_hash = rehashed
    credential.updated_at = now


def set_pending(credential: PinCredential, pin_hash: str, now: datetime) -> None:
    """A new PIN typed once, waiting to be typed again."""
    credential.pending_hash = pin_hash
    credential.pending_at = now
    credential.updated_at = now


def pending_hash(credential: PinCredential, now: datetime) -> str | None:
    if credential.pending_hash is None or credential.pending_at is None:
        return None
    return credential.pending_hash if now - credential.pending_at < PENDING_LIFE else None


def clear_pending(credential: PinCredential, now: datetime) -> None:
    credential.pending_hash = None
    credential.pending_at = None
    credential.updated_at = now


def set_pin_hash(credential: PinCredential, pin_hash: str, now: datetime) -> None:
    credential.pin_hash = pin_hash
    credential.failed_attempts = 0
    credential.lock_count = 0
    credential.locked_until = None
    clear_pending(credential, now)
