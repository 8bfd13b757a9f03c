"""The SMS outbox: every message is a row, written in the transaction of the event causing it.

A row is rendered once, when queued: in the person's language, folded to GSM-7. Workers get row
ids, never objects; the dedupe key makes a retried event queue its message once.

This module is the outbox's only writer of rows and of their status, with its parts split out for
size (outbox_calls.py: phone calls); a test holds every other module to it
(tests/sms/test_outbox_owner.py). The status moves forward only, along:

    pending --hand_out / claim--> queued --record_sent--> sent --report--> delivered
       |                            |                      |
       +------------+---------------+----------------------+--> failed / rejected

- `pending`: written (`queue_sms`, `queue_copy`, `insert_pending`), not yet handed to a worker.
- `queued`: handed to RQ (`hand_out`, `queued_at` set) or claimed by a worker (`claim`:
  `lock_token`, `locked_until` and one more attempt). "Claimed" is `queued` with a live hold;
  a worker that dies leaves the row `queued`, and the hold expires. A retry later or a night
  deferral (`release`) keeps it open with a new `due_at` and no hold.
- `sent`: the gateway took it (`record_sent`, with its provider id and cost).
- `delivered`, `failed`, `rejected`: final. `close` ends a claimed row (failed: refused, invalid
  number, attempts used up; rejected: the recipient opted out or is blocked at the gateway);
  `apply_report` moves a sent row forward on a delivery report; `cancel` stops rows no worker
  holds as `failed` with the reason in `last_error` (campaigns: "cancelled ...", schedules:
  "stopped: ..."), which is how dashboards tell a cancelled message from a failed one.

Any other change raises IllegalTransition.

A row's `channel` is "sms" or "voice". A voice row is one phone call (ussd_app/voice): its body
is the SMS it falls back to, `voice_script` the recorded fragments it plays, `call_try` which
try of reaching her it is (each try is a row of its own, so a call is placed at most once per
row), and `call_state` how far the call went: placing (the request is being made), placed (the
gateway took it), answered; its status follows the outbox order like an SMS's.
"""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, insert, literal, or_, select, text, update
from sqlalchemy.orm import Mapped, mapped_column

from ussd_app.clock import system_now
from ussd_app.db import Base, UTCDateTime
from ussd_app.sms.blocklist import is_blocked
from ussd_app.sms.purposes import PURPOSES
from ussd_app.text.languages import CODE_LENGTH
from ussd_app.text.gsm import sms_size, to_gsm
from ussd_app.text.i18n import T, translate

# Status only moves forward along this order (delivered/failed/rejected are final).
STATUSES = ("pending", "queued", "sent", "delivered", "failed", "rejected")
FINAL = frozenset({"delivered", "failed", "rejected"})
OPEN = ("pending", "queued")
RANK = {"pending": 0, "queued": 1, "sent": 2, "delivered": 3, "failed": 3, "rejected": 3}
TRANSITIONS = {
    "pending": frozenset({"queued", "failed", "rejected"}),
    "queued": frozenset({"sent", "failed", "rejected"}),
    "sent": frozenset({"delivered", "failed", "rejected"}),
    "delivered": frozenset(), "failed": frozenset(), "rejected": frozenset(),
}
NEW_OUTBOX_IDS = "sms.new_outbox_ids"
ERASED_ERROR = "recipient erased"
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
        # Placed calls awaiting their end, for the dispatcher's sweep (ussd_app/voice/sweep.py).
        Index("ix_sms_outbox_calls_in_flight", "sent_at", "id",
              postgresql_where=text("channel = 'voice' AND status = 'sent'"),
              sqlite_where=text("channel = 'voice' AND status = 'sent'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient: Mapped[str] = mapped_column(String(16), index=True)  # E.164
    language: Mapped[str] = mapped_column(String(CODE_LENGTH))
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
              dedupe_key: str, now: datetime, due_at: datetime | None = None) -> OutboxMessage | None:
    """Add a message to the outbox (idempotent on `dedupe_key`), due at `due_at` or `now`.
    None, and nothing written, when the recipient's data was erased (ussd_app.sms.blocklist).
    The caller commits."""
    if purpose not in PURPOSES:
        raise ValueError(f"unknown SMS purpose {purpose!r}")
    if is_blocked(db, recipient):
        return None
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


def stop_for_erasure(db, phone: str, now: datetime) -> int:
    """Her messages not yet sent never go (ussd_app.clinic.erasure then anonymises every row of
    hers: no phone, no body, no key or gateway id that could name her). Returns the rows stopped."""
    return db.execute(update(OutboxMessage)
                      .where(OutboxMessage.recipient == phone, OutboxMessage.status.in_(("pending", "queued")))
                      .values(status="rejected", final_at=now, locked_until=None, lock_token=None,
                              last_error=ERASED_ERROR, updated_at=now)
                      .execution_options(synchronize_session=False)).rowcount


# -- transitions -------------------------------------------------------------------------------

class IllegalTransition(ValueError):
    """A status change the state machine above does not allow."""


def sources_of(status: str) -> tuple[str, ...]:
    """The statuses a row may leave for `status` (raises when none may)."""
    sources = tuple(s for s in STATUSES if status in TRANSITIONS[s]) if status in TRANSITIONS else ()
    if not sources:
        raise IllegalTransition(f"no outbox row may move to {status!r}")
    return sources


def _move(row: OutboxMessage, status: str) -> None:
    if status not in TRANSITIONS.get(row.status, ()):
        raise IllegalTransition(f"outbox {row.id}: {row.status!r} -> {status!r}")
    row.status = status


def _unheld(now: datetime):
    return or_(OutboxMessage.locked_until.is_(None), OutboxMessage.locked_until < now)


def queue_copy(db, row: OutboxMessage, *, dedupe_key: str, now: datetime) -> OutboxMessage:
    """A new pending row with `row`'s message (a retry); the caller enqueues it after its commit."""
    copy = OutboxMessage(recipient=row.recipient, language=row.language, body=row.body, parts=row.parts,
                         kind=row.kind, purpose=row.purpose, dedupe_key=dedupe_key, status="pending",
                         attempts=0, due_at=now, campaign_id=row.campaign_id, created_at=now, updated_at=now)
    db.add(copy)
    db.flush()
    db.info.setdefault(NEW_OUTBOX_IDS, []).append(copy.id)
    return copy


def insert_pending(db, columns: dict, where=None) -> list[tuple[int, str]]:
    """Write pending rows from a SELECT built by the database (`columns`: name -> SQL expression,
    without status and attempts; `where`: which rows of it); returns (id, recipient) of each row
    written."""
    columns = {**columns, "status": literal("pending"), "attempts": literal(0)}
    rows = select(*(value.label(name) for name, value in columns.items()))
    if where is not None:
        rows = rows.where(where)
    return db.execute(insert(OutboxMessage).from_select(list(columns), rows)
                      .returning(OutboxMessage.id, OutboxMessage.recipient)).all()


def hand_out(db, ids, now: datetime) -> None:
    """The rows are handed to RQ (again, for queued rows whose job was lost): queued, with the
    time, unless a worker took one meanwhile (never backward)."""
    db.execute(update(OutboxMessage)
               .where(OutboxMessage.id.in_(ids), OutboxMessage.status.in_(OPEN), _unheld(now))
               .values(status="queued", queued_at=now, updated_at=now)
               .execution_options(synchronize_session=False))


def claim(db, ids, now: datetime, *, token: str, hold_until: datetime, max_attempts: int) -> list[OutboxMessage]:
    """A worker takes the due, open, unheld rows among `ids` for one attempt; returns them."""
    return list(db.scalars(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(ids), OutboxMessage.status.in_(OPEN), OutboxMessage.due_at <= now,
               OutboxMessage.attempts < max_attempts, _unheld(now))
        .values(status="queued", locked_until=hold_until, lock_token=token,
                attempts=OutboxMessage.attempts + 1, updated_at=now)
        .returning(OutboxMessage)
        .execution_options(synchronize_session=False, populate_existing=True)))


