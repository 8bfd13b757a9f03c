"""The SMS outbox: every message is a row, written in the transaction of the event causing it.

A row is rendered once, when queued: in the person's language, folded to GSM-7. Workers get row
ids, never objects; the dedupe key makes a retried event queue its message once.

A row's `channel` is "sms" or "voice". A voice row is one phone call (ussd_app/voice): its body
is the SMS it falls back to, `voice_script` the recorded fragments it plays, `call_try` which
try of reaching her it is (each try is a row of its own, so a call is placed at most once per
row), and `call_state` how far the call went: placing (the request is being made), placed (the
gateway took it), answered; its status follows the outbox order like an SMS's.
"""

from __future__ import annotations

from datetime import datetime

import json

from sqlalchemy import ForeignKey, Index, Integer, String, Text, select, text
from sqlalchemy.orm import Mapped, mapped_column

from ussd_app.clock import system_now
from ussd_app.db import Base, UTCDateTime
from ussd_app.sms.purposes import PURPOSES
from ussd_app.text.gsm import sms_size, to_gsm
from ussd_app.text.i18n import T, translate

# Status only moves forward along this order (delivered/failed/rejected are final).
STATUSES = ("pending", "queued", "sent", "delivered", "failed", "rejected")
FINAL = frozenset({"delivered", "failed", "rejected"})
OPEN_STATUSES = ("pending", "queued")
RANK = {"pending": 0, "queued": 1, "sent": 2, "delivered": 3, "failed": 3, "rejected": 3}
NEW_OUTBOX_IDS = "sms.new_outbox_ids"
NEW_CALL_IDS = "voice.new_call_ids"
SMS, VOICE = "sms", "voice"  # channels
# call_state of a voice row
PLACING, PLACED, ANSWERED = "placing", "placed", "answered"


def _where_set(column: str) -> dict:
    """Index only the rows where `column` has a value: every lookup compares it with a value,
    and NULL entries would only slow inserts down (a campaign writes its audience at once)."""
    where = text(f"{column} IS NOT NULL")
    return {"postgresql_where": where, "sqlite_where": where}


class OutboxMessage(Base):
    __tablename__ = "sms_outbox"
    __table_args__ = (
        Index("ix_sms_outbox_provider_message_id", "provider_message_id", **_where_set("provider_message_id")),
        Index("ix_sms_outbox_lock_token", "lock_token", **_where_set("lock_token")),
        Index("ix_sms_outbox_campaign_id", "campaign_id", **_where_set("campaign_id")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient: Mapped[str] = mapped_column(String(16), index=True)  # E.164
    language: Mapped[str] = mapped_column(String(2))
    body: Mapped[str] = mapped_column(Text)  # as sent: translated, GSM-7
    parts: Mapped[int] = mapped_column(Integer, default=1)
    kind: Mapped[str] = mapped_column(String(32))  # savings_receipt, reminder, campaign, enrollment, ...
    # Why it is sent (ussd_app.sms.purposes): who can stop it, and whether it waits out the night.
    purpose: Mapped[str] = mapped_column(String(16))
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime, default=system_now, index=True)
    queued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    final_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    provider_message_id: Mapped[str | None] = mapped_column(String(100))
    cost: Mapped[str | None] = mapped_column(String(32))  # as the gateway states it ("XOF 25.0000")
    last_error: Mapped[str | None] = mapped_column(String(300))
    # A worker holds the row while it sends (until `locked_until`); a dead worker's hold expires.
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lock_token: Mapped[str | None] = mapped_column(String(32))
    # The clinic campaign that planned the row, if any: the dashboard counts a campaign's rows by
    # it. Sending never reads it.
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("clinic_campaigns.id"))
    channel: Mapped[str] = mapped_column(String(8), default=SMS, server_default=SMS)
    voice_script: Mapped[str | None] = mapped_column(Text)  # JSON list of fragment keys
    call_try: Mapped[int | None] = mapped_column(Integer)
    call_state: Mapped[str | None] = mapped_column(String(16))
    call_duration_s: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=system_now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=system_now, onupdate=system_now)

    @property
    def fragments(self) -> list[str]:
        return json.loads(self.voice_script) if self.voice_script else []


def render_sms(language: str, message: "T | str") -> str:
    return to_gsm(translate(language, message))


