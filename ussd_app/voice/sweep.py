"""Calls whose end never came back: after CALL_END_TIMEOUT they count as not answered.

Africa's Talking posts the end of every call to the events URL, but a post can be lost (our
server down, a network cut, the gateway giving up). Without it a placed call would stay `sent`
for ever: no next try, no SMS. The dispatcher's run (ussd_app/sms/dispatch.py) therefore
closes, a batch at a time, every call placed more than CALL_END_TIMEOUT ago that has no end:

- never answered (no answer callback came): as a no-answer end would, the next try or, after
  the third, the SMS (`end_of_call`, cause NO_END_EVENT);
- answered (the answer callback played her message): delivered, as its end would have.

CALL_END_TIMEOUT is 30 minutes, far longer than any call: an unanswered call rings for about a
minute before the network gives up; an answered one plays her message (under a minute), then
waits GetDigits' 30 s for a key, and even replayed on 1 ten times stays under 15 minutes.

Race-safe: each row is locked while it is closed (the events callback locks it too), and
closing a final row does nothing. A late end after the sweep finds the row final and changes
nothing: no other call, no second SMS (the next try and the SMS have their dedupe keys).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import select

from ussd_app.sms.outbox import ANSWERED, PLACED, VOICE, OutboxMessage
from ussd_app.voice.calls import NO_END_EVENT, end_of_call

log = logging.getLogger(__name__)

CALL_END_TIMEOUT = timedelta(minutes=30)
SWEEP_BATCH = 200  # calls closed per dispatcher run (the next run takes the rest)


def unended_calls(db, now: datetime, limit: int = SWEEP_BATCH) -> list[OutboxMessage]:
    """Placed calls with no end after CALL_END_TIMEOUT, oldest first, locked (skipping the
    rows another transaction holds: a callback closing it, or another dispatcher)."""
    return list(db.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.channel == VOICE, OutboxMessage.status == "sent",
               OutboxMessage.call_state.in_((PLACED, ANSWERED)),
               OutboxMessage.sent_at < now - CALL_END_TIMEOUT)
        .order_by(OutboxMessage.sent_at, OutboxMessage.id).limit(limit)
        .with_for_update(skip_locked=True)))


def close_unended_calls(db, now: datetime, settings) -> int:
    """Close the calls whose end never came (see the module's docstring); returns how many.
    The caller commits, then hands the SMS it queued to the workers (the next tries are due
    later: the dispatcher hands them out)."""
    rows = unended_calls(db, now)
    for row in rows:
        end_of_call(db, row, answered=row.call_state == ANSWERED, status="", cause=NO_END_EVENT,
                    duration_s=None, cost=None, now=now, settings=settings)
    if rows:
        log.info("voice: %d calls without an end event closed", len(rows))
    return len(rows)
