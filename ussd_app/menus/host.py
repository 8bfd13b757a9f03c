"""One USSD hop end to end: lock, replay cache, session, step, effects, store, answer.

Every callback is answered within the hop deadline (`USSD_HOP_DEADLINE`, well under the
gateway's ~10 s): the hop runs in a thread of its own, and when it is late the caller gets a
polite END in her language, and the hop, if it has not begun to store its result, writes nothing.
Those threads are kept for the next hop (`HopThreads`): starting one per hop was a tenth of it.
"""

from __future__ import annotations

import json
import logging
import queue
import threading
import time
import traceback

from redis.exceptions import RedisError
from sqlalchemy.exc import SQLAlchemyError

from ussd_app.clock import Clock, system_now
from ussd_app.effects import Hop, StaleStep
from ussd_app.menus.engine import (
    RESUME,
    Ctx,
    Session,
    StepResult,
    is_resumable,
    replay,
    snapshot,
    step,
)
from ussd_app.menus.masking import mask, mask_like
from ussd_app.menus.render import BODY_LIMIT, in_each_language, text_of
from ussd_app.menus.store import SessionStore
from ussd_app.ops import hops
from ussd_app.sms.blocklist import is_blocked
from ussd_app.sms.handoff import enqueue_outbox
from ussd_app.sms.outbox import take_new_outbox_ids
from ussd_app.subscribers import find_by_phone, starting_language
from ussd_app.text.i18n import LANGUAGES, N_

log = logging.getLogger(__name__)

UNAVAILABLE = N_("Sorry, the service is not available right now. Please try again in a few minutes.")
BUSY = N_("Your previous request is still being handled. Please dial again.")
# Her data was erased on request (ussd_app.clinic.erasure): the number is served no more, and no
# new record is made for it; the operator may give it to someone new (`people unblock`).
ERASED = N_("Erased on request: this number is no longer served. Ask your CSCom.")

DEFAULT_DEADLINE_S = 5.0
# A hop found storing its result when the deadline comes is given this long to finish: its
# answer is then the true one (the data behind it is committed), not "not available".
COMMIT_GRACE_S = 1.0
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
    """An END in the caller's language, or in each that fits when it is not known."""
    if lang in LANGUAGES:
        return "END " + text_of(lang, message)
    return "END " + in_each_language(message, BODY_LIMIT)[:BODY_LIMIT]


class HopAbandoned(Exception):
    """The hop passed its deadline before storing anything: it is rolled back."""


class HopThreads:
    """Daemon threads that run hops, kept idle between hops instead of started for each.

    A hop never waits for a thread: when none is idle a new one starts, so a hop stuck on a
    server that never answers holds only its own thread (it ends with its connection's timeouts,
    or with the process). At most `keep` idle threads are kept; any more end after their hop.
    """

    def __init__(self, keep: int = 4) -> None:
        self.keep = keep
        self._idle: list[queue.SimpleQueue] = []
        self._guard = threading.Lock()

    def run(self, target, *args) -> None:
        with self._guard:
            inbox = self._idle.pop() if self._idle else None
        if inbox is None:
            inbox = queue.SimpleQueue()
            threading.Thread(target=self._serve, args=(inbox,), daemon=True, name="ussd-hop").start()
        inbox.put((target, args))

    def _serve(self, inbox: queue.SimpleQueue) -> None:
        while True:
            target, args = inbox.get()
            try:
                target(*args)
            except BaseException:  # the target answers its own errors; a thread must not die holding none
                log.exception("ussd: hop thread error")
            with self._guard:
                if len(self._idle) >= self.keep:
                    return
                self._idle.append(inbox)


class HopRun:
    """One callback being answered: shared by the request's thread and the hop's thread."""

    def __init__(self, tally=None) -> None:
        self.tally = tally  # its /metrics count (ussd_app.ops.hops), written with its store if it can
        self.lang: str | None = None  # the caller's language, once known
        self.answer: str | None = None
        self.done = threading.Event()
        self.own_transaction_used = False
        self._guard = threading.Lock()
        self._abandoned = False
        self._storing = False

    def may_store(self) -> bool:
        """Called by the hop before it stores its result: False once it is abandoned."""
        with self._guard:
            self._storing = not self._abandoned
            return self._storing

    def abandon(self) -> bool:
        """Called at the deadline: True if the hop will store nothing from now on."""
        with self._guard:
            self._abandoned = not self._storing
            return self._abandoned