def renew_hold(db, token: str, ids, until: datetime) -> list[tuple[int, str]]:
    """Extend the hold on the rows among `ids` that `token` still holds: their (id, recipient)."""
    return db.execute(update(OutboxMessage)
                      .where(OutboxMessage.lock_token == token, OutboxMessage.id.in_(ids))
                      .values(locked_until=until)
                      .returning(OutboxMessage.id, OutboxMessage.recipient)
                      .execution_options(synchronize_session=False)).all()


def release(row: OutboxMessage, due_at: datetime, now: datetime, error: str | None = None) -> None:
    """Not sent now (a retry later, a night deferred to the morning): the row stays open, due at
    `due_at`, held by nobody, for the dispatcher to hand out again."""
    if row.status not in OPEN:
        raise IllegalTransition(f"outbox {row.id}: release of a {row.status!r} row")
    row.due_at, row.queued_at, row.locked_until, row.lock_token, row.updated_at = due_at, None, None, None, now
    row.last_error = error[:300] if error else row.last_error


def record_sent(row: OutboxMessage, now: datetime, provider_message_id: str | None, cost: str | None) -> None:
    _move(row, "sent")
    row.sent_at, row.updated_at = now, now
    row.provider_message_id, row.cost = provider_message_id, cost
    row.locked_until, row.lock_token = None, None


def close(row: OutboxMessage, status: str, now: datetime, error: str | None = None) -> None:
    """End a row as failed or rejected (why, in `last_error`), releasing any hold."""
    if status not in ("failed", "rejected"):
        raise IllegalTransition(f"close to {status!r}")
    _move(row, status)
    row.final_at, row.updated_at = now, now
    row.last_error = error[:300] if error else row.last_error
    row.locked_until, row.lock_token = None, None


def apply_report(db, provider_message_id: str, status: str, now: datetime, reason: str | None = None) -> bool:
    """A delivery report: move the row with this provider id forward to `status`; False when
    unknown or not forward (reports repeat and come out of order)."""
    if status not in RANK or status in OPEN:
        return False
    values = {"status": status, "updated_at": now}
    if status in FINAL:
        values["final_at"] = now
        if reason:
            values["last_error"] = reason[:300]
    result = db.execute(update(OutboxMessage)
                        .where(OutboxMessage.provider_message_id == provider_message_id,
                               OutboxMessage.status.in_(sources_of(status)))
                        .values(**values).execution_options(synchronize_session=False))
    return result.rowcount > 0


def cancel(db, where, reason: str, now: datetime) -> int:
    """Rows matching `where` that are still open and no worker holds never go: failed, with
    `reason` in `last_error`. Returns how many."""
    return db.execute(update(OutboxMessage)
                      .where(where, OutboxMessage.status.in_(OPEN), _unheld(now))
                      .values(status="failed", last_error=reason[:300], final_at=now, updated_at=now)
                      ).rowcount  # the session's loaded rows see the change
