"""USSD hop counters for /metrics: answers by kind and a latency histogram, kept in Redis.

Prometheus scrapes one process at a time, and gunicorn runs several workers that each answer
part of the hops: counters in one worker's memory would show a random share of the traffic.
So every hop adds to shared Redis hashes (HINCRBY) and /metrics reads them whichever worker it
reaches. A hop that stores its answer and frees its session in one script (most hops) adds its
counts in that same script (`Tally`): no round trip of their own; any other answer is counted
after it is ready, in one pipelined round trip. A Redis flush resets them, which
Prometheus' rate() reads as a counter reset. Recording never fails a hop: the caller already has
its answer.
"""

from __future__ import annotations

import inspect
import logging
import threading
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


def increments(kind: str, seconds: float) -> tuple[str, str, int]:
    """(answer kind field, latency bucket field, microseconds): what one hop adds to the hashes."""
    return kind, _bucket_field(seconds), int(seconds * 1_000_000)


class Tally:
    """One hop's count, taken exactly once: by the hop when it stores its answer (the counts go
    in the same Redis script), or by `counted` after the answer, whichever claims it first."""

    def __init__(self, kind_of) -> None:
        self.started = time.perf_counter()
        self._kind_of = kind_of
        self._guard = threading.Lock()
        self._claimed = False

    def claim(self, wire: str) -> tuple[str, str, int] | None:
        """The increments for an answer `wire` given now, or None if the hop is counted already."""
        with self._guard:
            if self._claimed:
                return None
            self._claimed = True
        return increments(self._kind_of(wire), time.perf_counter() - self.started)

    def unclaim(self) -> None:
        """The store that was to write the counts failed: `counted` counts the answer instead."""
        with self._guard:
            self._claimed = False


def record(redis, kind: str, seconds: float) -> None:
    write(redis, increments(kind, seconds))


def write(redis, counts: tuple[str, str, int]) -> None:
    """Add one hop's `increments` to the hashes; never raises (the caller has its answer)."""
    kind, bucket, micros = counts
    try:
        pipe = redis.pipeline(transaction=False)
        pipe.hincrby(HOPS_KEY, kind, 1)
        pipe.hincrby(LATENCY_KEY, bucket, 1)
        pipe.hincrby(LATENCY_KEY, "sum_us", micros)
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
    as "error", not as an ordinary END. An `answer` that takes a `tally` keyword is given the
    hop's `Tally`, to count the hop along with its store."""
    errors: set[str] = set()

    def kind_of(wire: str) -> str:
        if not errors:
            errors.update(end_answer(m, lang) for m in error_messages for lang in (*LANGUAGES, None))
        if wire in errors:
            return "error"
        return "CON" if wire.startswith("CON ") else "END"

    def decorate(answer):
        takes_tally = "tally" in inspect.signature(answer).parameters

        @wraps(answer)
        def timed(host, *args, **kwargs):
            tally = Tally(kind_of)
            if takes_tally:
                kwargs["tally"] = tally
            wire = answer(host, *args, **kwargs)
            counts = tally.claim(wire)
            if counts is not None:
                write(host.store.redis, counts)
            return wire

        return timed

    return decorate
