"""USSD hop counters for /metrics: answers by kind and a latency histogram, kept in Redis.

Prometheus scrapes one process at a time, and gunicorn runs several workers that each answer
part of the hops: counters in one worker's memory would show a random share of the traffic.
So every hop adds to shared Redis hashes (HINCRBY, one pipelined round trip, after the answer
is ready) and /metrics reads them whichever worker it reaches. A Redis flush resets them, which
Prometheus' rate() reads as a counter reset. Recording never fails a hop: the caller already has
its answer.
"""

from __future__ import annotations

import logging
import time
from functools import wraps

from redis.exceptions import RedisError

from ussd_app.text.i18n import LANGUAGES

log = logging.getLogger(__name__)

HOPS_KEY = "metrics:ussd_hops"  # field per answer kind
LATENCY_KEY = "metrics:ussd_hop_seconds"  # field per bucket (not cumulative) and "sum_us"
KINDS = ("CON", "END", "error")
# Seconds. A gateway gives up on a hop after about 10 s (FIELD.md).
BUCKETS = (0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


def _bucket_field(seconds: float) -> str:
    for bound in BUCKETS:
        if seconds <= bound:
            return f"le_{bound}"
    return "le_inf"


def record(redis, kind: str, seconds: float) -> None:
    try:
        pipe = redis.pipeline(transaction=False)
        pipe.hincrby(HOPS_KEY, kind, 1)
        pipe.hincrby(LATENCY_KEY, _bucket_field(seconds), 1)
        pipe.hincrby(LATENCY_KEY, "sum_us", int(seconds * 1_000_000))
        pipe.execute()
    except RedisError as exc:
        log.debug("metrics: hop not counted (%s)", type(exc).__name__)


def read(redis) -> tuple[dict[str, int], list[tuple[str, int]], float, int]:
    """(answers by kind, cumulative buckets [(le, count)] ending with +Inf, sum in s, count)."""
    hops = {k.decode(): int(v) for k, v in redis.hgetall(HOPS_KEY).items()}
    raw = {k.decode(): int(v) for k, v in redis.hgetall(LATENCY_KEY).items()}
    buckets, running = [], 0
    for bound in BUCKETS:
        running += raw.get(f"le_{bound}", 0)
        buckets.append((repr(bound), running))
    running += raw.get("le_inf", 0)
    buckets.append(("+Inf", running))
    return {kind: hops.get(kind, 0) for kind in KINDS}, buckets, raw.get("sum_us", 0) / 1_000_000, running


def counted(end_answer, *error_messages):
    """Decorates `UssdHost.answer`: after each answer, count it and its latency. An answer made by
    `end_answer(message, lang)` with one of `error_messages` (service unavailable, busy) counts
    as "error", not as an ordinary END."""
    errors: set[str] = set()

    def kind_of(wire: str) -> str:
        if not errors:
            errors.update(end_answer(m, lang) for m in error_messages for lang in (*LANGUAGES, None))
        if wire in errors:
            return "error"
        return "CON" if wire.startswith("CON ") else "END"

    def decorate(answer):
        @wraps(answer)
        def timed(host, *args, **kwargs):
            started = time.perf_counter()
            wire = answer(host, *args, **kwargs)
            record(host.store.redis, kind_of(wire), time.perf_counter() - started)
            return wire

        return timed

    return decorate
