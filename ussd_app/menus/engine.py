"""The USSD engine: a pure step from (session, input) to (session', reply, effects).

No I/O happens here beyond reads through `ctx`: the host applies the effects in one database
transaction, stores the session in Redis and sends the reply. The one write a step makes itself
is a PIN try, counted through `ctx.own_transaction` before the PIN is checked. Navigation is
handled once, here: `0` back (or previous page), `00` main menu, `98` next page, invalid input
re-asks with a hint.
A screen with `accepts_zero` takes `0` and `98` as answers (`98` still pages when there is more).

The screen walk (tests/menus/test_screen_walk.py) presses every option, every Prompt's `examples`,
`98`, `0` and `00` in both languages, from a phone the service has never seen. A flow whose
screens only open for some people gives it a way in, with two optional module-level hooks:

    def walk_phones(db) -> list[str]:
        # E.164 phones of demo people (from the flow's demo loader, ussd_app/demo.py) to dial from as well.
    walk_answers = {"savings.pin": ["4827"]}  # screen id -> extra keys to press there
                                              # (or a function (db) -> that dict)

Keep `examples` valid for those phones (a demo PIN, an amount in range): the walk never guesses.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any, Callable, ContextManager

from ussd_app.menus.masking import mask
from ussd_app.menus.render import paginate, render_page
from ussd_app.menus.screens import (
    INVALID_CHOICE,
    Branch,
    Go,
    Label,
    Reask,
    Screen,
    View,
)
from ussd_app.text.i18n import LANGUAGES, N_

MAIN = "main"
CHOOSE_LANGUAGE = "lang.first"
RESUME = "resume"
HOME, BACK, MORE = "00", "0", "98"
MAX_BRANCH_DEPTH = 10
# A rebuild replays at most this many inputs: more than a real session types in its 180 s
# (a 25-member roll-call is about 30), and each replayed step reads the database.
MAX_REPLAYED_INPUTS = 60

NO_MORE = N_("There is no next page.")
TYPE_AGAIN = N_("The connection was cut. Please type it again.")
CUT_OFF = N_("Your session was cut off. Please dial again.")


@dataclass
class Session:
    id: str
    phone: str
    lang: str | None
    screen: str
    page: int = 0
    data: dict[str, Any] = field(default_factory=dict)
    history: list[list] = field(default_factory=list)  # [[screen, page], ...]
    inputs: list[str] = field(default_factory=list)
    text: str = ""  # the gateway's `text` at the last hop
    ended: bool = False

    def to_dict(self) -> dict:
        # Not dataclasses.asdict: its deep copy was a tenth of a hop's time, and the dict is
        # serialised to JSON at once, which copies anyway.
        return {"id": self.id, "phone": self.phone, "lang": self.lang, "screen": self.screen,
                "page": self.page, "data": self.data, "history": self.history,
                "inputs": self.inputs, "text": self.text, "ended": self.ended}

    @classmethod
    def from_dict(cls, raw: dict) -> "Session":
        # Sessions stored by an older release may carry fields this one no longer has.
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in raw.items() if k in known})


@dataclass(frozen=True)
class Reply:
    end: bool
    text: str  # rendered: translated, GSM-7, within the screen limit

    def wire(self) -> str:
        return ("END " if self.end else "CON ") + self.text


@dataclass(frozen=True)
class Ctx:
    """Read access for screens: the database session (never committed here) and the clock.

    `own_transaction()` opens a transaction of its own, committed when its block ends, whatever
    becomes of the hop's: a PIN try is counted there before the PIN is checked. The host gives
    one per request, and none while it replays a lost session.
    """

    db: Any
    now: datetime
    settings: Any = None
    own_transaction: Callable[[], ContextManager] | None = None
    # What screens read once in a hop (`once`): a hop has a Ctx of its own, and nothing it reads
    # changes within it (its effects are applied after its last step).
    memo: dict = field(default_factory=dict, compare=False, repr=False)

    def once(self, key, read: Callable[[], Any]) -> Any:
        """`read()`, run at most once in this hop for `key` (a screen's title and its options'
        conditions ask the same question)."""
        if key not in self.memo:
            self.memo[key] = read()
        return self.memo[key]


@dataclass
class StepResult:
    session: Session
    reply: Reply
    effects: list = field(default_factory=list)


def _lang(s: Session) -> str:
    return s.lang or "fr"


def _enter(registry, ctx, s: Session, go: Go, effects: list, push: bool) -> None:
    """Move to `go.target`, resolving branches, applying data changes and collecting effects."""
    for _ in range(MAX_BRANCH_DEPTH):
        for key in go.drop:
            s.data.pop(key, None)
        s.data.update(go.data)
        effects.extend(go.effects)
        if go.lang:
            s.lang = go.lang
        if go.reset_history:
            s.history = []
        elif push and go.target != s.screen:
            s.history.append([s.screen, s.page])
        push = False  # a branch does not add its own history entry
        s.screen, s.page = go.target, 0
        screen = registry[go.target]
        if not isinstance(screen, Branch):
            return
        go = screen.decide(ctx, s)
        registry.check_target(screen, go.target)
    raise RuntimeError(f"branch loop at {s.screen}")


def render(registry, ctx, s: Session, hint: Label | None = None, view: View | None = None) -> Reply:
    """`view`: the screen's view, when this step drew it already (its queries run once a hop)."""
    view = view or registry[s.screen].view(ctx, s)
    text, s.page = render_page(_lang(s), view, bool(s.history), s.page, hint)
    if view.end:
        s.ended = True
    return Reply(view.end, text)


