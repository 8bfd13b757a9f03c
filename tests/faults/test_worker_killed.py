"""A real `ussd-app worker` is SIGKILLed while the gateway has not answered its request.

The row stays held by the dead worker; once the hold has passed, the dispatcher hands it out
again and it is sent exactly once (the request the dead worker made was never answered).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest

from tests.conftest import REDIS_URL
from tests.sms.conftest import API_KEY
from ussd_app.sms.handoff import commit_and_enqueue
from ussd_app.sms.outbox import queue_sms

pytestmark = pytest.mark.slow
USSD_APP = Path(sys.executable).parent / "ussd-app"
NUMBERS = ["+22376123456", "+22365123456", "+22390123456"]


def wait_until(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def test_worker_killed_mid_send_the_rows_go_exactly_once(database_url, db, redis_client, sms_rt, fake_at,
                                                         clock, dispatch_and_work, outbox_row, tmp_path):
    ids = [queue_sms(db, recipient=n, language="fr", message="Reunion du groupe Benkadi demain 9h.",
                     kind="campaign", purpose="campaign", dedupe_key=f"killed:{n}", now=clock.now).id for n in NUMBERS]
    commit_and_enqueue(db, redis_client)
    fake_at.hang_next(1, seconds=20)  # the worker's request is never answered in time
    env = dict(os.environ, DATABASE_URL=database_url, REDIS_URL=REDIS_URL, SMS_GATEWAY="africastalking",
               AT_USERNAME="sandbox", AT_API_KEY=API_KEY, AT_API_BASE_URL=fake_at.url,
               AT_SENDER_ID="SANTE", USSD_INSTANCE_PATH=str(tmp_path / "instance"),
               SMS_QUIET_START_HOUR="0", SMS_QUIET_END_HOUR="0", USSD_CLOCK_START=clock.now.isoformat())
    # Its own process group: the worker's scheduler child dies with it.
    worker = subprocess.Popen([str(USSD_APP), "worker"], env=env, start_new_session=True,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_until(lambda: fake_at.received >= 1, 60, "the worker's request")
    finally:
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)

    rows = [outbox_row(i) for i in ids]
    assert {(r.status, r.attempts) for r in rows} == {("queued", 1)}
    assert len({r.lock_token for r in rows}) == 1 and rows[0].lock_token is not None  # one request
    assert fake_at.requests == []

    # An hour later by the test's clock, the dead worker's hold has long passed.
    clock.advance(hours=1)
    assert clock.now > rows[0].locked_until + timedelta(seconds=1)
    dispatch_and_work()
    for outbox_id, number in zip(ids, NUMBERS):
        row = outbox_row(outbox_id)
        assert (row.status, row.attempts) == ("sent", 2)
        assert fake_at.sent_to(number) == ["Reunion du groupe Benkadi demain 9h."]
    clock.advance(hours=1)
    dispatch_and_work()
    assert len(fake_at.requests) == 1
