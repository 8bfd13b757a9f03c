"""Hand new outbox rows to RQ once their transaction has committed.

One Redis round trip for any number of rows. If Redis is down the rows simply wait: the
periodic dispatcher enqueues every due row that no worker has (ussd_app.sms.dispatch).
"""

from __future__ import annotations

import logging
from typing import Iterable

from redis.exceptions import RedisError
from rq import Queue

log = logging.getLogger(__name__)

SMS_QUEUE = "sms"
SEND_JOB = "ussd_app.sms.send.send_sms"
JOB_TIMEOUT_S = 180


def enqueue_outbox(connection, outbox_ids: Iterable[int]) -> int:
    """Enqueue `send_sms(id)` for each row; returns how many were handed over (0 if Redis failed)."""
    ids = sorted(set(outbox_ids))
    if not ids:
        return 0
    try:
        queue = Queue(SMS_QUEUE, connection=connection)
        queue.enqueue_many([Queue.prepare_data(SEND_JOB, args=(outbox_id,), timeout=JOB_TIMEOUT_S,
                                               result_ttl=600, failure_ttl=86400)
                            for outbox_id in ids])
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