def open_session(registry, ctx, session_id: str, phone: str, lang: str | None,
                 resumable: dict | None = None) -> StepResult:
    """First hop of a session: language choice, offer to resume, or the main menu."""
    s = Session(id=session_id, phone=phone, lang=lang, screen=MAIN)
    effects: list = []
    if lang not in LANGUAGES:
        s.lang = None
        s.screen = CHOOSE_LANGUAGE
    elif resumable is not None and resumable.get("screen") in registry \
            and registry[resumable["screen"]].resumable:
        s.screen = RESUME
        s.data["_resume"] = {k: resumable[k] for k in ("screen", "page", "history", "data")}
        s.data["_resume"]["question"] = registry[resumable["screen"]].resumable
    else:
        _enter(registry, ctx, s, Go(MAIN), effects, push=False)
    return StepResult(s, render(registry, ctx, s), effects)


def snapshot(s: Session) -> dict:
    """What a dropped session needs to continue; authentication is never carried over."""
    data = {k: v for k, v in s.data.items() if not k.startswith(("auth", "_"))}
    return {"screen": s.screen, "page": s.page, "history": s.history, "data": data}


def is_resumable(registry, s: Session) -> bool:
    if s.ended or s.screen in (MAIN, CHOOSE_LANGUAGE, RESUME):
        return False
    return bool(registry[s.screen].resumable)


class ResumeOffer(Screen):
    """A session dropped less than ten minutes ago where there was something to lose: says what
    (the screen's `resumable` question), then continue it or start again."""

    id = RESUME
    resumable = None
    targets = frozenset({MAIN})

    def view(self, ctx, s) -> View:
        question = (s.data.get("_resume") or {}).get("question")
        body = (N_("Your last session was cut off."),) + ((question,) if question else ())
        return View(body, (N_("1 Continue"), N_("2 Start again")))

    def handle(self, ctx, s, value: str):
        return Reask(INVALID_CHOICE)  # "1" and "2" are taken by the engine (see _answer_resume)


