"""The outbox's voice rows (ussd_app/voice): the writes of phone calls, kept beside the outbox's
other writes (ussd_app/sms/outbox.py) and along the same state machine. A call is one row of the
voice channel: queued, held by a worker, placing, placed (sent), answered, then final."""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import select

from ussd_app.sms.outbox import (ANSWERED, FINAL, NEW_CALL_IDS, PLACED, PLACING, RANK, VOICE, OutboxMessage,
                                 _move, release, render_sms)
from ussd_app.sms.purposes import PURPOSES
from ussd_app.text.gsm import sms_size
from ussd_app.text.i18n import T


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


def _advance(row: OutboxMessage, status: str) -> None:
    """Forward along pending -> queued -> sent up to `status`, one legal step at a time (a call
    the gateway reports on may not have passed through every step here: its worker died)."""
    for step in ("queued", "sent")[:("queued", "sent").index(status) + 1]:
        if RANK[row.status] < RANK[step]:
            _move(row, step)


def hold_call(row: OutboxMessage, token: str, until: datetime, now: datetime) -> None:
    """A worker takes the row (nobody else places it until `until`)."""
    if row.status != "queued":
        _move(row, "queued")
    row.lock_token, row.locked_until, row.updated_at = token, until, now


def mark_call_placing(row: OutboxMessage, until: datetime, now: datetime) -> None:
    """Right before the request: from here on, whether a call rings is uncertain until the
    gateway answers, so this row is never requested again (ussd_app.voice.calls)."""
    row.call_state, row.attempts, row.locked_until, row.updated_at = PLACING, row.attempts + 1, until, now


def mark_call_placed(row: OutboxMessage, session_id: str, now: datetime) -> None:
    _advance(row, "sent")
    row.sent_at, row.updated_at = now, now
    row.call_state, row.provider_message_id = PLACED, session_id
    row.locked_until, row.lock_token = None, None


def mark_call_answered(row: OutboxMessage, now: datetime) -> None:
    row.call_state, row.updated_at = ANSWERED, now


def release_call(row: OutboxMessage, due_at: datetime, now: datetime, error: str | None = None) -> None:
    """Not placed now (quiet hours, or the gateway refused the request): open again, due at
    `due_at`, held by nobody (as `release`)."""
    release(row, due_at, now, error)
    row.call_state = None


def close_call(row: OutboxMessage, status: str, now: datetime, error: str | None = None, *,
               duration_s: int | None = None, cost: str | None = None) -> bool:
    """A final status for the call (delivered, failed, rejected); False when it already had one."""
    if row.status in FINAL:
        return False
    if status == "delivered":  # may be answered before its placing was recorded
        _advance(row, "sent")
    _move(row, status)
    row.final_at, row.updated_at = now, now
    row.locked_until, row.lock_token = None, None
    row.last_error = error[:300] if error else row.last_error
    if duration_s is not None:
        row.call_duration_s = duration_s
    if cost is not None:
        row.cost = cost
    return True
