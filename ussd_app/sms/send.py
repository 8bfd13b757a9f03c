"""The RQ job `send_sms(outbox_id)`: claim the row (and others with the same text), send, record.

A worker holds the rows it sends (`locked_until`, `lock_token`), so a second job for the same
row, or the dispatcher, leaves them alone; a dead worker's hold expires and the dispatcher hands
the row out again. Per recipient, the gateway adapter's neutral outcome (ussd_app/sms/gateways):
sent (with the provider's message id); failed for good; blocked, meaning the person refused us at
the gateway (opted out, never retried); retry, or no answer at all (HTTP error, timeout, no
connection): retried with exponential backoff and jitter, at most MAX_ATTEMPTS attempts, then
failed.
"""

from __future__ import annotations

import logging
import math
import random
import re
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.exc import SQLAlchemyError

from ussd_app.sms import runtime as sms_runtime
from ussd_app.sms.gateways.interface import GatewayUnavailable, Outcome
from ussd_app.sms.optout import may_send, record_opt_out, stopped_by_phone
from ussd_app.sms.outbox import SMS, OutboxMessage
from ussd_app.sms.purposes import waits_for_morning
from ussd_app.sms.quiet_hours import in_quiet_hours, next_allowed
from ussd_app.sms.rate_limit import TokenBucket

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 4
BACKOFF_BASE_S = 30
BACKOFF_CAP_S = 15 * 60
RECORD_BUDGET_S = 5  # _record_with_retries: three short transactions, 0.5 s and 1 s apart


def hold_seconds(gateway, recipients: int) -> int:
    """A worker's hold on its rows, set when it claims them and renewed just before its request:
    the gateway's longest answer for this batch (its timeouts) plus the time to record it. A live
    worker always records inside its hold; a dead worker's rows are free again as soon as that
    allows."""
    return math.ceil(gateway.longest_send_s(recipients)) + RECORD_BUDGET_S
BATCH_MAX = 100
OPEN = ("pending", "queued")
E164 = re.compile(r"^\+[1-9]\d{7,14}$")


def backoff_seconds(attempt: int, rng: random.Random | None = None) -> float:
    """Delay before attempt `attempt + 1`: doubling from BACKOFF_BASE_S, capped, with jitter."""
    ceiling = min(BACKOFF_CAP_S, BACKOFF_BASE_S * 2 ** max(0, attempt - 1))
    return (rng or random).uniform(ceiling / 2, ceiling)


def send_sms(outbox_id: int) -> str:
    """RQ job: send one outbox row (and rows with the same text). Returns what happened."""
    return deliver(sms_runtime.current(), outbox_id)


def _free(now: datetime):
    return or_(OutboxMessage.locked_until.is_(None), OutboxMessage.locked_until < now)


def batch_size(settings) -> int:
    """Recipients in one request: never more than the rate lets go in a second."""
    return min(BATCH_MAX, settings.sms_rate_per_second)


def _companions(db, row: OutboxMessage, now: datetime, limit: int, among=None) -> list[int]:
    """Other due rows with the same text and purpose and other recipients (only `among` when
    given): one request for all of them. The same purpose, so quiet hours hold them alike."""
    if limit <= 0 or (among is not None and len(among) <= 1):  # a request of its own text
        return []
    query = (select(OutboxMessage.id, OutboxMessage.recipient)
             .where(OutboxMessage.body == row.body, OutboxMessage.purpose == row.purpose,
                    OutboxMessage.id != row.id, OutboxMessage.channel == SMS,
                    OutboxMessage.status.in_(OPEN), OutboxMessage.due_at <= now, _free(now)))
    if among is not None:
        query = query.where(OutboxMessage.id.in_(among))
    candidates = db.execute(query.order_by(OutboxMessage.id).limit(limit * 3)).all()
    seen, ids = {row.recipient}, []
    for outbox_id, recipient in candidates:
        if recipient not in seen and len(ids) < limit:
            seen.add(recipient)
            ids.append(outbox_id)
    return ids


