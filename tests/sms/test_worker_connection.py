"""The RQ worker's Redis connection outlasts RQ's blocking wait for a job.

A socket timeout shorter than the wait made every idle worker log "could not connect to Redis
instance: Timeout reading from socket, retrying in 1/2/4/8 seconds" and run due jobs late.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

from tests.conftest import REDIS_URL
from ussd_app.config import Settings
from ussd_app.jobs import make_worker
from ussd_app.redis_conn import worker_redis

# Longer than redis-py's default socket timeout (5 s), so a worker on that default fails here.
IDLE_S = 7


def test_every_worker_connection_waits_longer_than_rq_blocks(tmp_path, redis_client):
    connection = worker_redis(Settings.from_env(tmp_path, env={"REDIS_URL": REDIS_URL}))
    connection.ping()  # the dispatcher thread uses the connection before the worker exists
    made_before = connection.connection_pool.get_connection()
    worker = make_worker(connection)
    made_after = connection.connection_pool.make_connection()
    try:
        assert made_before.socket_timeout > worker.dequeue_timeout
        assert made_after.socket_timeout > worker.dequeue_timeout
    finally:
        connection.connection_pool.release(made_before)
        made_after.disconnect()
        connection.close()


def test_an_idle_worker_waits_without_timeouts(tmp_path, redis_client):
    """A real worker, idle longer than redis-py's default timeout, then quitting on its own.

    Before it starts, two connections of its pool are in use at once, as the dispatcher thread
    and the main thread do in `ussd-app worker`: the worker's subscription takes one, its wait
    for jobs the other.
    """
    script = textwrap.dedent(f"""
        import logging, sys
        from pathlib import Path
        logging.basicConfig(level=logging.INFO, stream=sys.stderr)
        from ussd_app.config import Settings
        from ussd_app.jobs import make_worker
        from ussd_app.redis_conn import worker_redis
        settings = Settings.from_env(Path({str(tmp_path)!r}), env={{"REDIS_URL": {REDIS_URL!r}}})
        connection = worker_redis(settings)
        pool = connection.connection_pool
        first, second = pool.get_connection(), pool.get_connection()
        for used in (first, second):
            used.send_command("PING")
            used.read_response()
            pool.release(used)
        make_worker(connection).work(max_idle_time={IDLE_S})
    """)
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=IDLE_S + 20)
    assert run.returncode == 0, run.stderr
    assert "idle for" in run.stderr
    assert "could not connect" not in run.stderr and "Timeout" not in run.stderr, run.stderr
