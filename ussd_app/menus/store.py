"""USSD state in Redis: sessions, the replay cache, resume snapshots, and a per-session lock.

Everything here may vanish (flush, restart): a lost session is rebuilt from the gateway's
`text`, a lost replay cache only costs a recomputation whose effects are idempotent.

A session belongs to one phone: every key of it holds the phone as well as the gateway's
session id, so a callback with another phone and the same id never reads this session, its
lock or its answers; it is another session.

A hop costs two Redis round trips when it writes nothing to the database (most hops: menus,
health pages): one script takes the lock and reads what the hop needs, one stores the result and
frees the lock. A hop that writes keeps its save before the database commit and frees the lock
after it, so a resent twin never sees an answer whose data is not committed: three round trips.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from contextlib import contextmanager
from dataclasses import dataclass

import redis

from ussd_app.menus.engine import Session
from ussd_app.menus.masking import SECRET_MASK
from ussd_app.ops.hops import HOPS_KEY, LATENCY_KEY

# Longer than a hop can take at worst (database and Redis timeouts included), so a slow hop is
# never joined by its resent twin; a hop killed outright frees the session when this runs out.
LOCK_MS = 15000

# KEYS: lock, reply, session, resume snapshot, opening; ARGV: token, lock ms.
_LOCK_AND_LOAD = """
local got = redis.call('set', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2])
local values = redis.call('mget', KEYS[2], KEYS[3], KEYS[4], KEYS[5])
return {got and 1 or 0, values[1], values[2], values[3], values[4]}
"""

# KEYS: reply, session, resume snapshot, lock, opening, hop counts, hop latencies. ARGV: reply,
# session JSON ('' deletes it), resume JSON ('' deletes it), session ttl, resume ttl, lock token
# ('' keeps the lock), opening JSON ('' leaves it), answer kind ('' counts nothing), latency
# bucket, latency in microseconds (ussd_app.ops.hops).
_SAVE = """
redis.call('set', KEYS[1], ARGV[1], 'EX', ARGV[4])
if ARGV[2] == '' then redis.call('del', KEYS[2]) else redis.call('set', KEYS[2], ARGV[2], 'EX', ARGV[4]) end
if ARGV[3] == '' then redis.call('del', KEYS[3]) else redis.call('set', KEYS[3], ARGV[3], 'EX', ARGV[5]) end
if ARGV[6] ~= '' and redis.call('get', KEYS[4]) == ARGV[6] then redis.call('del', KEYS[4]) end
if ARGV[7] ~= '' then redis.call('set', KEYS[5], ARGV[7], 'EX', ARGV[5]) end
if ARGV[8] ~= '' then
  redis.call('hincrby', KEYS[6], ARGV[8], 1)
  redis.call('hincrby', KEYS[7], ARGV[9], 1)
  redis.call('hincrby', KEYS[7], 'sum_us', ARGV[10])
end
return 1
"""

_RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0
"""


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:24]


@dataclass
class Lease:
    """What `locked` read for one hop, and its hold on the session."""

    held: bool  # False: a resent twin of this hop is being answered right now
    cached: str | None  # the answer already given to this exact hop
    session: Session | None
    session_raw: bytes | None  # the session as stored, for a hop answered again from the start
    resume_raw: bytes | None  # the phone's resume snapshot, as stored
    opening: dict | None  # the resume offer this session's first hop showed, if it showed one
    session_id: str
    phone: str
    key: str
    token: str
    released: bool = False