@dataclass(frozen=True)
class Claim:
    state: str  # "claimed", or why nothing was: "done", "held", "not due", "deferred", ...
    token: str | None = None
    body: str = ""
    recipients: tuple[str, ...] = ()  # of the claimed rows still to send (opted out: closed)
    ids: tuple[int, ...] = ()


def _claim(rt, outbox_id: int, now: datetime, among=None) -> Claim:
    settings = rt.settings
    with rt.session_factory() as db, db.begin():
        row = db.get(OutboxMessage, outbox_id)
        if row is None:
            return Claim("missing")
        if row.channel != SMS:  # a call: ussd_app.voice.calls places it
            return Claim("not sms")
        if row.status not in OPEN:
            return Claim("done")
        if row.due_at > now:
            return Claim("not due")
        if row.locked_until is not None and row.locked_until > now:
            return Claim("held")
        if row.attempts >= MAX_ATTEMPTS:  # workers kept dying on it: stop here, say why
            _close(row, "failed", now, f"gave up after {row.attempts} attempts: no answer recorded")
            return Claim("failed")
        if waits_for_morning(row.purpose) and in_quiet_hours(now, settings.quiet_hours_start,
                                                               settings.quiet_hours_end):
            # Not asked for this minute: deferred to the morning, not dropped; the dispatcher
            # hands it out when it is due.
            row.due_at = next_allowed(now, settings.quiet_hours_start, settings.quiet_hours_end)
            row.queued_at = None
            row.updated_at = now
            return Claim("deferred")
        ids = [row.id] + _companions(db, row, now, batch_size(settings) - 1, among)
        token = uuid.uuid4().hex
        claimed = list(db.scalars(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(ids), OutboxMessage.status.in_(OPEN),
                   OutboxMessage.due_at <= now, OutboxMessage.attempts < MAX_ATTEMPTS, _free(now))
            .values(status="queued", locked_until=now + timedelta(seconds=hold_seconds(rt.gateway, len(ids))),
                    lock_token=token,
                    attempts=OutboxMessage.attempts + 1, updated_at=now)
            .returning(OutboxMessage)
            .execution_options(synchronize_session=False, populate_existing=True)))
        # Checked when it goes, not when it was queued: a stop sent in between is honoured.
        stopped = stopped_by_phone(db, [r.recipient for r in claimed])
        for r in claimed:
            if not E164.match(r.recipient):
                _close(r, "failed", now, "not an E.164 phone number")
            elif not may_send(r.purpose, stopped.get(r.recipient, ())):
                _close(r, "rejected", now, "recipient opted out")
        if not claimed:
            return Claim("held")
        # What the request needs, read here rather than in another transaction after this one.
        to_send = [r for r in claimed if r.lock_token == token]
        return Claim("claimed", token, row.body, tuple(r.recipient for r in to_send),
                     tuple(r.id for r in to_send))


def _renew_hold(rt, claim: Claim) -> Claim:
    """Right before the request: renew the hold on the rows this claim still holds. A wait for the
    rate limit may have outlasted the hold, and another worker may have taken some rows since:
    those are not sent again from here."""
    now = rt.clock()
    with rt.session_factory() as db, db.begin():
        held = db.execute(update(OutboxMessage)
                          .where(OutboxMessage.lock_token == claim.token, OutboxMessage.id.in_(claim.ids))
                          .values(locked_until=now + timedelta(seconds=hold_seconds(rt.gateway, len(claim.ids))))
                          .returning(OutboxMessage.id, OutboxMessage.recipient)
                          .execution_options(synchronize_session=False)).all()
    held = sorted(held)  # in claim order (ids), as the request lists them
    return Claim(claim.state, claim.token, claim.body, tuple(r for _, r in held), tuple(i for i, _ in held))


def _close(row: OutboxMessage, status: str, now: datetime, error: str | None = None) -> None:
    row.status, row.final_at, row.updated_at = status, now, now
    row.last_error = error[:300] if error else row.last_error
    row.locked_until, row.lock_token = None, None


