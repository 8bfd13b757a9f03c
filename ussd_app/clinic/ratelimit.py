"""Login attempts counted in Redis per username and address (a fixed 15-minute window).

An attempt is counted before its password is checked: parallel guesses each take a slot first,
so no more than MAX_ATTEMPTS passwords are ever checked in a window, however many arrive at once.
"""

from __future__ import annotations

import hashlib

MAX_ATTEMPTS = 5
WINDOW_SECONDS = 15 * 60


def _key(username: str, address: str) -> str:
    # Hashed so Redis holds no usernames in clear.
    digest = hashlib.sha256(f"{username.strip().lower()}|{address}".encode("utf-8")).hexdigest()[:32]
    return f"clinic:login:{digest}"


def take_attempt(redis, username: str, address: str) -> bool:
    """Count an attempt; False when the window's attempts are used up (do not check the password)."""
    key = _key(username, address)
    pipe = redis.pipeline()
    pipe.incr(key)
    pipe.expire(key, WINDOW_SECONDS, nx=True)
    count, _ = pipe.execute()
    return int(count) <= MAX_ATTEMPTS


def clear(redis, username: str, address: str) -> None:
    redis.delete(_key(username, address))
