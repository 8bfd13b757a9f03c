"""Hand new outbox rows to RQ once their transaction has committed.

One Redis round trip for any number of rows, one job per IDS_PER_JOB rows (ussd_app.sms.batch).
If Redis is down the rows simply wait: the periodic dispatcher enqueues every due row that no
worker has (ussd_app.sms.dispatch).
"""

from __future__ import annotations

import logging
from typing import Iterable

from redis.exceptions import RedisError
from rq import Queue

log = logging.getLogger(__name__)

SMS_QUEUE = "sms"
SEND_JOB = "ussd_app.sms.batch.send_batch"
IDS_PER_JOB = 800  # a few requests for the job's threads to send at once (ussd_app.sms.batch)
# Room for a job's requests at a slow gateway; a job stopped at this limit leaves the rows it did
# not reach to the dispatcher once their hold ends (ussd_app.sms.send.hold_seconds): nothing is lost.
JOB_TIMEOUT_S = 600


def enqueue_outbox(connection, outbox_ids: Iterable[int]) -> int:
    """Enqueue `send_batch(ids)` jobs for the rows; returns how many rows were handed over (0 if Redis failed)."""
    ids = sorted(set(outbox_ids))
    if not ids:
        return 0
    try:
        queue = Queue(SMS_QUEUE, connection=connection)
        queue.enqueue_many([Queue.prepare_data(SEND_JOB, args=(ids[start:start + IDS_PER_JOB],),
                                               timeout=JOB_TIMEOUT_S, result_ttl=600, failure_ttl=86400)
                            for start in range(0, len(ids), IDS_PER_JOB)])
    except RedisError as exc:
        log.warning("sms: could not enqueue %d outbox rows (%s); the dispatcher will", len(ids),
                    type(exc).__name__)
        return 0
    return len(ids)


def commit_and_enqueue(db, connection) -> int:
    """Commit `db`, then enqueue the outbox rows it queued (CLI commands and jobs use this)."""
    from ussd_app.sms.outbox import take_new_outbox_ids

    ids = take_new_outbox_ids(db)
    db.commit()
    return enqueue_outbox(connection, ids)
