"""The monthly DHIS2 push: on the 1st of each month, last month for every CSCom of the mapping.

`ussd-app worker` starts RQ's CronScheduler (as the SMS dispatcher does) when DHIS2_URL is
set; the job runs in any worker. Every worker has its own scheduler, so the first job of a
month takes a Redis key and the others stop there. A month that could not reach DHIS2 fails
the job (RQ's failed jobs, /metrics) and is pushed again with `ussd-app dhis2 push`.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter

from ussd_app.dhis2 import models
from ussd_app.dhis2.client import Dhis2Client, Dhis2Unavailable
from ussd_app.dhis2.indicators import Period
from ussd_app.dhis2.mapping import MappingError, load_mapping
from ussd_app.dhis2.push import push_month
from ussd_app.redis_conn import run_cron_in_thread
from ussd_app.sms import runtime as sms_runtime

log = logging.getLogger(__name__)

# 06:00 on the 1st. RQ reads cron fields in the worker's local time: run workers in UTC, which
# is Bamako time.
MONTHLY_CRON = "0 6 1 * *"
MONTH_KEY = "dhis2:monthly:{}"
MONTH_KEY_TTL_S = 24 * 3600


def check_configuration(settings):
    """The mapping, loaded and checked (MappingError lists every problem); None when DHIS2 is off."""
    if not settings.dhis2_url:
        return None
    if settings.dhis2_mapping is None:
        raise MappingError(["DHIS2_URL is set but DHIS2_MAPPING is not"])
    return load_mapping(settings.dhis2_mapping)


def run_monthly(rt, client=None, sleep=time.sleep) -> str:
    period = Period.before(rt.clock())
    if not rt.redis.set(MONTH_KEY.format(period.dhis2), "1", nx=True, ex=MONTH_KEY_TTL_S):
        return f"{period}: already being pushed by another worker"
    mapping = check_configuration(rt.settings)
    if mapping is None:
        return "DHIS2 is not configured"
    client = client or Dhis2Client.from_settings(rt.settings)
    outcomes = push_month(rt.session_factory, client, mapping, period, clock=rt.clock, sleep=sleep)
    counts = Counter(o.status for o in outcomes)
    described = ", ".join(f"{k}={v}" for k, v in sorted(counts.items()))
    log.info("dhis2: %s pushed: %s", period, described)
    if counts.get(models.UNREACHABLE):
        raise Dhis2Unavailable(f"{period}: DHIS2 unreachable for {counts[models.UNREACHABLE]} CSCom(s); "
                               f"push again with `ussd-app dhis2 push --period {period}`")
    return f"{period}: {described}"


def push_previous_month() -> str:
    """RQ job, monthly."""
    return run_monthly(sms_runtime.current())


def monthly_scheduler(connection):
    from rq.cron import CronScheduler

    scheduler = CronScheduler(connection=connection, name=f"dhis2-monthly-{threading.get_ident()}")
    scheduler.register(push_previous_month, queue_name="default", cron=MONTHLY_CRON, job_timeout=3600)
    return scheduler


def start_monthly_push(connection, settings, stop: threading.Event | None = None) -> threading.Thread | None:
    """Enqueue `push_previous_month` on the 1st of each month; nothing when DHIS2 is off.
    A bad mapping stops the worker here, at start, with every problem listed."""
    if check_configuration(settings) is None:
        return None
    return run_cron_in_thread(monthly_scheduler(connection), "dhis2-monthly", stop)
