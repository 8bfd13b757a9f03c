"""Giving a failed message a new try without moving it backwards.

A retry queues a new row (dedupe key `retry:<id>`, so a double click or a second CLI run retries
once) and leaves the failed row, and its history, as it is. Messages stopped on purpose (a
schedule or campaign stopped) and messages their recipient has since stopped are not retried.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from ussd_app.sms.optout import may_send, stopped_for
from ussd_app.sms.outbox import NEW_OUTBOX_IDS, SMS, OutboxMessage, queue_copy

STOPPED_ON_PURPOSE = ("cancelled", "stopped")  # prefixes of `last_error`


def is_retryable(db, row: OutboxMessage) -> bool:
    if row.channel != SMS:  # a failed call went on by its next try or by SMS already
        return False
    if row.status != "failed" or (row.last_error or "").startswith(STOPPED_ON_PURPOSE):
        return False
    return may_send(row.purpose, stopped_for(db, row.recipient))


def retry_failed_copy(db, row: OutboxMessage, now: datetime) -> OutboxMessage | None:
    """A new pending copy of a failed row, or None when it is not retryable or already retried.

    The copy is registered like any queued row, so the caller enqueues it after its commit.
    """
    key = f"retry:{row.id}"
    if not is_retryable(db, row) or db.scalar(select(OutboxMessage.id).where(OutboxMessage.dedupe_key == key)):
        return None
    return queue_copy(db, row, dedupe_key=key, now=now)
