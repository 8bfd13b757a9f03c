"""What SMS jobs run with in a worker process: settings, database, Redis, gateway, clock.

RQ jobs receive ids only; they find everything else here. The worker installs a runtime at
start (`install`); a process that has none builds one from the environment on first use.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field

from ussd_app.clock import Clock, system_now
from ussd_app.clock import from_settings as clock_from_settings
from ussd_app.sms.gateways import make_gateway
from ussd_app.sms.gateways.interface import Gateway


@dataclass
class SmsRuntime:
    settings: object
    session_factory: object
    redis: object  # for queues and the rate limit
    gateway: Gateway
    clock: Clock = field(default=system_now)


_current: SmsRuntime | None = None
_lock = threading.Lock()


def install(runtime: SmsRuntime | None) -> None:
    global _current
    with _lock:
        _current = runtime


def from_settings(settings) -> SmsRuntime:
    from ussd_app.db import make_engine, make_session_factory
    from ussd_app.redis_conn import job_redis

    engine = make_engine(settings.database_url)
    # Should a forking RQ worker run these jobs, a child must not reuse the parent's pooled connections.
    os.register_at_fork(after_in_child=lambda: engine.dispose(close=False))
    return SmsRuntime(settings, make_session_factory(engine, settings.phone_hash_key), job_redis(settings), make_gateway(settings),
                      clock_from_settings(settings))


def current() -> SmsRuntime:
    global _current
    with _lock:
        if _current is None:
            from ussd_app.config import settings_from_env

            _current = from_settings(settings_from_env())
        return _current
