"""Login attempts counted in Redis per username and address (a fixed 15-minute window)."""

from __future__ import annotations

import hashlib

MAX_ATTEMPTS = 5
WINDOW_SECONDS = 15 * 60


def _key(username: str, address: str) -> str:
    # Hashed so Redis holds no usernames in clear.
    digest = hashlib.sha256(f"{username.strip().lower()}|{address}".encode("utf-8")).hexdigest()[:32]
    return f"clinic:login:{digest}"


def blocked(redis, username: str, address: str) -> bool:
    count = redis.get(_key(username, address))
    return count is not None and int(count) >= MAX_ATTEMPTS


def record_failure(redis, username: str, address: str) -> None:
    key = _key(username, address)
    pipe = redis.pipeline()
    pipe.incr(key)
    pipe.expire(key, WINDOW_SECONDS, nx=True)
    pipe.execute()


def clear(redis, username: str, address: str) -> None:
    redis.delete(_key(username, address))
