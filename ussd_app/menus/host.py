"""One USSD hop end to end: lock, replay cache, session, step, effects, store, answer."""

from __future__ import annotations

import logging
import time
import traceback

from redis.exceptions import RedisError
from sqlalchemy.exc import SQLAlchemyError

from ussd_app.clock import Clock, system_now
from ussd_app.menus.engine import (RESUME, Ctx, Hop, StepResult, is_resumable, mask, mask_like,
                                   open_session, replay, snapshot, step)
from ussd_app.menus.render import BODY_LIMIT, text_of
from ussd_app.menus.store import SessionStore
from ussd_app.ops import hops
from ussd_app.sms.handoff import enqueue_outbox
from ussd_app.sms.outbox import take_new_outbox_ids
from ussd_app.subscribers import find_by_phone, starting_language
from ussd_app.text.i18n import LANGUAGES, N_

log = logging.getLogger(__name__)

UNAVAILABLE = N_("Sorry, the service is not available right now. Please try again in a few minutes.")
BUSY = N_("Your previous request is still being handled. Please dial again.")

# A resent twin waits for the first copy's answer; a gateway gives up on a hop after about
# 10 s (FIELD.md), so waiting longer helps nobody. The twin takes over if the lock frees first.
TWIN_WAIT_S = 10.0
TWIN_POLL_S = 0.02


def redacted_traceback(exc: BaseException) -> str:
    """Where an error happened, without its message: messages can quote the caller's input."""
    frames = traceback.extract_tb(exc.__traceback__)
    where = " <- ".join(f"{f.filename.rsplit('/', 1)[-1]}:{f.lineno} {f.name}" for f in reversed(frames))
    return f"{type(exc).__name__} at {where}"


def new_input(previous_text: str, text: str) -> str | None:
    """What this hop's `text` adds to the previous one's, or None if it does not extend it."""
    if previous_text == "":
        return text if text != "" else None
    if text.startswith(previous_text + "*"):
        return text[len(previous_text) + 1:]
    return None


def split_inputs(text: str) -> list[str]:
    return text.split("*") if text else []


def end_answer(message: str = UNAVAILABLE, lang: str | None = None) -> str:
    """An END in the caller's language, or in both when it is not known."""
    if lang in LANGUAGES:
        return "END " + text_of(lang, message)
    both = "\n".join(text_of(code, message) for code in LANGUAGES)
    return "END " + both[:BODY_LIMIT]


