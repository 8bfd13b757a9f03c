"""Who may get what: opting out of SMS by category, and back in. Every sender asks `may_send`.

A person stops `reminders`, `campaigns` or `all` (ussd_app.sms.purposes); a message's purpose
says which of these silence it. Stopping her health messages never stops the receipts of her own
money; STOP by SMS (or the gateway's blacklist) stops everything but the answer to her keyword.
"""

from __future__ import annotations

from datetime import datetime
from typing import Iterable

from sqlalchemy import and_, or_, select, true

from ussd_app.sms.purposes import ALL, CAMPAIGNS, CATEGORIES, POLICIES, REMINDERS
from ussd_app.subscribers import Subscriber, find_by_phone, get_or_create

# Where each category's stop is kept: when she stopped it (empty: not stopped).
_COLUMNS = {ALL: "sms_opted_out_at", REMINDERS: "reminders_opted_out_at",
            CAMPAIGNS: "campaigns_opted_out_at"}


def _column(category: str):
    return getattr(Subscriber, _COLUMNS[category])


def may_send(purpose: str, stopped: Iterable[str]) -> bool:
    """May a message of `purpose` go to a person who stopped these categories? The one rule
    that the sender, the reminder dispatcher, campaign planning and retries all apply."""
    return not POLICIES[purpose].stopped_by.intersection(stopped)


def receives(purpose: str):
    """`may_send` as a SQL condition on `subscribers` (outer-joined: no row, nothing stopped)."""
    stopped_by = sorted(POLICIES[purpose].stopped_by)
    return and_(*(_column(c).is_(None) for c in stopped_by)) if stopped_by else true()


def stopped_categories(subscriber: Subscriber | None) -> frozenset[str]:
    if subscriber is None:
        return frozenset()
    return frozenset(c for c, name in _COLUMNS.items() if getattr(subscriber, name) is not None)


def stopped_for(db, phone: str) -> frozenset[str]:
    return stopped_categories(find_by_phone(db, phone))


def refusing(db, phones: Iterable[str], purpose: str) -> set[str]:
    """Those of `phones` whom a message of `purpose` may not reach."""
    return {phone for phone, stopped in stopped_by_phone(db, phones).items()
            if not may_send(purpose, stopped)}


def stopped_by_phone(db, phones: Iterable[str]) -> dict[str, frozenset[str]]:
    """What each of `phones` stopped (phones that stopped nothing are left out)."""
    phones = sorted(set(phones))
    if not phones:
        return {}
    columns = [_column(c) for c in CATEGORIES]
    rows = db.execute(select(Subscriber.phone, *columns)
                      .where(Subscriber.phone.in_(phones), or_(*(c.is_not(None) for c in columns))))
    return {phone: frozenset(c for c, at in zip(CATEGORIES, stamps) if at is not None)
            for phone, *stamps in rows}


def record_opt_out(db, phone: str, *, source: str, now: datetime,
                   categories: Iterable[str] = (ALL,)) -> Subscriber:
    """Stop `categories` for `phone` (a category already stopped keeps its first date).
    `source` ("sms", "ussd", "gateway") is kept with a stop of everything."""
    subscriber = get_or_create(db, phone, now)
    for category in categories:
        if getattr(subscriber, _COLUMNS[category]) is None:
            setattr(subscriber, _COLUMNS[category], now)
            if category == ALL:
                subscriber.sms_opt_out_source = source
    return subscriber


def record_opt_in(db, phone: str, *, now: datetime,
                  categories: Iterable[str] = CATEGORIES) -> Subscriber:
    """Receive `categories` again (by default everything)."""
    subscriber = get_or_create(db, phone, now)
    for category in categories:
        setattr(subscriber, _COLUMNS[category], None)
        if category == ALL:
            subscriber.sms_opt_out_source = None
    return subscriber
