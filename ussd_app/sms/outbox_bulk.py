"""Many outbox rows in one statement (the reminder dispatcher's pages): part of the outbox's
writes (ussd_app/sms/outbox.py), split out for size."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, text

from ussd_app.sms.blocklist import blocked_among
from ussd_app.sms.outbox import NEW_OUTBOX_IDS, OutboxMessage
from ussd_app.sms.purposes import PURPOSES
from ussd_app.text.gsm import sms_size


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