class UssdHost:
    def __init__(self, registry, store: SessionStore, session_factory, settings=None,
                 clock: Clock = system_now):
        self.registry = registry
        self.store = store
        self.session_factory = session_factory
        self.settings = settings
        self.clock = clock

    @hops.counted(end_answer, UNAVAILABLE, BUSY)  # /metrics: answers by kind, latency
    def answer(self, session_id: str, phone: str, text: str) -> str:
        """The wire answer ("CON …" / "END …") for one gateway callback. Never raises."""
        lang = None
        try:
            deadline = time.monotonic() + TWIN_WAIT_S
            while True:
                with self.store.locked(session_id, phone, text) as lease:
                    cached = self._lookup(lease, text)
                    if cached is not None:
                        return cached
                    if lease.held:
                        lang = lease.session.lang if lease.session else None
                        return self._advance(lease, phone, text)
                # A resent twin of a hop being answered right now: wait for that answer, or
                # take over when the first one failed and released the lock.
                if time.monotonic() >= deadline:
                    return self._end(BUSY, None, phone)
                time.sleep(TWIN_POLL_S)
        except RedisError as exc:
            log.warning("ussd: redis unavailable (%s): polite END", type(exc).__name__)
            return self._end(UNAVAILABLE, lang, phone)
        except SQLAlchemyError as exc:
            log.warning("ussd: database unavailable (%s): polite END", type(exc).__name__)
            return self._end(UNAVAILABLE, lang, phone, ask_database=False)
        except Exception as exc:  # a bug must still give the caller a proper END, never an error page
            log.error("ussd: unexpected error at session=%s: %s", session_id, redacted_traceback(exc))
            return self._end(UNAVAILABLE, lang, phone)

    def _lookup(self, lease, text: str) -> str | None:
        """The answer already given to this exact hop, if any; drops a stored session it cannot use."""
        session, cached = lease.session, lease.cached
        if cached is None and session is not None:
            # A PIN is kept masked in Redis: the stored text and cache key hide it.
            masked = mask_like(session.text, text)
            if masked != text:
                cached = self.store.cached_reply(lease.session_id, masked)
        if session is not None and session.screen not in self.registry:
            lease.session = None  # stored by a release that had this screen: rebuild from `text`
        return cached

    def _advance(self, lease, phone, text) -> str:
        session_id, session = lease.session_id, lease.session
        now = self.clock()
        saved = None
        try:
            with self.session_factory() as db, db.begin():
                ctx = Ctx(db, now, self.settings)
                masked = mask_like(session.text, text) if session is not None else text
                added = new_input(session.text, masked) if session is not None else None
                if session is not None and added is not None and not session.ended:
                    secret = self.registry[session.screen].secret
                    result = step(self.registry, ctx, session, added)
                    kept = masked[:len(masked) - len(added)]
                    result.session.text = kept + (mask(added) if secret else added)
                else:
                    result = self._rebuild(ctx, db, lease, phone, text)
                # The hop's number is the count of inputs in `text`: the same for a resent hop
                # and for a replayed session, so effects keyed on it apply once.
                hop = Hop(session_id, phone, len(split_inputs(text)), now)
                for effect in result.effects:
                    effect.apply(db, hop)
                db.flush()
                wire = result.reply.wire()
                # Redis before the commit: if Redis fails, the transaction rolls back and the
                # caller is told to try again with nothing written. A hop that writes nothing
                # frees the session in the same call; one that writes frees it after the commit.
                self.store.save(result.session, wire, self._resume_point(result),
                                release=None if result.effects else lease)
                saved = result.session
                new_sms = take_new_outbox_ids(db)
        except SQLAlchemyError:
            if saved is not None:  # the commit failed after Redis was told: forget that answer
                try:
                    self.store.forget(saved)
                except RedisError:
                    pass  # Redis went too: the stored session expires with its TTL
            raise
        if new_sms:  # after the commit: one Redis round trip, and only when the hop queued SMS
            enqueue_outbox(self.store.redis, new_sms)
        log.info("ussd hop session=%s hop=%d screen=%s", session_id, hop.index, result.session.screen)
        return wire

    def _rebuild(self, ctx, db, lease, phone, text) -> StepResult:
        session_id = lease.session_id
        lang = starting_language(db, phone, session_id)
        inputs = split_inputs(text)
        if inputs:
            log.info("ussd: rebuilding session=%s from %d inputs", session_id, len(inputs))
            return replay(self.registry, ctx, session_id, phone, lang, inputs, text)
        resumable = self.store.resumable(lease) if lang else None
        if resumable is not None and resumable.get("screen") not in self.registry:
            resumable = None
        return open_session(self.registry, ctx, session_id, phone, lang, resumable)

    def _resume_point(self, result: StepResult) -> dict | None:
        s = result.session
        if s.screen == RESUME:
            return s.data.get("_resume")  # still on offer: keep it for the next dial
        return snapshot(s) if is_resumable(self.registry, s) else None

    def _end(self, message: str, lang: str | None, phone: str, ask_database: bool = True) -> str:
        if lang is None and ask_database:
            lang = self._stored_language(phone)
        return end_answer(message, lang)

    def _stored_language(self, phone: str) -> str | None:
        try:
            with self.session_factory() as db:
                subscriber = find_by_phone(db, phone)
                return subscriber.language if subscriber else None
        except SQLAlchemyError:
            return None
