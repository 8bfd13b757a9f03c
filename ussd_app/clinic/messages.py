"""The outbox seen from a centre: scoped listing and retrying failed messages. Never commits.

A retry never moves a failed row backwards (ussd_app.sms.retry); the new row is linked to the
same campaign when there is one.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from ussd_app.clinic.directory import outbox_in_scope
from ussd_app.clinic.scope import Scope
from ussd_app.sms.outbox import OutboxMessage
from ussd_app.sms.retry import retry_failed_copy

PAGE_SIZE = 50


def page(db, scope: Scope, *, status: str | None, before: int | None):
    query = select(OutboxMessage).where(outbox_in_scope(scope))
    if status:
        query = query.where(OutboxMessage.status == status)
    if before:
        query = query.where(OutboxMessage.id < before)
    return list(db.scalars(query.order_by(OutboxMessage.id.desc()).limit(PAGE_SIZE)))


def retry(db, scope: Scope, outbox_ids: list[int], now: datetime) -> int:
    """Queue a fresh copy of each failed message in scope; returns how many were queued."""
    rows = db.scalars(select(OutboxMessage).where(OutboxMessage.id.in_(outbox_ids), outbox_in_scope(scope)))
    count = 0
    for row in rows:
        copy = retry_failed_copy(db, row, now)
        if copy is None:
            continue
        count += 1
    db.flush()
    return count


def failed_ids(db, scope: Scope, limit: int = 500) -> list[int]:
    return list(db.scalars(select(OutboxMessage.id).where(outbox_in_scope(scope), OutboxMessage.status == "failed")
                           .order_by(OutboxMessage.id.desc()).limit(limit)))
