"""Opting out of SMS (reminders, campaigns, receipts) and back in; every sender checks it."""

from __future__ import annotations

from datetime import datetime
from typing import Iterable

from sqlalchemy import select

from ussd_app.subscribers import Subscriber, find_by_phone, get_or_create


def opted_out_phones(db, phones: Iterable[str]) -> set[str]:
    phones = sorted(set(phones))
    if not phones:
        return set()
    return set(db.scalars(select(Subscriber.phone).where(Subscriber.phone.in_(phones),
                                                         Subscriber.sms_opted_out_at.is_not(None))))


def is_opted_out(db, phone: str) -> bool:
    subscriber = find_by_phone(db, phone)
    return subscriber is not None and subscriber.sms_opted_out_at is not None


def record_opt_out(db, phone: str, *, source: str, now: datetime) -> Subscriber:
    """Opt `phone` out (kept if already out: the first date and source stay)."""
    subscriber = get_or_create(db, phone, now)
    if subscriber.sms_opted_out_at is None:
        subscriber.sms_opted_out_at, subscriber.sms_opt_out_source = now, source
    return subscriber


def record_opt_in(db, phone: str, *, now: datetime) -> Subscriber:
    subscriber = get_or_create(db, phone, now)
    subscriber.sms_opted_out_at, subscriber.sms_opt_out_source = None, None
    return subscriber