class UssdHost:
    def __init__(self, registry, store: SessionStore, session_factory, settings=None,
                 clock: Clock = system_now):
        self.registry = registry
        self.store = store
        self.session_factory = session_factory
        self.settings = settings
        self.clock = clock
        self.deadline_s = getattr(settings, "hop_deadline_seconds", DEFAULT_DEADLINE_S)
        self.threads = HopThreads()

    @hops.counted(end_answer, UNAVAILABLE, BUSY)  # /metrics: answers by kind, latency
    def answer(self, session_id: str, phone: str, text: str, tally=None) -> str:
        """The wire answer ("CON …" / "END …") for one gateway callback. Never raises, never late."""
        run = HopRun(tally)
        self.threads.run(self._run, run, session_id, phone, text)
        if not run.done.wait(self.deadline_s):
            if not run.abandon():  # already storing its result: that answer is the true one
                run.done.wait(COMMIT_GRACE_S)
            if not run.done.is_set():
                log.warning("ussd: hop over its %.1f s deadline at session=%s: polite END",
                            self.deadline_s, session_id)
                return end_answer(UNAVAILABLE, run.lang)
        return run.answer or end_answer(UNAVAILABLE, run.lang)

    def _run(self, run: HopRun, session_id: str, phone: str, text: str) -> None:
        try:
            run.answer = self._answer(run, session_id, phone, text)
        finally:
            run.done.set()

    def _answer(self, run: HopRun, session_id: str, phone: str, text: str) -> str:
        try:
            # A resent twin waits for the first copy's answer (the lock frees when it is
            # stored), or takes over if the first copy failed; never past the deadline.
            twin_deadline = time.monotonic() + max(self.deadline_s - COMMIT_GRACE_S, TWIN_POLL_S)
            while True:
                with self.store.locked(session_id, phone, text) as lease:
                    cached = self._lookup(lease, text)
                    if cached is not None:
                        return cached
                    if lease.held:
                        run.lang = lease.session.lang if lease.session else None
                        return self._advance(run, lease, phone, text)
                if time.monotonic() >= twin_deadline:
                    return self._end(BUSY, None, phone)
                time.sleep(TWIN_POLL_S)
        except HopAbandoned:
            return end_answer(UNAVAILABLE, run.lang)  # nobody reads it: the caller had her END
        except RedisError as exc:
            log.warning("ussd: redis unavailable (%s): polite END", type(exc).__name__)
            return self._end(UNAVAILABLE, run.lang, phone)
        except SQLAlchemyError as exc:
            log.warning("ussd: database unavailable (%s): polite END", type(exc).__name__)
            return self._end(UNAVAILABLE, run.lang, phone, ask_database=False)
        except Exception as exc:  # a bug must still give the caller a proper END, never an error page
            log.error("ussd: unexpected error at session=%s: %s", session_id, redacted_traceback(exc))
            return self._end(UNAVAILABLE, run.lang, phone)

    def _lookup(self, lease, text: str) -> str | None:
        """The answer already given to this exact hop, if any; drops a stored session it cannot use."""
        session, cached = lease.session, lease.cached
        if cached is None and session is not None:
            # A PIN is kept masked in Redis: the stored text and cache key hide it.
            masked = mask_like(session.text, text)
            if masked != text:
                cached = self.store.cached_reply(lease.session_id, lease.phone, masked)
        if session is not None and session.screen not in self.registry:
            lease.session = None  # stored by a release that had this screen: rebuild from `text`
        return cached

    def _advance(self, run: HopRun, lease, phone: str, text: str) -> str:
        stored = lease.session_raw if lease.session is not None else None
        try:
            return self._advance_once(run, lease, phone, text)
        except StaleStep:
            # Another session changed what this hop read (e.g. corrected the same entry): all
            # of it was rolled back; answer again from the same session, on fresh data.
            log.info("ussd: data changed under the hop at session=%s: answered again", lease.session_id)
            lease.session = Session.from_dict(json.loads(stored)) if stored is not None else None
            return self._advance_once(run, lease, phone, text)

    def _own_transaction(self, run: HopRun):
        def open_once():
            if run.own_transaction_used:  # a PIN is checked at most once per request
                raise RuntimeError("a second counted write in one request")
            run.own_transaction_used = True
            return self.session_factory.begin()

        return open_once

    def _advance_once(self, run: HopRun, lease, phone: str, text: str) -> str:
        session_id, session = lease.session_id, lease.session
        now = self.clock()
        saved = None
        try:
            with self.session_factory() as db, db.begin():
                masked = mask_like(session.text, text) if session is not None else text
                added = new_input(session.text, masked) if session is not None else None
                opening = None
                if session is not None and added is not None and not session.ended:
                    ctx = Ctx(db, now, self.settings, self._own_transaction(run))
                    secret = self.registry[session.screen].secret
                    result = step(self.registry, ctx, session, added)
                    kept = masked[:len(masked) - len(added)]
                    result.session.text = kept + (mask(added) if secret else added)
                else:  # no PIN is ever checked from replayed input: no own transaction here
                    if is_blocked(db, phone):  # checked when a session starts or is rebuilt
                        return end_answer(ERASED)
                    result, opening = self._rebuild(Ctx(db, now, self.settings), db, lease, phone, text)
                run.lang = result.session.lang
                # The hop's number is the count of inputs in `text`: the same for a resent hop
                # and for a replayed session, so effects keyed on it apply once.
                hop = Hop(session_id, phone, len(split_inputs(text)), now)
                for effect in result.effects:
                    effect.apply(db, hop)
                db.flush()
                wire = result.reply.wire()
                if not run.may_store():
                    raise HopAbandoned()
                # Redis before the commit: if Redis fails, the transaction rolls back and the
                # caller is told to try again with nothing written. A hop that writes nothing
                # frees the session in the same call, and adds its /metrics counts there too; one
                # that writes frees it after the commit, and is counted once it is answered.
                counts = None if result.effects or run.tally is None else run.tally.claim(wire)
                try:
                    self.store.save(result.session, wire, self._resume_point(result),
                                    release=None if result.effects else lease, opening=opening,
                                    counts=counts)
                except BaseException:
                    if counts is not None:
                        run.tally.unclaim()  # not written: counted with the answer given instead
                    raise
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

    def _rebuild(self, ctx, db, lease, phone, text) -> tuple[StepResult, dict | None]:
        """The session replayed from `text`, and the resume offer to keep if its first hop shows one."""
        session_id = lease.session_id
        lang = starting_language(db, phone, session_id)
        inputs = split_inputs(text)
        opening, new_opening = lease.opening, None
        if opening is None and not inputs and lang:
            opening = new_opening = self.store.resumable(lease)
        if inputs:
            log.info("ussd: rebuilding session=%s from %d inputs", session_id, len(inputs))
        result = replay(self.registry, ctx, session_id, phone, lang, inputs, opening)
        return result, (new_opening if result.session.screen == RESUME else None)

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
