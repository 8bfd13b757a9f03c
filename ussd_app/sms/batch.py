"""The RQ job `send_batch(outbox_ids)`: many outbox rows in one job, several requests in flight.

One job per row made a worker spend most of its time starting jobs that found their row already
sent in another row's request. Here the job's rows are cut into requests: rows with the same
text, up to `send.batch_size` recipients, go in one request; rows with different texts
(personalised reminders) go one per request. A few threads send these requests at once (never
more threads than the per-sender rate allows messages a second; the shared token bucket still
paces them), so the gateway's latency is not paid one request after another. Each shared-text
request goes through the same claim, send and record steps as a single row; rows of a text of
their own are claimed and recorded several at a time (ussd_app.sms.personal), with the same
holds, retries, opt-outs, quiet hours and "status only moves forward".
"""

from __future__ import annotations

import logging
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import select

from ussd_app.sms import runtime as sms_runtime
from ussd_app.sms.outbox import OPEN, SMS, OutboxMessage
from ussd_app.sms.personal import deliver_each
from ussd_app.sms.send import batch_size, deliver_with_companions, describe

log = logging.getLogger(__name__)

SEND_THREADS = 32  # requests in flight per job: enough to hide the gateway's latency


def send_batch(outbox_ids: list[int]) -> str:
    """RQ job: send every open row among `outbox_ids`. Returns a count per outcome."""
    return deliver_batch(sms_runtime.current(), outbox_ids)


def requests_for(rt, outbox_ids: list[int]) -> list[list[int]]:
    """The open rows among `outbox_ids`, cut into requests: same text, at most batch_size rows."""
    with rt.session_factory() as db:
        rows = db.execute(select(OutboxMessage.id, OutboxMessage.body)
                          .where(OutboxMessage.id.in_(outbox_ids), OutboxMessage.status.in_(OPEN),
                                 OutboxMessage.channel == SMS)
                          .order_by(OutboxMessage.id)).all()
    by_text: dict[str, list[int]] = {}
    for outbox_id, body in rows:
        by_text.setdefault(body, []).append(outbox_id)
    size = batch_size(rt.settings)
    return [ids[start:start + size] for ids in by_text.values() for start in range(0, len(ids), size)]


def _deliver_request(rt, ids: list[int]) -> Counter:
    outcome: Counter = Counter()
    handled: set[int] = set()
    for outbox_id in ids:  # usually one pass; more when some rows were held or deferred
        if outbox_id in handled:
            continue
        counts, sent_with = deliver_with_companions(rt, outbox_id, among=ids)
        handled.update(sent_with)
        outcome.update(counts)
    return outcome


def deliver_batch(rt, outbox_ids: list[int]) -> str:
    requests = requests_for(rt, list(outbox_ids))
    shared = [ids for ids in requests if len(ids) > 1]
    alone = [ids[0] for ids in requests if len(ids) == 1]  # claimed and recorded in batches
    threads = max(1, min(SEND_THREADS, rt.settings.sms_rate_per_second, len(requests)))
    pool = ThreadPoolExecutor(threads, thread_name_prefix="sms-send")
    try:
        results = list(pool.map(lambda ids: _deliver_request(rt, ids), shared))
        if alone:
            results.append(deliver_each(rt, alone, pool, threads))
    finally:
        # On a job timeout or an error, requests not started stay for the dispatcher.
        pool.shutdown(wait=True, cancel_futures=True)
    total = sum(results, Counter())
    log.info("sms: job of %d rows in %d requests: %s", len(outbox_ids), len(requests), describe(total))
    return describe(total)
