"""Phones whose owner had her data erased: no SMS, no call, no new record, ever again.

The blocklist holds a keyed hash of each phone (HMAC-SHA256 with the server's PERSON_HASH_KEY),
never the phone: a copy of the database alone cannot list the erased numbers, yet the service
recognises one the moment it calls or would be written to. The key travels with each database
session (`db.info`, set by `make_session_factory`), so every sender checks the same way.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime
from typing import Iterable

from sqlalchemy import String, select
from sqlalchemy.orm import Mapped, mapped_column

from ussd_app.clock import system_now
from ussd_app.db import PHONE_HASH_KEY, Base, UTCDateTime

# What an erased person's phone becomes in the rows that stay (outbox, enrollments, members...):
# no gateway takes it, and it matches no real number.
ERASED_PREFIX = "erased:"


class ErasedPhone(Base):
    __tablename__ = "erased_phones"

    id: Mapped[int] = mapped_column(primary_key=True)
    phone_hash: Mapped[str] = mapped_column(String(64), unique=True)  # HMAC-SHA256 hex, never the phone
    erased_at: Mapped[datetime] = mapped_column(UTCDateTime, default=system_now)


class MissingHashKey(RuntimeError):
    """A database session made without the phone-hash key cannot tell an erased phone."""


def hash_key(db) -> bytes:
    key = db.info.get(PHONE_HASH_KEY)
    if not key:
        raise MissingHashKey("this database session has no phone-hash key: make it with "
                             "make_session_factory(engine, phone_hash_key=settings.phone_hash_key)")
    return key


def phone_hash(key: bytes, phone: str) -> str:
    return hmac.new(key, phone.encode("utf-8"), hashlib.sha256).hexdigest()


def is_placeholder(phone: str | None) -> bool:
    return bool(phone) and phone.startswith(ERASED_PREFIX)


def placeholder(number: int) -> str:
    return f"{ERASED_PREFIX}{number}"


def blocked_among(db, phones: Iterable[str]) -> set[str]:
    """Those of `phones` that were erased (placeholders count as erased)."""
    phones = set(phones)
    found = {p for p in phones if is_placeholder(p)}
    real = sorted(phones - found)
    if not real:
        return found
    key = hash_key(db)
    by_hash = {phone_hash(key, p): p for p in real}
    hits = db.scalars(select(ErasedPhone.phone_hash).where(ErasedPhone.phone_hash.in_(sorted(by_hash))))
    return found | {by_hash[h] for h in hits}


def is_blocked(db, phone: str) -> bool:
    return bool(blocked_among(db, [phone]))


def block(db, phone: str, now: datetime) -> ErasedPhone:
    """Add `phone` to the blocklist (idempotent). The caller commits."""
    digest = phone_hash(hash_key(db), phone)
    row = db.scalar(select(ErasedPhone).where(ErasedPhone.phone_hash == digest))
    if row is None:
        row = ErasedPhone(phone_hash=digest, erased_at=now)
        db.add(row)
        db.flush()
    return row


def unblock(db, phone: str) -> bool:
    """Lift the block (the operator gave the number to someone new). The caller commits."""
    row = db.scalar(select(ErasedPhone).where(ErasedPhone.phone_hash == phone_hash(hash_key(db), phone)))
    if row is None:
        return False
    db.delete(row)
    return True
