"""Per-sender token bucket in Redis, shared by every worker (default 10 messages a second)."""

from __future__ import annotations

import time

# KEYS[1] bucket; ARGV: rate per second, capacity, tokens wanted. Redis' own clock keeps every
# worker on the same time. Returns 0 when granted, else milliseconds to wait.
_TAKE = """
local rate = tonumber(ARGV[1])
local capacity = tonumber(ARGV[2])
local wanted = tonumber(ARGV[3])
local t = redis.call('TIME')
local now_ms = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1]) or capacity
local at = tonumber(state[2]) or now_ms
tokens = math.min(capacity, tokens + (now_ms - at) * rate / 1000)
local wait = 0
if tokens >= wanted then
  tokens = tokens - wanted
else
  wait = math.ceil((wanted - tokens) * 1000 / rate)
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now_ms))
redis.call('PEXPIRE', KEYS[1], math.ceil(capacity * 1000 / rate) + 1000)
return wait
"""


class TokenBucket:
    def __init__(self, connection, sender: str, rate_per_second: int, capacity: int | None = None):
        if rate_per_second < 1:
            raise ValueError("rate must be at least 1 message a second")
        self.key = f"sms:rate:{sender}"
        self.rate = rate_per_second
        self.capacity = capacity or rate_per_second
        self._take = connection.register_script(_TAKE)

    def try_take(self, count: int = 1) -> float:
        """Take `count` tokens if there are enough; else return the seconds to wait (0.0 = granted)."""
        if count > self.capacity:
            raise ValueError(f"a batch of {count} cannot fit a bucket of {self.capacity}")
        return int(self._take(keys=[self.key], args=[self.rate, self.capacity, count])) / 1000

    def take(self, count: int = 1, sleep=time.sleep) -> None:
        """Block until `count` tokens are granted."""
        while True:
            wait = self.try_take(count)
            if wait <= 0:
                return
            sleep(wait)
