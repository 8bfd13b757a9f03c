"""One USSD hop end to end: lock, replay cache, session, step, effects, store, answer."""

from __future__ import annotations

import logging
from datetime import datetime, timezone
from typing import Callable

from redis.exceptions import RedisError
from sqlalchemy.exc import SQLAlchemyError

from ussd_app.menus.engine import (RESUME, Ctx, Hop, StepResult, is_resumable, open_session,
                                   replay, snapshot, step)
from ussd_app.menus.render import text_of
from ussd_app.menus.store import SessionStore
from ussd_app.subscribers import find_by_phone, starting_language
from ussd_app.text.i18n import LANGUAGES, N_

log = logging.getLogger(__name__)

UNAVAILABLE = N_("Sorry, the service is not available right now. Please try again in a few minutes.")
BUSY = N_("Your previous request is still being handled. Please dial again.")


def new_input(previous_text: str, text: str) -> str | None:
    """What this hop's `text` adds to the previous one's, or None if it does not extend it."""
    if previous_text == "":
        return text if text != "" else None
    if text.startswith(previous_text + "*"):
        return text[len(previous_text) + 1:]
    return None


def split_inputs(text: str) -> list[str]:
    return text.split("*") if text else []


class UssdHost:
    def __init__(self, registry, store: SessionStore, session_factory, settings=None,
                 clock: Callable[[], datetime] | None = None):
        self.registry = registry
        self.store = store
        self.session_factory = session_factory
        self.settings = settings
        self.clock = clock or (lambda: datetime.now(timezone.utc))

    def answer(self, session_id: str, phone: str, text: str) -> str:
        """The wire answer ("CON …" / "END …") for one gateway callback. Never raises."""
        lang = None
        try:
            with self.store.lock(session_id) as holder:
                if not holder:  # a resent twin of a hop that is being answered right now
                    return self.store.wait_for_reply(session_id, text) or self._end(BUSY, None, phone)
                cached, session = self.store.load(session_id, text)
                if cached is not None:
                    return cached
                lang = session.lang if session else None
                result = self._advance_and_apply(session_id, phone, text, session)
                wire = result.reply.wire()
                self.store.save(result.session, wire, self._resume_point(result))
                log.info("ussd hop session=%s hop=%d screen=%s", session_id,
                         len(result.session.inputs), result.session.screen)
                return wire
        except RedisError as exc:
            log.warning("ussd: redis unavailable (%s): polite END", type(exc).__name__)
            return self._end(UNAVAILABLE, lang, phone)
        except SQLAlchemyError as exc:
            log.warning("ussd: database unavailable (%s): polite END", type(exc).__name__)
            return self._end(UNAVAILABLE, lang, phone, ask_database=False)
        except Exception:  # a bug must still give the caller a proper END, never an error page
            log.exception("ussd: unexpected error at session=%s", session_id)
            return self._end(UNAVAILABLE, lang, phone)

    def _advance_and_apply(self, session_id, phone, text, session) -> StepResult:
        now = self.clock()
        with self.session_factory() as db, db.begin():
            ctx = Ctx(db, now, self.settings)
            added = new_input(session.text, text) if session is not None else None
            if session is not None and added is not None and not session.ended:
                result = step(self.registry, ctx, session, added)
            else:
                result = self._rebuild(ctx, db, session_id, phone, text)
            result.session.text = text
            hop = Hop(session_id, phone, len(result.session.inputs), now)
            for effect in result.effects:
                effect.apply(db, hop)
        return result

    def _rebuild(self, ctx, db, session_id, phone, text) -> StepResult:
        lang = starting_language(db, phone, session_id)
        inputs = split_inputs(text)
        if inputs:
            log.info("ussd: rebuilding session=%s from %d inputs", session_id, len(inputs))
            return replay(self.registry, ctx, session_id, phone, lang, inputs, text)
        resumable = self.store.resumable(phone, session_id) if lang else None
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
        if lang in LANGUAGES:
            return "END " + text_of(lang, message)
        both = "\n".join(text_of(code, message) for code in LANGUAGES)
        return "END " + both[:156]

    def _stored_language(self, phone: str) -> str | None:
        try:
            with self.session_factory() as db:
                subscriber = find_by_phone(db, phone)
                return subscriber.language if subscriber else None
        except SQLAlchemyError:
            return None
