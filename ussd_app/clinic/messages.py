"""The outbox seen from a centre: scoped listing and retrying failed messages. Never commits.

A retry never moves a failed row backwards: it queues a new row (dedupe key `retry:<id>`, so a
double click retries once) and links it to the same campaign when there is one.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from ussd_app.clinic.directory import outbox_in_scope
from ussd_app.clinic.models import CampaignMessage
from ussd_app.clinic.scope import Scope
from ussd_app.sms.outbox import NEW_OUTBOX_IDS, OutboxMessage
from ussd_app.subscribers import Subscriber

PAGE_SIZE = 50
NOT_RETRIED = ("cancelled", "stopped")  # the clinic stopped these on purpose


def page(db, scope: Scope, *, status: str | None, before: int | None):
    query = select(OutboxMessage).where(outbox_in_scope(scope))
    if status:
        query = query.where(OutboxMessage.status == status)
    if before:
        query = query.where(OutboxMessage.id < before)
    return list(db.scalars(query.order_by(OutboxMessage.id.desc()).limit(PAGE_SIZE)))


def retryable(db, row: OutboxMessage) -> bool:
    if row.status != "failed" or (row.last_error or "").startswith(NOT_RETRIED):
        return False
    opted_out = db.scalar(select(Subscriber.sms_opted_out_at).where(Subscriber.phone == row.recipient))
    return opted_out is None


def retry(db, scope: Scope, outbox_ids: list[int], now: datetime) -> int:
    """Queue a fresh copy of each failed message in scope; returns how many were queued."""
    rows = db.scalars(select(OutboxMessage).where(OutboxMessage.id.in_(outbox_ids), outbox_in_scope(scope)))
    count = 0
    for row in rows:
        key = f"retry:{row.id}"
        if not retryable(db, row) or db.scalar(select(OutboxMessage.id).where(OutboxMessage.dedupe_key == key)):
            continue
        copy = OutboxMessage(recipient=row.recipient, language=row.language, body=row.body, parts=row.parts,
                             kind=row.kind, dedupe_key=key, status="pending", attempts=0, due_at=now,
                             created_at=now, updated_at=now)
        db.add(copy)
        db.flush()
        campaign_id = db.scalar(select(CampaignMessage.campaign_id).where(CampaignMessage.outbox_id == row.id))
        if campaign_id is not None:
            db.add(CampaignMessage(campaign_id=campaign_id, outbox_id=copy.id))
        db.info.setdefault(NEW_OUTBOX_IDS, []).append(copy.id)
        count += 1
    db.flush()
    return count


def failed_ids(db, scope: Scope, limit: int = 500) -> list[int]:
    return list(db.scalars(select(OutboxMessage.id).where(outbox_in_scope(scope), OutboxMessage.status == "failed")
                           .order_by(OutboxMessage.id.desc()).limit(limit)))
