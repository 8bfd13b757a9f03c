"""Rows with a text of their own (personalised reminders): claimed and recorded in batches.

Each such row is one gateway request. Claiming and recording them one by one cost two
transactions per message, each waiting for its commit; here a job keeps `threads` requests in
flight from a pool and, between answers, records every answer that has come in (one transaction
for all of them) and claims rows for the slots they freed (one transaction for all of them).
Nothing else changes:
- a row is claimed (held, one more attempt) just before its request starts, and its answer
  recorded as soon as the job's thread is free: a worker killed mid-batch leaves the rows it recorded final and
  the others held until their hold expires, like a single row (ussd_app.sms.send);
- the tokens of the shared rate limit are taken before the claim, so the hold is not spent
  waiting for them;
- quiet hours defer, and opt-outs, invalid numbers and used-up attempts close, as in
  ussd_app.sms.send, and an answer is only written on a row this claim still holds.
"""

from __future__ import annotations

import logging
import uuid
from collections import Counter, deque
from concurrent.futures import FIRST_COMPLETED, Executor, wait
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from ussd_app.sms import outbox
from ussd_app.sms.outbox import OPEN, OutboxMessage
from ussd_app.sms.purposes import waits_for_morning
from ussd_app.sms.quiet_hours import in_quiet_hours
from ussd_app.sms.rate_limit import TokenBucket
from ussd_app.sms.send import (
    MAX_ATTEMPTS,
    apply_result,
    defer_to_morning,
    gave_up,
    hold_seconds,
    request,
    vet,
)

log = logging.getLogger(__name__)

# After a first answer, how long to wait for others to record them in the same transaction: short
# beside a gateway's latency, long enough for requests sent together to answer together.
GATHER_S = 0.01


@dataclass(frozen=True)
class Claimed:
    id: int
    token: str
    recipient: str
    body: str


def claim_each(rt, ids: list[int], now: datetime) -> tuple[list[Claimed], Counter]:
    """Claim the rows among `ids` that may go now, each for a request of its own, in one
    transaction: (the claimed rows to send, counts of what happened to the others)."""
    settings, outcome = rt.settings, Counter()
    quiet = in_quiet_hours(now, settings.quiet_hours_start, settings.quiet_hours_end)
    token = uuid.uuid4().hex
    with rt.session_factory() as db, db.begin():
        free = (OutboxMessage.locked_until.is_(None)) | (OutboxMessage.locked_until < now)
        rows = list(db.scalars(select(OutboxMessage).where(OutboxMessage.id.in_(ids),
                                                           OutboxMessage.status.in_(OPEN),
                                                           OutboxMessage.due_at <= now, free)))
        outcome["done, held or not due"] = len(ids) - len(rows)
        to_claim = []
        for row in rows:
            if row.attempts >= MAX_ATTEMPTS:  # workers kept dying on it
                outbox.close(row, "failed", now, gave_up(row))
                outcome["failed"] += 1
            elif quiet and waits_for_morning(row.purpose):
                defer_to_morning(row, settings, now)
                outcome["deferred"] += 1
            else:
                to_claim.append(row.id)
        db.flush()
        claimed = outbox.claim(db, to_claim, now, token=token, max_attempts=MAX_ATTEMPTS,
                               hold_until=now + timedelta(seconds=hold_seconds(rt.gateway, 1))) if to_claim else []
        to_send = vet(db, claimed, now)
        outcome["held"] += len(to_claim) - len(claimed)
        outcome["not sent (opted out or invalid)"] += len(claimed) - len(to_send)
        ready = [Claimed(r.id, token, r.recipient, r.body) for r in to_send]
    return ready, +outcome


def _send(rt, claimed: Claimed):
    results, error = request(rt, claimed.body, [claimed.recipient])
    return claimed, results, error


def record_each(rt, answers: list, tries: int = 3) -> Counter:
    """Write down the gateway's answers to several claimed rows in one transaction (retried: an
    answer not written down would be sent again once the hold ends)."""
    by_id = {claimed.id: (claimed, results, error) for claimed, results, error in answers}
    for attempt in range(1, tries + 1):
        try:
            outcome = Counter()
            now = rt.clock()
            with rt.session_factory() as db, db.begin():
                for row in db.scalars(select(OutboxMessage).where(OutboxMessage.id.in_(by_id))):
                    claimed, results, error = by_id[row.id]
                    if row.lock_token != claimed.token:  # held past its hold, taken by another worker
                        outcome["lost hold"] += 1
                        continue
                    result = next((r for r in results if r.number == row.recipient), None)
                    apply_result(db, row, result, error, now)
                    outcome[row.status] += 1
            return outcome
        except SQLAlchemyError:
            if attempt == tries:
                raise
            log.warning("sms: could not record %d answers (try %d of %d)", len(answers), attempt, tries)
    return Counter()


def deliver_each(rt, ids: list[int], pool: Executor, threads: int) -> Counter:
    """Send every row among `ids` as a request of its own, `threads` at a time."""
    bucket = TokenBucket(rt.redis, rt.gateway.sender, rt.settings.sms_rate_per_second)
    waiting, in_flight, outcome = deque(ids), set(), Counter()
    try:
        while waiting or in_flight:
            free = threads - len(in_flight)
            if waiting and free > 0:
                # Claimed only for a free slot, so each row's request starts inside its hold.
                chunk = [waiting.popleft() for _ in range(min(free, len(waiting)))]
                bucket.take(len(chunk))
                claimed, counts = claim_each(rt, chunk, rt.clock())
                outcome.update(counts)
                in_flight.update(pool.submit(_send, rt, c) for c in claimed)
                if len(claimed) < len(chunk) and waiting:
                    continue  # some were held or closed: fill their slots first
            if in_flight:
                done, in_flight = wait(in_flight, return_when=FIRST_COMPLETED)
                if in_flight:  # a moment more: the answers of the requests sent together
                    more, in_flight = wait(in_flight, timeout=GATHER_S)
                    done |= more
                outcome.update(record_each(rt, [future.result() for future in done]))
    finally:
        if in_flight:  # stopped early (a job timeout): still record what was sent
            done, _ = wait(in_flight)
            outcome.update(record_each(rt, [f.result() for f in done if f.exception() is None]))
    return outcome