def queue_sms(db, *, recipient: str, language: str, message: "T | str", kind: str, purpose: str,
              dedupe_key: str, now: datetime, due_at: datetime | None = None) -> OutboxMessage:
    """Add a message to the outbox (idempotent on `dedupe_key`), due at `due_at` or `now`.
    The caller commits."""
    if purpose not in PURPOSES:
        raise ValueError(f"unknown SMS purpose {purpose!r}")
    existing = db.scalar(select(OutboxMessage).where(OutboxMessage.dedupe_key == dedupe_key))
    if existing is not None:
        return existing
    body = render_sms(language, message)
    row = OutboxMessage(recipient=recipient, language=language, body=body,
                        parts=sms_size(body).parts, kind=kind, purpose=purpose, dedupe_key=dedupe_key,
                        status="pending", attempts=0, due_at=due_at or now,
                        created_at=now, updated_at=now)
    db.add(row)
    db.flush()
    # The caller enqueues new rows after its commit (see ussd_app.sms.handoff).
    db.info.setdefault(NEW_OUTBOX_IDS, []).append(row.id)
    return row


def take_new_outbox_ids(db) -> list[int]:
    """Ids of the rows this session queued since the last call (enqueue them after the commit)."""
    return db.info.pop(NEW_OUTBOX_IDS, [])


# -- voice rows (ussd_app/voice): the calls' writes, kept with the other outbox writes ---------

def queue_call(db, *, recipient: str, language: str, message: "T | str", script: list[str], kind: str,
               purpose: str, dedupe_key: str, now: datetime, due_at: datetime | None = None,
               call_try: int = 1, campaign_id: int | None = None) -> OutboxMessage:
    """Add one call (try `call_try` of reaching her) to the outbox, idempotent on `dedupe_key`.
    `message` is the SMS it falls back to. The caller commits, then enqueues `take_new_call_ids`."""
    if purpose not in PURPOSES:
        raise ValueError(f"unknown SMS purpose {purpose!r}")
    existing = db.scalar(select(OutboxMessage).where(OutboxMessage.dedupe_key == dedupe_key))
    if existing is not None:
        return existing
    body = render_sms(language, message)  # an already rendered body stays as it is
    row = OutboxMessage(recipient=recipient, language=language, body=body, parts=sms_size(body).parts,
                        kind=kind, purpose=purpose, dedupe_key=dedupe_key, status="pending", attempts=0,
                        due_at=due_at or now, channel=VOICE, voice_script=json.dumps(script),
                        call_try=call_try, campaign_id=campaign_id, created_at=now, updated_at=now)
    db.add(row)
    db.flush()
    db.info.setdefault(NEW_CALL_IDS, []).append(row.id)
    return row


def take_new_call_ids(db) -> list[int]:
    return db.info.pop(NEW_CALL_IDS, [])


def hold_call(row: OutboxMessage, token: str, until: datetime, now: datetime) -> None:
    """A worker takes the row (nobody else places it until `until`)."""
    row.status, row.lock_token, row.locked_until, row.updated_at = "queued", token, until, now


def mark_call_placing(row: OutboxMessage, until: datetime, now: datetime) -> None:
    """Right before the request: from here on, whether a call rings is uncertain until the
    gateway answers, so this row is never requested again (ussd_app.voice.calls)."""
    row.call_state, row.attempts, row.locked_until, row.updated_at = PLACING, row.attempts + 1, until, now


def mark_call_placed(row: OutboxMessage, session_id: str, now: datetime) -> None:
    row.status, row.sent_at, row.updated_at = "sent", now, now
    row.call_state, row.provider_message_id = PLACED, session_id
    row.locked_until, row.lock_token = None, None


def mark_call_answered(row: OutboxMessage, now: datetime) -> None:
    row.call_state, row.updated_at = ANSWERED, now


def release_call(row: OutboxMessage, due_at: datetime, now: datetime, error: str | None = None) -> None:
    """Back to pending, due at `due_at` (quiet hours, or the gateway refused the request)."""
    row.status, row.due_at, row.queued_at, row.updated_at = "pending", due_at, None, now
    row.call_state, row.locked_until, row.lock_token = None, None, None
    row.last_error = error[:300] if error else row.last_error


def close_call(row: OutboxMessage, status: str, now: datetime, error: str | None = None, *,
               duration_s: int | None = None, cost: str | None = None) -> bool:
    """A final status for the call (delivered, failed, rejected); False when it already had one."""
    if row.status in FINAL:
        return False
    row.status, row.final_at, row.updated_at = status, now, now
    row.locked_until, row.lock_token = None, None
    row.last_error = error[:300] if error else row.last_error
    if duration_s is not None:
        row.call_duration_s = duration_s
    if cost is not None:
        row.cost = cost
    return True
