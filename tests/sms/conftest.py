"""SMS fixtures: the local fake Africa's Talking API, the real SDK pointed at it, the runtime on
the test's clock, and real RQ workers in burst mode on the test Redis."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest
from rq import Queue, SimpleWorker

from tests.conftest import FAKE_AT_API_KEY, TEST_NOW
from ussd_app.redis_conn import QUEUE_NAMES
from ussd_app.sms import runtime as sms_runtime
from ussd_app.sms.dispatch import run_dispatch
from ussd_app.sms.gateways.africastalking import AfricasTalkingGateway
from ussd_app.sms.outbox import OutboxMessage

API_KEY = FAKE_AT_API_KEY


def bamako(day: str, hour: int, minute: int = 0) -> datetime:
    """A Bamako wall-clock time (UTC+0 all year)."""
    return datetime.fromisoformat(day).replace(hour=hour, minute=minute, tzinfo=timezone.utc)


def tomorrow_at(hour: int, minute: int = 0) -> datetime:
    """The day after the test clock's start (rows queued at the start are due by then), at a
    given Bamako hour."""
    day = TEST_NOW.date() + timedelta(days=1)
    return bamako(day.isoformat(), hour, minute)


@pytest.fixture
def gateway(fake_at):
    # The real SDK, its base URL pointed at the fake; short timeouts so timeouts are quick.
    return AfricasTalkingGateway("sandbox", API_KEY, sender_id="SANTE", base_url=fake_at.url,
                                 timeout=(0.5, 0.5))


@pytest.fixture
def sms_rt(app, redis_client, gateway, clock):
    settings = replace(app.extensions["ussd_settings"], sms_rate_per_second=50)
    rt = sms_runtime.SmsRuntime(settings, app.extensions["db_sessions"], redis_client, gateway, clock)
    sms_runtime.install(rt)
    yield rt
    sms_runtime.install(None)


@pytest.fixture
def work(redis_client):
    """Run a real RQ worker in burst mode until the queues are empty."""

    def run() -> None:
        queues = [Queue(name, connection=redis_client) for name in QUEUE_NAMES]
        SimpleWorker(queues, connection=redis_client).work(burst=True)

    return run


@pytest.fixture
def dispatch_and_work(sms_rt, work):
    """One dispatcher pass at the runtime's clock, then a burst worker."""

    def run() -> int:
        handed = run_dispatch(sms_rt)
        work()
        return handed

    return run


@pytest.fixture
def outbox_row(db):
    def get(outbox_id: int) -> OutboxMessage:
        db.expire_all()
        return db.get(OutboxMessage, outbox_id)

    return get
