"""Walk every reachable screen of the real menu graph, in both languages, through the webhook.

Starting from the demo data, the walk dials from a phone the service has never seen and from
every phone a flow module lists (`walk_phones(db)`), then presses on every state it reaches:
each option number, each Prompt's `examples` (and the flow's `walk_answers`), `98`, `0`, `00`
and, on lists, one invalid choice. Every answer must be a proper USSD screen: 200, text/plain,
`CON `/`END `, at most 160 characters, GSM-7 only. At the end every screen of the registry
(branches excepted: they are never shown) must have been seen.

States are (phone, language, screen, page); a state is expanded once. To try several keys on
the same state, the walk parks a session on it and forks it: the stored session is copied to a
new session id, as if the caller had dialled again and got there. The number of hops is capped.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import logging
import uuid
from collections import deque
from dataclasses import dataclass, field

import pytest

from tests.menus.test_engine import toy_app  # noqa: F401  (fixture)
from ussd_app.demo import load_demo
from ussd_app.menus import flow_modules
from ussd_app.menus.engine import CHOOSE_LANGUAGE, MAIN, RESUME, Ctx, Session, step
from ussd_app.menus.render import SCREEN_LIMIT
from ussd_app.menus.screens import Branch, Choice, Menu, Numbered, Prompt
from ussd_app.menus.store import SessionStore
from ussd_app.subscribers import Subscriber, find_by_phone
from ussd_app.text.gsm import is_gsm
from ussd_app.text.i18n import LANGUAGES


@pytest.fixture
def settings(settings):
    """The walk forks stored sessions for minutes on a loaded machine: they must outlive it."""
    return dataclasses.replace(settings, session_ttl_seconds=3600)

FRESH_PHONE = "+22399000001"  # nobody in the demo data
MAX_HOPS = 14000  # a runaway guard: the walk of every screen takes about 9000
MAX_DEPTH = 14
SERVICE = "*384*123#"


def number_of(item) -> str:
    """The key an option is chosen with: its number ("5 My group", "07 Awa T.")."""
    if isinstance(item, Numbered):
        return str(item.number)
    return item.text.split(" ", 1)[0]


@dataclass(frozen=True)
class State:
    phone: str
    lang: str | None
    screen: str
    page: int


@dataclass
class Node:
    sid: str  # a session parked on this state: never advanced, only forked
    text: str
    state: State
    depth: int


@dataclass
class Walk:
    app: object
    client: object
    redis: object
    registry: object
    answers: dict[str, list[str]]
    caplog: object
    hops: int = 0
    seen_screens: set[str] = field(default_factory=set)
    expanded: set[State] = field(default_factory=set)
    problems: list[str] = field(default_factory=list)
    resume_paths: dict[str, str] = field(default_factory=dict)  # phone -> keys to a resumable screen

    # -- one gateway callback -------------------------------------------------------------
    def call(self, sid: str, phone: str, text: str, where: str) -> str | None:
        self.hops += 1
        logged = len(self.caplog.records)
        response = self.client.post("/ussd", data={"sessionId": sid, "serviceCode": SERVICE,
                                                   "phoneNumber": phone, "text": text})
        body = response.get_data(as_text=True)
        # A crash or an outage answers a polite END: proper on the wire, but not a screen.
        trouble = [r.getMessage() for r in self.caplog.records[logged:]
                   if r.levelno >= logging.WARNING]
        problem = None
        if trouble:
            problem = "; ".join(trouble)
        elif response.status_code != 200:
            problem = f"HTTP {response.status_code}"
        elif response.content_type != "text/plain; charset=utf-8":
            problem = f"content type {response.content_type}"
        elif not body.startswith(("CON ", "END ")):
            problem = "not CON/END"
        elif len(body) > SCREEN_LIMIT:
            problem = f"{len(body)} characters"
        elif not is_gsm(body):
            problem = "characters outside GSM-7: " + "".join(sorted({c for c in body if not is_gsm(c)}))
        if problem:
            self.problems.append(f"{where} [{phone} text={text!r}]: {problem}\n{body}")
            return None
        return body

    # -- sessions in Redis ------------------------------------------------------------------
    def stored(self, sid: str, phone: str) -> Session | None:
        raw = self.redis.get(SessionStore.session_key(sid, phone))
        return Session.from_dict(json.loads(raw)) if raw else None

    def fork(self, node: Node) -> str:
        new = "walk-" + uuid.uuid4().hex[:12]
        phone = node.state.phone
        raw = json.loads(self.redis.get(SessionStore.session_key(node.sid, phone)))
        raw["id"] = new
        self.redis.set(SessionStore.session_key(new, phone), json.dumps(raw), ex=600)
        return new

    def predict(self, session: Session, key: str) -> str:
        """The screen a key leads to (for END screens, whose session Redis does not keep)."""
        with self.app.extensions["db_sessions"]() as db:
            ctx = Ctx(db, self.app.extensions["clock"](), self.app.extensions["ussd_settings"])
            try:
                return step(self.registry, ctx, copy.deepcopy(session), key).session.screen
            except Exception as exc:  # the hop itself will show what goes wrong
                return f"<{type(exc).__name__}>"
            finally:
                db.rollback()

    # -- what to press on a state -----------------------------------------------------------
    def keys_for(self, session: Session) -> list[str]:
        screen = self.registry[session.screen]
        keys: list[str] = []
        if not isinstance(screen, Prompt):
            with self.app.extensions["db_sessions"]() as db:
                view = screen.view(Ctx(db, self.app.extensions["clock"](), self.app.extensions["ussd_settings"]), session)
            keys += [number_of(item) for item in view.items]  # the numbers a caller sees
        else:
            keys += list(screen.examples(self.app.extensions["clock"]()))
        keys += self.answers.get(session.screen, [])
        if isinstance(screen, (Menu, Choice)) or session.screen in (CHOOSE_LANGUAGE, RESUME):
            keys.append("97")  # an invalid choice: the hint screen must fit too
        keys += ["98", "0", "00"]
        return list(dict.fromkeys(keys))

    # -- the walk -----------------------------------------------------------------------------
    def dial(self, phone: str) -> Node | None:
        self.redis.delete(f"ussd:resume:{phone}")
        sid = "walk-" + uuid.uuid4().hex[:12]
        body = self.call(sid, phone, "", "first dial")
        session = self.stored(sid, phone)
        if body is None or session is None:
            return None
        self.seen_screens.add(session.screen)
        return Node(sid, "", State(phone, session.lang, session.screen, session.page), 0)

    def explore(self, root: Node) -> None:
        todo = deque([root])
        while todo and self.hops < MAX_HOPS:
            node = todo.popleft()
            if node.state in self.expanded or node.depth >= MAX_DEPTH:
                continue
            self.expanded.add(node.state)
            parked = self.stored(node.sid, node.state.phone)
            if parked is None:
                continue
            for key in self.keys_for(parked):
                if self.hops >= MAX_HOPS:
                    break
                target = self.predict(parked, key)
                sid = self.fork(node)
                text = f"{node.text}*{key}" if node.text else key
                body = self.call(sid, node.state.phone, text, f"{node.state.screen} + {key!r}")
                if body is None:
                    continue
                session = self.stored(sid, node.state.phone)
                screen = session.screen if session is not None else target
                self.seen_screens.add(screen)
                if session is None or body.startswith("END "):
                    continue
                state = State(node.state.phone, session.lang, session.screen, session.page)
                if state not in self.expanded:
                    todo.append(Node(sid, text, state, node.depth + 1))

    def visit_resume_offer(self, phone: str, lang: str) -> None:
        """Leave a session mid-flow, dial again: the offer, then each answer to it."""
        for key in ("1", "2", "97", "98", "0", "00"):
            for node_state in list(self.expanded):
                if node_state.phone == phone and node_state.lang == lang and \
                        self.registry[node_state.screen].resumable and \
                        node_state.screen not in (MAIN, CHOOSE_LANGUAGE, RESUME):
                    break
            else:
                return
            root = self.dial(phone)
            if root is None or root.state.screen != MAIN:
                return
            # Walk again to a resumable state by the first path that reaches one.
            # The keys that first reach one are taken again (option numbers are the same in
            # every language): a search costs hundreds of hops since few screens are resumable.
            path = self.resume_paths.get(phone) or self._leave_midflow(root)
            if path is None or not self._follow(root, path):
                return
            self.resume_paths[phone] = path
            sid = "walk-" + uuid.uuid4().hex[:12]
            if self.call(sid, phone, "", "resume offer") is None:
                return
            session = self.stored(sid, phone)
            if session is None or session.screen != RESUME:
                return
            self.seen_screens.add(RESUME)
            self.call(sid, phone, key, f"resume + {key!r}")

    def _follow(self, root: Node, path: str) -> bool:
        """Press the keys of `path` again, hop by hop, from a fresh dial: True if resumable there."""
        sid, text = self.fork(root), ""
        for key in path.split("*"):
            text = f"{text}*{key}" if text else key
            if self.call(sid, root.state.phone, text, "to a resumable screen") is None:
                return False
        return self.redis.exists(f"ussd:resume:{root.state.phone}") == 1

    def _leave_midflow(self, root: Node) -> str | None:
        """The keys that lead from `root` to a resumable screen (the first found), or None."""
        todo, tried = deque([root]), 0
        while todo and tried < 200:
            node = todo.popleft()
            parked = self.stored(node.sid, node.state.phone)
            if parked is None:
                continue
            for key in self.keys_for(parked):
                if key in ("0", "00", "98", "97"):
                    continue
                tried += 1
                sid = self.fork(node)
                text = f"{node.text}*{key}" if node.text else key
                body = self.call(sid, node.state.phone, text, "to a resumable screen")
                session = self.stored(sid, node.state.phone)
                if body is None or session is None:
                    continue
                screen = self.registry[session.screen]
                if screen.resumable and session.screen not in (MAIN, CHOOSE_LANGUAGE, RESUME):
                    return text if self.redis.exists(f"ussd:resume:{node.state.phone}") else None
                todo.append(Node(sid, text, State(node.state.phone, session.lang, session.screen,
                                                  session.page), node.depth + 1))
        return None


def set_language(app, phone: str, lang: str) -> None:
    with app.extensions["db_sessions"]() as db, db.begin():
        subscriber = find_by_phone(db, phone)
        if subscriber is None:
            db.add(Subscriber(phone=phone, language=lang, created_at=app.extensions["clock"]()))
        else:
            subscriber.language = lang
            subscriber.language_session_id = None


def walk_hooks(app) -> tuple[list[str], dict[str, list[str]]]:
    phones: list[str] = []
    answers: dict[str, list[str]] = {}
    with app.extensions["db_sessions"]() as db:
        for module in flow_modules():
            if hasattr(module, "walk_phones"):
                phones += [p for p in module.walk_phones(db) if p not in phones]
            extra = getattr(module, "walk_answers", None)
            if callable(extra):
                extra = extra(db)
            for screen_id, keys in (extra or {}).items():
                answers.setdefault(screen_id, []).extend(keys)
    return phones, answers


@pytest.mark.slow
def test_walk_every_screen_in_both_languages(app, redis_client, caplog):
    from ussd_app.menus import registry

    load_demo(app.extensions["db_sessions"], app.extensions["clock"]())
    phones, answers = walk_hooks(app)
    caplog.set_level(logging.INFO)
    walk = Walk(app, app.test_client(), redis_client, registry(), answers, caplog)

    # A phone the service has never seen: the language question, then everything after it.
    root = walk.dial(FRESH_PHONE)
    assert root is not None and root.state.screen == CHOOSE_LANGUAGE, walk.problems
    walk.explore(root)
    # Every phone a flow lists, in each language.
    for phone in phones:
        for lang in LANGUAGES:
            set_language(app, phone, lang)
            root = walk.dial(phone)
            if root is None:
                continue
            walk.explore(root)
    for phone in [FRESH_PHONE] + phones:
        for lang in LANGUAGES:
            set_language(app, phone, lang)
            walk.visit_resume_offer(phone, lang)

    shown = {sid for sid, screen in walk.registry.screens.items() if not isinstance(screen, Branch)}
    missed = sorted(shown - walk.seen_screens)
    langs_seen = {s.lang for s in walk.expanded}
    report = (f"{walk.hops} hops, {len(walk.expanded)} states, {len(walk.seen_screens & shown)}/"
              f"{len(shown)} screens, phones {[FRESH_PHONE] + phones}")
    print(report)
    assert not walk.problems, f"{len(walk.problems)} bad screens ({report}):\n\n" + \
        "\n\n".join(walk.problems[:40])
    assert {"bm", "fr"} <= langs_seen
    assert walk.hops < MAX_HOPS, f"hop cap reached before the walk ended ({report})"
    assert not missed, f"screens never reached ({report}); give the walk a way in " \
                       f"(walk_phones / walk_answers / examples): {missed}"


def test_the_walk_reports_what_it_must(toy_app, redis_client, caplog):
    """On a graph with an END screen too long to show and a screen that crashes."""
    from tests.menus.test_engine import toy_screens, use_registry
    from ussd_app.menus.registry import Registry
    from ussd_app.menus.screens import End, Option, Raw
    from ussd_app.text.i18n import N_

    def crash(ctx, s):
        raise RuntimeError("a flow bug")

    screens = toy_screens()
    main = next(s for s in screens if s.id == MAIN)
    screens[screens.index(main)] = Menu(MAIN, N_("Main menu"), list(main.options) + [
        Option(Raw("Too long"), "w.long"), Option(Raw("Crash"), "w.crash")], resumable=False)
    screens += [End("w.long", Raw("word " * 60)), Menu("w.crash", crash, [Option(Raw("a"), MAIN)]),
                End("w.unreachable_by_keys", Raw("x"))]
    screens[screens.index(next(s for s in screens if s.id == "t.long"))] = Menu(
        "t.long", Raw("Long"), [Option(Raw("Item"), MAIN), Option(Raw("Hidden"), "w.unreachable_by_keys",
                                                                   when=lambda ctx, s: False)])
    reg = Registry(screens, entries=(CHOOSE_LANGUAGE, MAIN, RESUME))
    use_registry(toy_app, reg)
    caplog.set_level(logging.INFO)
    walk = Walk(toy_app, toy_app.test_client(), redis_client, reg, {}, caplog)
    walk.explore(walk.dial(FRESH_PHONE))
    problems = "\n".join(walk.problems)
    assert "END screen cut" in problems
    assert "unexpected error" in problems
    assert "database unavailable" in problems  # the test graph's failing effect
    assert "w.unreachable_by_keys" not in walk.seen_screens and "t.saved" in walk.seen_screens