class SessionStore:
    def __init__(self, client: redis.Redis, session_ttl: int = 300, resume_ttl: int = 600):
        self.redis = client
        self.session_ttl = session_ttl
        self.resume_ttl = resume_ttl
        self._release = client.register_script(_RELEASE)
        self._lock_and_load = client.register_script(_LOCK_AND_LOAD)
        self._save = client.register_script(_SAVE)

    # A phone (E.164) holds no ":", so "<phone>:<session id>" names one pair only.
    @staticmethod
    def session_key(session_id: str, phone: str) -> str:
        return f"ussd:s:{phone}:{session_id}"

    @staticmethod
    def lock_key(session_id: str, phone: str) -> str:
        return f"ussd:lock:{phone}:{session_id}"

    @staticmethod
    def _reply_key(session_id: str, phone: str, text: str) -> str:
        return f"ussd:r:{phone}:{session_id}:{_digest(text)}"

    @staticmethod
    def _opening_key(session_id: str, phone: str) -> str:
        return f"ussd:o:{phone}:{session_id}"

    @staticmethod
    def _resume_key(phone: str) -> str:
        return f"ussd:resume:{phone}"

    @classmethod
    def phone_key_patterns(cls, phone: str) -> tuple[str, ...]:
        """Glob patterns matching every key kept for `phone` (to forget her on request)."""
        return f"ussd:*:{phone}:*", cls._resume_key(phone)

    def cached_reply(self, session_id: str, phone: str, text: str) -> str | None:
        raw = self.redis.get(self._reply_key(session_id, phone, text))
        return raw.decode("utf-8") if raw else None

    @staticmethod
    def resumable(lease: Lease) -> dict | None:
        """The snapshot of this phone's dropped session, unless it is this very session."""
        if not lease.resume_raw:
            return None
        saved = json.loads(lease.resume_raw)
        return None if saved.get("session_id") == lease.session_id else saved

    def save(self, session: Session, wire_reply: str, resume_snapshot: dict | None,
             release: Lease | None = None, opening: dict | None = None,
             counts: tuple[str, str, int] | None = None) -> None:
        """Store the session, the answer to this hop and the resume snapshot atomically.

        With `release`, free the session's lock in the same call (a hop with nothing to commit).
        `opening` is the resume offer a first hop shows: kept for the session's life, so a rebuild
        replays the session's inputs from that offer, as they were typed. `counts` (the hop's
        /metrics increments, ussd_app.ops.hops) are added in the same call.
        """
        if session.ended and SECRET_MASK not in session.text:
            session_json = ""
        else:  # kept when its text hides a PIN: a resent last hop is matched through it
            session_json = json.dumps(session.to_dict())
        resume_json = ""
        if resume_snapshot is not None:
            resume_json = json.dumps(dict(resume_snapshot, session_id=session.id, lang=session.lang))
        kind, bucket, micros = counts or ("", "", 0)
        self._save(
            keys=[self._reply_key(session.id, session.phone, session.text),
                  self.session_key(session.id, session.phone), self._resume_key(session.phone),
                  release.key if release else "", self._opening_key(session.id, session.phone),
                  HOPS_KEY, LATENCY_KEY],
            args=[wire_reply, session_json, resume_json, self.session_ttl, self.resume_ttl,
                  release.token if release else "", json.dumps(opening) if opening else "",
                  kind, bucket, micros])
        if release is not None:
            release.released = True

    def forget(self, session: Session) -> None:
        """Drop what `save` stored for this hop (its database commit failed): the next hop rebuilds."""
        self.redis.delete(self._reply_key(session.id, session.phone, session.text),
                          self.session_key(session.id, session.phone))

    @contextmanager
    def locked(self, session_id: str, phone: str, text: str):
        """Yield a `Lease`: the session's lock (if free) and what the hop reads, in one round trip.

        The lock is released when the block ends, unless `save` released it already.
        """
        key, token = self.lock_key(session_id, phone), secrets.token_hex(8)
        got, reply, raw, resume_raw, opening = self._lock_and_load(
            keys=[key, self._reply_key(session_id, phone, text), self.session_key(session_id, phone),
                  self._resume_key(phone), self._opening_key(session_id, phone)],
            args=[token, LOCK_MS])
        lease = None
        try:
            lease = Lease(held=bool(got), cached=reply.decode("utf-8") if reply else None,
                          session=Session.from_dict(json.loads(raw)) if raw else None,
                          session_raw=raw, resume_raw=resume_raw, opening=json.loads(opening) if opening else None,
                          session_id=session_id, phone=phone, key=key, token=token)
            yield lease
        finally:
            if got and not (lease and lease.released):
                self._release(keys=[key], args=[token])
