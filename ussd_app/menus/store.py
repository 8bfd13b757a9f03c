"""USSD state in Redis: sessions, the replay cache, resume snapshots, and a per-session lock.

Everything here may vanish (flush, restart): a lost session is rebuilt from the gateway's
`text`, a lost replay cache only costs a recomputation whose effects are idempotent.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from contextlib import contextmanager

import redis

from ussd_app.menus.engine import SECRET_MASK, Session

# Longer than a hop can take at worst (database and Redis timeouts included), so a slow hop is
# never joined by its resent twin; a hop killed outright frees the session when this runs out.
LOCK_MS = 15000

# Take the session's lock and read this hop's cached answer and the stored session: one round
# trip for what every hop needs first. KEYS: lock, reply, session; ARGV: token, lock ms.
_LOCK_AND_LOAD = """
local got = redis.call('set', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2])
local values = redis.call('mget', KEYS[2], KEYS[3])
return {got and 1 or 0, values[1], values[2]}
"""

_RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0
"""


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:24]


class SessionStore:
    def __init__(self, client: redis.Redis, session_ttl: int = 300, resume_ttl: int = 600):
        self.redis = client
        self.session_ttl = session_ttl
        self.resume_ttl = resume_ttl
        self._release = client.register_script(_RELEASE)
        self._lock_and_load = client.register_script(_LOCK_AND_LOAD)

    @staticmethod
    def _session_key(session_id: str) -> str:
        return f"ussd:s:{session_id}"

    @staticmethod
    def _reply_key(session_id: str, text: str) -> str:
        return f"ussd:r:{session_id}:{_digest(text)}"

    @staticmethod
    def _resume_key(phone: str) -> str:
        return f"ussd:resume:{phone}"

    def cached_reply(self, session_id: str, text: str) -> str | None:
        raw = self.redis.get(self._reply_key(session_id, text))
        return raw.decode("utf-8") if raw else None

    def resumable(self, phone: str, session_id: str) -> dict | None:
        raw = self.redis.get(self._resume_key(phone))
        if not raw:
            return None
        saved = json.loads(raw)
        return None if saved.get("session_id") == session_id else saved

    def save(self, session: Session, wire_reply: str, resume_snapshot: dict | None) -> None:
        """Store the session, the answer to this hop and the resume snapshot atomically."""
        pipe = self.redis.pipeline(transaction=True)
        pipe.set(self._reply_key(session.id, session.text), wire_reply, ex=self.session_ttl)
        if session.ended and SECRET_MASK not in session.text:
            pipe.delete(self._session_key(session.id))
        else:  # kept when its text hides a PIN: a resent last hop is matched through it
            pipe.set(self._session_key(session.id), json.dumps(session.to_dict()), ex=self.session_ttl)
        if resume_snapshot is not None:
            payload = dict(resume_snapshot, session_id=session.id, lang=session.lang)
            pipe.set(self._resume_key(session.phone), json.dumps(payload), ex=self.resume_ttl)
        else:
            pipe.delete(self._resume_key(session.phone))
        pipe.execute()

    def forget(self, session: Session) -> None:
        """Drop what `save` stored for this hop (its database commit failed): the next hop rebuilds."""
        self.redis.delete(self._reply_key(session.id, session.text), self._session_key(session.id))

    @contextmanager
    def locked(self, session_id: str, text: str):
        """Yield (holder, cached answer to this exact hop, stored session), read in one round trip.

        `holder` is True if this hop holds the session, False if a twin of it is being answered;
        the lock is released when the block ends.
        """
        key, token = f"ussd:lock:{session_id}", secrets.token_hex(8)
        got, reply, raw = self._lock_and_load(
            keys=[key, self._reply_key(session_id, text), self._session_key(session_id)],
            args=[token, LOCK_MS])
        try:
            session = Session.from_dict(json.loads(raw)) if raw else None
            yield bool(got), (reply.decode("utf-8") if reply else None), session
        finally:
            if got:
                self._release(keys=[key], args=[token])
