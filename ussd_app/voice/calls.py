"""The RQ job `place_call(outbox_id)`: one voice row, one call at most; and what its end means.

A call is an outbox row of the voice channel (ussd_app/sms/outbox.py), so the outbox rules hold:
due rows reach workers through the dispatcher (nothing lost on a Redis flush or a dead worker),
quiet hours defer calls that are not asked for, opt-outs close them, and calls share a
per-number token bucket (VOICE_CALLS_PER_SECOND).

Never placed twice: right before the request the row is marked `placing`; from then on it is
never requested again. If the worker dies there, the gateway's answer callback (which names
her number) adopts the call, and otherwise, once the hold is over, the row falls back to SMS.
A call whose recordings are missing, or to a woman who pressed 2 in an earlier call, goes by
SMS too.

Not answered or busy: tries 2 and 3 follow after RETRY_DELAYS (moved out of the quiet hours),
each a row of its own; after the third, the SMS goes instead. A failed call goes by SMS at once.
The SMS is queued with the message's own dedupe key, so when she chose both, or a callback is
resent, she still gets it once.
A call whose end event never comes back counts as not answered after a while
(ussd_app/voice/sweep.py).
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta
from typing import Iterable

from redis.exceptions import RedisError
from rq import Queue

from ussd_app.sms.handoff import SMS_QUEUE, enqueue_outbox
from ussd_app.sms.optout import may_send, stopped_for
from ussd_app.sms.outbox import OPEN, PLACING, VOICE, OutboxMessage, queue_sms, take_new_outbox_ids
from ussd_app.sms.outbox_calls import close_call, hold_call, mark_call_placed, mark_call_placing, queue_call, release_call
from ussd_app.sms.purposes import waits_for_morning
from ussd_app.sms.quiet_hours import in_quiet_hours, next_allowed
from ussd_app.sms.rate_limit import TokenBucket
from ussd_app.subscribers import find_by_phone
from ussd_app.voice import runtime as voice_runtime
from ussd_app.voice.fragments import call_fragments
from ussd_app.voice.recordings import missing

log = logging.getLogger(__name__)

PLACE_JOB = "ussd_app.voice.calls.place_call"
TRIES = 3
RETRY_DELAYS = (timedelta(minutes=30), timedelta(hours=2))  # before try 2, before try 3
REFUSED_BACKOFF = timedelta(minutes=5)
MAX_REQUESTS = 4  # requests the gateway refused outright, then SMS
RECORD_BUDGET_S = 5
# End of call: these mean she was not reached (try again later); any other failure: SMS now
# (hangupCause values: Africa's Talking help, "What are the parameters for Hang up Cause").
NOT_REACHED = frozenset({"NO_ANSWER", "USER_BUSY", "NO_USER_RESPONSE", "CALL_REJECTED",
                         "SUBSCRIBER_ABSENT", "NORMAL_TEMPORARY_FAILURE"})
NO_END_EVENT = "NO_END_EVENT"  # ours: no end came back in time (ussd_app/voice/sweep.py)


def enqueue_calls(connection, outbox_ids: Iterable[int]) -> int:
    """One `place_call` job per voice row (a call is one request); 0 if Redis failed (the
    dispatcher hands them out later)."""
    ids = sorted(set(outbox_ids))
    if not ids:
        return 0
    try:
        Queue(SMS_QUEUE, connection=connection).enqueue_many(
            [Queue.prepare_data(PLACE_JOB, args=(i,), timeout=120, result_ttl=600, failure_ttl=86400)
             for i in ids])
    except RedisError as exc:
        log.warning("voice: could not enqueue %d calls (%s); the dispatcher will", len(ids), type(exc).__name__)
        return 0
    return len(ids)


def base_key(row: OutboxMessage) -> str:
    return row.dedupe_key.rsplit(":call", 1)[0]


def fall_back_to_sms(db, row: OutboxMessage, now: datetime) -> OutboxMessage:
    """The SMS of this message (once, whatever calls it had)."""
    return queue_sms(db, recipient=row.recipient, language=row.language, message=row.body, kind=row.kind,
                     purpose=row.purpose, dedupe_key=base_key(row), now=now)


def hold_seconds(gateway) -> int:
    return int(gateway.longest_call_request_s()) + 1 + RECORD_BUDGET_S


def _check(db, rt, row: OutboxMessage | None, now: datetime) -> str:
    """'go', or what happened instead (the row is updated accordingly)."""
    settings = rt.settings
    if row is None:
        return "missing"
    if row.channel != VOICE:
        return "not a call"
    if row.status not in OPEN:
        return "done"
    if row.due_at > now:
        return "not due"
    if row.locked_until is not None and row.locked_until > now:
        return "held"
    if row.call_state == PLACING:
        close_call(row, "failed", now, "a worker stopped while placing this call: sent by SMS instead")
        fall_back_to_sms(db, row, now)
        return "uncertain: by sms"
    if waits_for_morning(row.purpose) and in_quiet_hours(now, settings.quiet_hours_start, settings.quiet_hours_end):
        release_call(row, next_allowed(now, settings.quiet_hours_start, settings.quiet_hours_end), now)
        return "deferred"
    if not may_send(row.purpose, stopped_for(db, row.recipient)):
        close_call(row, "rejected", now, "recipient opted out")
        return "opted out"
    subscriber = find_by_phone(db, row.recipient)
    reason = None
    if rt.gateway is None:
        reason = "no voice number configured"
    elif subscriber is not None and subscriber.calls_stopped_at is not None:
        reason = "she stopped calls"
    elif missing(db, row.language, call_fragments(row.fragments)):
        reason = "a recording is missing"
    elif row.attempts >= MAX_REQUESTS:
        reason = f"the gateway refused {row.attempts} requests"
    if reason:
        close_call(row, "failed", now, f"{reason}: sent by SMS instead")
        fall_back_to_sms(db, row, now)
        return "by sms"
    return "go"


def place_call(outbox_id: int) -> str:
    """RQ job."""
    return run_call(voice_runtime.current(), outbox_id)


def _hand_sms_to_workers(rt, db) -> None:
    """After the commit: the SMS a fallback queued go to the SMS workers."""
    enqueue_outbox(rt.redis, take_new_outbox_ids(db))


def run_call(rt, outbox_id: int) -> str:
    token = uuid.uuid4().hex
    now = rt.clock()
    with rt.session_factory() as db:
        with db.begin():
            row = db.get(OutboxMessage, outbox_id, with_for_update=True)
            state = _check(db, rt, row, now)
            if state == "go":
                hold_call(row, token, now + timedelta(seconds=hold_seconds(rt.gateway)), now)
        _hand_sms_to_workers(rt, db)
    if state != "go":
        return state
    TokenBucket(rt.redis, rt.gateway.sender, rt.settings.voice_calls_per_second).take(1)
    now = rt.clock()
    with rt.session_factory() as db, db.begin():
        row = db.get(OutboxMessage, outbox_id, with_for_update=True)
        if row.lock_token != token:
            return "held"  # the wait outlasted the hold and another worker took it
        mark_call_placing(row, now + timedelta(seconds=hold_seconds(rt.gateway)), now)
        phone = row.recipient
    result = rt.gateway.call(phone)
    return record_request(rt, outbox_id, token, result)


def record_request(rt, outbox_id: int, token: str, result) -> str:
    now = rt.clock()
    with rt.session_factory() as db:
        with db.begin():
            row = db.get(OutboxMessage, outbox_id, with_for_update=True)
            if row.call_state != PLACING or row.lock_token != token:
                state = "adopted"  # the answer callback came first and took the call over
            elif result.outcome == "placed":
                mark_call_placed(row, result.session_id, now)
                state = "placed"
            elif result.outcome == "refused":
                release_call(row, now + REFUSED_BACKOFF * row.attempts, now, result.detail)
                state = "refused"
            else:
                close_call(row, "failed", now, f"{result.detail}: sent by SMS instead")
                fall_back_to_sms(db, row, now)
                state = "uncertain: by sms"
        _hand_sms_to_workers(rt, db)
    log.info("voice: outbox %s: %s", outbox_id, state)
    return state


def end_of_call(db, row: OutboxMessage, *, answered: bool, status: str, cause: str | None,
                duration_s: int | None, cost: str | None, now: datetime, settings) -> str:
    """Record how the call ended, then the next try or the SMS. Idempotent: a resent end
    changes nothing (the row is final, the next try and the SMS have their dedupe keys)."""
    if answered:
        close_call(row, "delivered", now, None, duration_s=duration_s, cost=cost)
        return "answered"
    why = cause or status or "unknown"
    if not close_call(row, "failed", now, f"call not answered: {why}", duration_s=duration_s, cost=cost):
        return "already recorded"
    if why in NOT_REACHED or why == NO_END_EVENT or status == "NotAnswered":
        if (row.call_try or 1) < TRIES:
            delay = RETRY_DELAYS[(row.call_try or 1) - 1]
            due = next_allowed(now + delay, settings.quiet_hours_start, settings.quiet_hours_end)
            queue_call(db, recipient=row.recipient, language=row.language, message=row.body,
                       script=row.fragments, kind=row.kind, purpose=row.purpose,
                       dedupe_key=f"{base_key(row)}:call{(row.call_try or 1) + 1}", now=now, due_at=due,
                       call_try=(row.call_try or 1) + 1, campaign_id=row.campaign_id)
            return "try again later"
    fall_back_to_sms(db, row, now)
    return "by sms"
