"""RQ plumbing: queues and the worker. Jobs are plain importable functions taking ids."""

from __future__ import annotations

import logging

from rq import Queue, SimpleWorker

from ussd_app.redis_conn import QUEUE_NAMES, WORKER_TTL_S, worker_redis

log = logging.getLogger(__name__)


def queues(connection) -> list[Queue]:
    return [Queue(name, connection=connection) for name in QUEUE_NAMES]


def make_worker(connection) -> SimpleWorker:
    return SimpleWorker(queues(connection), connection=connection, worker_ttl=WORKER_TTL_S)


def run_worker(settings, burst: bool = False) -> None:
    """RQ worker with RQ's scheduler, plus the periodic SMS dispatcher (ussd_app.sms.dispatch).

    A SimpleWorker runs jobs in its own process: RQ's default Worker forks a child per job, which
    cost more than most SMS jobs (profile in benchmarks/README.md). Jobs hold no state between
    runs; a job past its timeout is still stopped (RQ's alarm runs in this main thread).
    """
    from ussd_app.dhis2.schedule import start_monthly_push
    from ussd_app.savings.overdue import start_daily_reminders
    from ussd_app.sms import runtime as sms_runtime
    from ussd_app.sms.dispatch import run_dispatch, start_periodic_dispatch

    connection = worker_redis(settings)
    runtime = sms_runtime.from_settings(settings)
    sms_runtime.install(runtime)
    if burst:
        run_dispatch(runtime)  # one pass, so a burst run sends what is due
    else:
        start_periodic_dispatch(connection)
        start_monthly_push(connection, settings)  # DHIS2, when DHIS2_URL is set
        start_daily_reminders(connection)  # one SMS per overdue savings loan, to her only
    make_worker(connection).work(with_scheduler=True, burst=burst)
