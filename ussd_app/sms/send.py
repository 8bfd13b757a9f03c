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

from sqlalchemy import or_, select
from sqlalchemy.exc import SQLAlchemyError

from ussd_app.sms import outbox
from ussd_app.sms import runtime as sms_runtime
from ussd_app.sms.gateways.interface import GatewayUnavailable, Outcome
from ussd_app.sms.optout import may_send, record_opt_out, stopped_by_phone
from ussd_app.sms.blocklist import blocked_among
from ussd_app.sms.outbox import ERASED_ERROR, OPEN, SMS, OutboxMessage
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
            outbox.close(row, "failed", now, gave_up(row))
            return Claim("failed")
        if waits_for_morning(row.purpose) and in_quiet_hours(now, settings.quiet_hours_start,
                                                               settings.quiet_hours_end):
            defer_to_morning(row, settings, now)
            return Claim("deferred")
        ids = [row.id] + _companions(db, row, now, batch_size(settings) - 1, among)
        token = uuid.uuid4().hex
        claimed = outbox.claim(db, ids, now, token=token, max_attempts=MAX_ATTEMPTS,
                               hold_until=now + timedelta(seconds=hold_seconds(rt.gateway, len(ids))))
        to_send = vet(db, claimed, now)
        if not claimed:
            return Claim("held")
        return Claim("claimed", token, row.body, tuple(r.recipient for r in to_send),
                     tuple(r.id for r in to_send))


def vet(db, claimed: list[OutboxMessage], now: datetime) -> list[OutboxMessage]:
    """The claimed rows still to send; the others are closed here. Checked when it goes, not when
    it was queued: a stop sent in between is honoured."""
    stopped = stopped_by_phone(db, [r.recipient for r in claimed])
    erased = blocked_among(db, [r.recipient for r in claimed])
    to_send = []
    for r in claimed:
        if r.recipient in erased:
            outbox.close(r, "rejected", now, ERASED_ERROR)
        elif not E164.match(r.recipient):
            outbox.close(r, "failed", now, "not an E.164 phone number")
        elif not may_send(r.purpose, stopped.get(r.recipient, ())):
            outbox.close(r, "rejected", now, "recipient opted out")
        else:
            to_send.append(r)
    return to_send


def defer_to_morning(row: OutboxMessage, settings, now: datetime) -> None:
    """Not asked for this minute: deferred to the morning, not dropped; the dispatcher hands it
    out when it is due."""
    outbox.release(row, next_allowed(now, settings.quiet_hours_start, settings.quiet_hours_end), now)


def _renew_hold(rt, claim: Claim) -> Claim:
    """Right before the request: renew the hold on the rows this claim still holds. A wait for the
    rate limit may have outlasted the hold, and another worker may have taken some rows since:
    those are not sent again from here."""
    now = rt.clock()
    with rt.session_factory() as db, db.begin():
        held = outbox.renew_hold(db, claim.token, claim.ids,
                                 now + timedelta(seconds=hold_seconds(rt.gateway, len(claim.ids))))
    held = sorted(held)  # in claim order (ids), as the request lists them
    return Claim(claim.state, claim.token, claim.body, tuple(r for _, r in held), tuple(i for i, _ in held))


def gave_up(row: OutboxMessage) -> str:
    return f"gave up after {row.attempts} attempts: no answer recorded"


def _retry_or_fail(row: OutboxMessage, now: datetime, error: str) -> None:
    if row.attempts >= MAX_ATTEMPTS:
        outbox.close(row, "failed", now, f"gave up after {row.attempts} attempts: {error}")
        return
    outbox.release(row, now + timedelta(seconds=backoff_seconds(row.attempts)), now, error)


def apply_result(db, row: OutboxMessage, result, error: str | None, now: datetime) -> None:
    """Write down what the gateway said about `row` (`result`; None: nothing about it)."""
    if error is not None or result is None:
        _retry_or_fail(row, now, error or "no answer for this number")
    elif result.outcome is Outcome.SENT:
        outbox.record_sent(row, now, result.provider_message_id, result.cost)
    elif result.outcome is Outcome.BLOCKED:
        outbox.close(row, "rejected", now, result.detail or "blocked at the gateway")
        record_opt_out(db, row.recipient, source="gateway", now=now)
    elif result.outcome is Outcome.FAILED:
        outbox.close(row, "failed", now, result.detail or "refused by the gateway")
    else:
        _retry_or_fail(row, now, result.detail or "the gateway asked to retry")


def _record(rt, token: str, results, error: str | None) -> dict[str, int]:
    now = rt.clock()
    outcome: dict[str, int] = {}
    by_number = {r.number: r for r in results}
    with rt.session_factory() as db, db.begin():
        for row in db.scalars(select(OutboxMessage).where(OutboxMessage.lock_token == token)):
            apply_result(db, row, by_number.get(row.recipient), error, now)
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


def request(rt, body: str, recipients) -> tuple[list, str | None]:
    """One gateway request: (per-recipient results, or the error that left no answer)."""
    try:
        return rt.gateway.send(body, list(recipients)), None
    except GatewayUnavailable as exc:
        log.warning("sms: send of %d messages failed: %s", len(recipients), exc)
        return [], str(exc)
    except Exception as exc:  # an adapter bug must still end in retry/failed, not a row held forever
        log.exception("sms: gateway adapter raised")
        return [], f"gateway adapter error: {type(exc).__name__}"


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
    results, error = request(rt, claim.body, claim.recipients)
    outcome = _record_with_retries(rt, claim.token, results, error)
    log.info("sms: outbox %s batch of %d: %s", outbox_id, len(claim.ids), describe(outcome))
    return outcome, list(claim.ids)
