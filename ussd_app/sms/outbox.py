"""The SMS outbox: every message is a row, written in the transaction of the event causing it.

A row is rendered once, when queued: in the person's language, folded to GSM-7. Workers get row
ids, never objects; the dedupe key makes a retried event queue its message once.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, or_, select, text, update
from sqlalchemy.orm import Mapped, mapped_column

from ussd_app.clock import system_now
from ussd_app.db import Base, UTCDateTime
from ussd_app.sms.blocklist import blocked_among, is_blocked
from ussd_app.sms.purposes import PURPOSES
from ussd_app.text.languages import CODE_LENGTH
from ussd_app.text.gsm import sms_size, to_gsm
from ussd_app.text.i18n import T, translate

# Status only moves forward along this order (delivered/failed/rejected are final).
STATUSES = ("pending", "queued", "sent", "delivered", "failed", "rejected")
FINAL = frozenset({"delivered", "failed", "rejected"})
RANK = {"pending": 0, "queued": 1, "sent": 2, "delivered": 3, "failed": 3, "rejected": 3}
NEW_OUTBOX_IDS = "sms.new_outbox_ids"
ERASED_ERROR = "recipient erased"


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
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=system_now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=system_now, onupdate=system_now)


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


def queue_many(db, messages: list[dict], *, now: datetime, handed_out: bool = False) -> dict[str, int]:
    """Add many rendered messages to the outbox in one statement, idempotent on `dedupe_key`
    (a key already there is left as it is). Each message: recipient, language, body (already
    rendered, see `render_sms`), kind, purpose, dedupe_key, and optionally due_at. Returns the
    row id of every key, new or not (none for a recipient whose data was erased); new rows are enqueued by the caller after its commit
    (`take_new_outbox_ids`), as with `queue_sms`. `handed_out`: the new rows are written as the
    dispatcher marks rows it hands to workers (queued, now), saving it an UPDATE of each. The
    caller commits."""
    erased = blocked_among(db, {m["recipient"] for m in messages}) if messages else set()
    messages = [m for m in messages if m["recipient"] not in erased]  # never written for her again
    if not messages:
        return {}
    rows = []
    for m in messages:
        if m["purpose"] not in PURPOSES:
            raise ValueError(f"unknown SMS purpose {m['purpose']!r}")
        rows.append(dict(m, parts=sms_size(m["body"]).parts, attempts=0,
                         status="queued" if handed_out else "pending", queued_at=now if handed_out else None,
                         due_at=m.get("due_at") or now, created_at=now, updated_at=now))
    if db.get_bind().dialect.name == "postgresql":
        new = _insert_unnested(db, rows)
    else:
        from sqlalchemy.dialects.sqlite import insert

        table = OutboxMessage.__table__
        statement = (insert(table).on_conflict_do_nothing(index_elements=["dedupe_key"])
                     .returning(table.c.id, table.c.dedupe_key))
        # Rows as parameters: compiled once, sent in batches of multi-row INSERTs.
        new = dict((key, id_) for id_, key in db.execute(statement, rows))
    db.info.setdefault(NEW_OUTBOX_IDS, []).extend(sorted(new.values()))
    missing = [m["dedupe_key"] for m in messages if m["dedupe_key"] not in new]
    if missing:  # queued before (a retried event): their existing rows
        new.update((key, id_) for key, id_ in db.execute(
            select(OutboxMessage.dedupe_key, OutboxMessage.id).where(OutboxMessage.dedupe_key.in_(missing))))
    return new


_COLUMNS = {"recipient": "varchar", "language": "varchar", "body": "text", "parts": "int",
            "kind": "varchar", "purpose": "varchar", "dedupe_key": "varchar", "status": "varchar",
            "attempts": "int", "due_at": "timestamptz", "queued_at": "timestamptz", "created_at": "timestamptz",
            "updated_at": "timestamptz"}
# One array a column: a short statement, prepared once, whatever the number of rows (a VALUES
# list of a thousand rows took longer to build and send than the server took to insert it).
_INSERT_UNNESTED = text(
    f"INSERT INTO sms_outbox ({', '.join(_COLUMNS)}) "
    f"SELECT * FROM unnest({', '.join(f'CAST(:{c} AS {t}[])' for c, t in _COLUMNS.items())}) "
    "ON CONFLICT (dedupe_key) DO NOTHING RETURNING id, dedupe_key")


def _insert_unnested(db, rows: list[dict]) -> dict[str, int]:
    params = {column: [row[column] for row in rows] for column in _COLUMNS}
    return {key: id_ for id_, key in db.execute(_INSERT_UNNESTED, params)}


def cancel_unsent(db, condition, *, reason: str, now: datetime) -> int:
    """Cancel the messages matching `condition` that have not gone and that no worker holds
    (they end "failed" with `reason`); a message being sent this instant is left to finish.
    Returns how many were cancelled. The caller commits."""
    return db.execute(
        update(OutboxMessage)
        .where(condition, OutboxMessage.status.in_(("pending", "queued")),
               or_(OutboxMessage.locked_until.is_(None), OutboxMessage.locked_until < now))
        .values(status="failed", last_error=reason[:300], final_at=now, updated_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount


def stop_for_erasure(db, phone: str, now: datetime) -> int:
    """Her messages not yet sent never go (ussd_app.clinic.erasure then anonymises every row of
    hers: no phone, no body, no key or gateway id that could name her). Returns the rows stopped."""
    return db.execute(update(OutboxMessage)
                      .where(OutboxMessage.recipient == phone, OutboxMessage.status.in_(("pending", "queued")))
                      .values(status="rejected", final_at=now, locked_until=None, lock_token=None,
                              last_error=ERASED_ERROR, updated_at=now)
                      .execution_options(synchronize_session=False)).rowcount