def _answer_resume(registry, ctx, s: Session, value: str, effects: list) -> bool:
    saved = s.data.get("_resume")
    if value not in ("1", "2"):
        return False
    s.data.pop("_resume", None)
    if value == "2" or saved is None or saved["screen"] not in registry:
        _enter(registry, ctx, s, Go(MAIN, reset_history=True), effects, push=False)
        return True
    s.data = dict(saved["data"])
    s.history = [list(h) for h in saved["history"]]
    gate = registry[saved["screen"]].resume_gate
    if gate:  # e.g. the PIN: a shared phone must not reopen someone's group unasked
        s.data["_resume_after"] = saved["screen"]
        _enter(registry, ctx, s, Go(gate), effects, push=False)
    else:
        s.screen, s.page = saved["screen"], saved["page"]
    return True


def step(registry, ctx, s: Session, value: str) -> StepResult:
    """Apply one input to a session (already copied by the caller)."""
    value = value.strip()
    screen = registry[s.screen]
    s.inputs.append(mask(value) if screen.secret else value)
    effects: list = []
    hint: Label | None = None
    shown: View | None = None  # the screen's view, drawn to count its pages
    if s.ended:
        raise RuntimeError("step on an ended session")
    if value == HOME and s.lang is not None and s.screen != CHOOSE_LANGUAGE:
        s.history = []
        s.data.pop("_resume", None)
        _enter(registry, ctx, s, Go(MAIN), effects, push=False)
    elif value == BACK and not screen.accepts_zero and (s.page > 0 or s.history):
        if s.page > 0:
            s.page -= 1
        else:
            s.screen, s.page = s.history.pop()
    elif value == MORE and s.page + 1 < len(paginate(_lang(s), shown := screen.view(ctx, s),
                                                     bool(s.history))):
        s.page += 1  # same screen, same data: its view is drawn again from `shown`
    elif value == MORE and not screen.accepts_zero:
        hint = NO_MORE  # a screen that takes "0" as an answer takes "98" too
    elif s.screen == RESUME and _answer_resume(registry, ctx, s, value, effects):
        shown = None
    else:
        shown = None  # the answer may change the screen or its data
        outcome = screen.handle(ctx, s, value)
        if isinstance(outcome, Reask):
            hint = outcome.hint
        else:
            registry.check_target(screen, outcome.target)
            _enter(registry, ctx, s, outcome, effects, push=True)
    return StepResult(s, render(registry, ctx, s, hint, shown), effects)


def replay(registry, ctx, session_id: str, phone: str, lang: str | None, inputs: list[str],
           opening: dict | None = None) -> StepResult:
    """Rebuild a session Redis lost from the inputs the gateway sends in `text`.

    `opening` is the resume offer the session's first hop showed, if it showed one. The effects
    of earlier hops were applied when those hops were answered; only the last hop's effects are
    kept (and they are idempotent anyway). A secret screen (a PIN) stops the replay: a PIN is
    only ever checked as typed at the hop that brings it, so the caller is asked for it again.
    Inputs not replayed are kept masked: they may hold a PIN.
    """
    if len(inputs) > MAX_REPLAYED_INPUTS:
        s = Session(id=session_id, phone=phone, lang=lang, screen=MAIN, ended=True,
                    inputs=[mask(v) for v in inputs], text="*".join(mask(v) for v in inputs))
        text, _ = render_page(_lang(s), View((CUT_OFF,), end=True), False, 0)
        return StepResult(s, Reply(True, text), [])
    result = open_session(registry, ctx, session_id, phone, lang, opening)
    done = 0
    for value in inputs:
        if result.session.ended:  # inputs after END are no hop the user made: apply nothing
            result.effects = []
            break
        if registry[result.session.screen].secret:
            result = StepResult(result.session, render(registry, ctx, result.session, TYPE_AGAIN))
            break
        result = step(registry, ctx, result.session, value)
        done += 1
    s = result.session
    s.inputs.extend(mask(v) for v in inputs[done:])
    s.text = "*".join(s.inputs)
    return result
