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

    @staticmethod
    def _session_key(session_id: str) -> str:
        return f"ussd:s:{session_id}"

    @staticmethod
    def _reply_key(session_id: str, text: str) -> str:
        return f"ussd:r:{session_id}:{_digest(text)}"

    @staticmethod
    def _resume_key(phone: str) -> str:
        return f"ussd:resume:{phone}"

    def load(self, session_id: str, text: str) -> tuple[str | None, Session | None]:
        """The cached answer for this exact hop, and the stored session, in one round trip."""
        reply, raw = self.redis.mget(self._reply_key(session_id, text), self._session_key(session_id))
        session = Session.from_dict(json.loads(raw)) if raw else None
        return (reply.decode("utf-8") if reply else None), session

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
    def lock(self, session_id: str):
        """Yield True if this hop holds the session; False if a twin of it is being answered."""
        key, token = f"ussd:lock:{session_id}", secrets.token_hex(8)
        got = bool(self.redis.set(key, token, nx=True, px=LOCK_MS))
        try:
            yield got
        finally:
            if got:
                self._release(keys=[key], args=[token])