def _retry_or_fail(row: OutboxMessage, now: datetime, error: str) -> None:
    if row.attempts >= MAX_ATTEMPTS:
        _close(row, "failed", now, f"gave up after {row.attempts} attempts: {error}")
        return
    row.last_error = error[:300]
    row.due_at = now + timedelta(seconds=backoff_seconds(row.attempts))
    row.queued_at, row.locked_until, row.lock_token, row.updated_at = None, None, None, now


def _record(rt, token: str, results, error: str | None) -> dict[str, int]:
    now = rt.clock()
    outcome: dict[str, int] = {}
    by_number = {r.number: r for r in results}
    with rt.session_factory() as db, db.begin():
        for row in db.scalars(select(OutboxMessage).where(OutboxMessage.lock_token == token)):
            result = by_number.get(row.recipient)
            if error is not None or result is None:
                _retry_or_fail(row, now, error or "no answer for this number")
            elif result.outcome is Outcome.SENT:
                row.status, row.sent_at, row.updated_at = "sent", now, now
                row.provider_message_id, row.cost = result.provider_message_id, result.cost
                row.locked_until, row.lock_token = None, None
            elif result.outcome is Outcome.BLOCKED:
                _close(row, "rejected", now, result.detail or "blocked at the gateway")
                record_opt_out(db, row.recipient, source="gateway", now=now)
            elif result.outcome is Outcome.FAILED:
                _close(row, "failed", now, result.detail or "refused by the gateway")
            else:
                _retry_or_fail(row, now, result.detail or "the gateway asked to retry")
            outcome[row.status] = outcome.get(row.status, 0) + 1
    return outcome


def _record_with_retries(rt, token: str, results, error: str | None, tries: int = 3) -> dict[str, int]:
    """The gateway has answered: try hard to write it down, or the rows would be sent again."""
    for attempt in range(1, tries + 1):
        try:
            return _record(rt, token, results, error)
        except SQLAlchemyError:
            if attempt == tries:
                raise
            log.warning("sms: could not record the gateway's answer (try %d of %d)", attempt, tries)
            time.sleep(0.5 * attempt)
    return {}


def describe(outcome: dict[str, int]) -> str:
    """Counts per outcome as people read them: "failed=1, sent=99"."""
    return ", ".join(f"{k}={v}" for k, v in sorted(outcome.items()))


def deliver(rt, outbox_id: int) -> str:
    return describe(deliver_with_companions(rt, outbox_id)[0])


def deliver_with_companions(rt, outbox_id: int, *, among=None) -> tuple[dict[str, int], list[int]]:
    """Send the row and its same-text companions (taken only from `among` when given, so that
    concurrent senders take disjoint batches): (count per outcome, ids of the rows it sent)."""
    claim = _claim(rt, outbox_id, rt.clock(), among)
    if claim.state != "claimed":
        return {claim.state: 1}, []
    if not claim.ids:  # everyone in the batch had opted out
        return {"nothing to send": 1}, []
    TokenBucket(rt.redis, rt.gateway.sender, rt.settings.sms_rate_per_second).take(len(claim.ids))
    claim = _renew_hold(rt, claim)
    if not claim.ids:  # held too long: every row went to another worker meanwhile
        return {"held": 1}, []
    results, error = [], None
    try:
        results = rt.gateway.send(claim.body, list(claim.recipients))
    except GatewayUnavailable as exc:
        error = str(exc)
        log.warning("sms: send of %d messages failed: %s", len(claim.ids), error)
    except Exception as exc:  # an adapter bug must still end in retry/failed, not a row held forever
        error = f"gateway adapter error: {type(exc).__name__}"
        log.exception("sms: gateway adapter raised")
    outcome = _record_with_retries(rt, claim.token, results, error)
    log.info("sms: outbox %s batch of %d: %s", outbox_id, len(claim.ids), describe(outcome))
    return outcome, list(claim.ids)
