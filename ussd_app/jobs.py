"""RQ plumbing: queues and the worker. Jobs are plain importable functions taking ids."""

from __future__ import annotations

import logging

from rq import Queue, SimpleWorker

from ussd_app import redis_conn

QUEUE_NAMES = ("sms", "default")
log = logging.getLogger(__name__)


def queues(connection) -> list[Queue]:
    return [Queue(name, connection=connection) for name in QUEUE_NAMES]


# RQ's worker waits for a job with BLPOP for up to `worker_ttl - 15` seconds (its dequeue
# timeout). A socket timeout shorter than that wait (redis-py's default is 5 s) ends every idle
# wait in "Timeout reading from socket" and a back-off of 1, 2, 4, 8 s during which due jobs
# wait. RQ raises the timeout only on connections made after the worker exists, and the
# dispatcher thread uses the connection before: so every connection gets it from the start.
WORKER_TTL_S = 420  # RQ's default
WORKER_SOCKET_TIMEOUT_S = WORKER_TTL_S + 30
CONNECT_TIMEOUT_S = 5
JOB_SOCKET_TIMEOUT_S = 10  # what jobs send answers at once (rate limit, enqueue)


def _redis(settings, socket_timeout: float):
    import redis

    url = redis_conn.resolve_redis_url(settings.redis_url, settings.instance_path)
    return redis.Redis.from_url(url, socket_timeout=socket_timeout, socket_connect_timeout=CONNECT_TIMEOUT_S)


def worker_redis(settings):
    """The worker's own connection, which blocks waiting for jobs."""
    return _redis(settings, WORKER_SOCKET_TIMEOUT_S)


def job_redis(settings):
    """The connection jobs use (ussd_app.sms.runtime): a Redis that stops answering fails them fast."""
    return _redis(settings, JOB_SOCKET_TIMEOUT_S)


def make_worker(connection) -> SimpleWorker:
    return SimpleWorker(queues(connection), connection=connection, worker_ttl=WORKER_TTL_S)


def run_worker(settings, burst: bool = False) -> None:
    """RQ worker with RQ's scheduler, plus the periodic SMS dispatcher (ussd_app.sms.dispatch).

    A SimpleWorker runs jobs in its own process: RQ's default Worker forks a child per job, which
    cost more than most SMS jobs (profile in benchmarks/README.md). Jobs hold no state between
    runs; a job past its timeout is still stopped (RQ's alarm runs in this main thread).
    """
    from ussd_app.sms import runtime as sms_runtime
    from ussd_app.sms.dispatch import run_dispatch, start_periodic_dispatch

    connection = worker_redis(settings)
    runtime = sms_runtime.from_settings(settings)
    sms_runtime.install(runtime)
    if burst:
        run_dispatch(runtime)  # one pass, so a burst run sends what is due
    else:
        start_periodic_dispatch(connection)
    make_worker(connection).work(with_scheduler=True, burst=burst)
