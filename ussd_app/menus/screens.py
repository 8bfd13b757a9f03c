"""Screen kinds that flows declare their menus with.

A flow is data: screens with ids, the screens they may lead to (`targets`, checked by the
registry) and small functions for what depends on the caller (text, choices, validation).
Functions here only read through `ctx`; anything to write is returned as an effect.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Sequence, Union

from ussd_app.effects import Effect, StaleStep  # noqa: F401 (flows name them from here)
from ussd_app.text.i18n import N_, T
from ussd_app.text.keypad import as_number


@dataclass(frozen=True)
class Raw:
    """Text shown as it is (a name, an amount, a reference): never translated."""

    text: str


Label = Union[T, Raw, str]  # a str is a msgid marked with N_()
Lines = Union[Label, Sequence[Label]]


@dataclass(frozen=True)
class Go:
    target: str
    data: Mapping[str, Any] = field(default_factory=dict)
    effects: Sequence[Effect] = ()
    reset_history: bool = False  # after a confirmation, "back" must not re-enter the flow
    drop: Sequence[str] = ()  # data keys to forget
    lang: str | None = None  # switch the session's language from here on


@dataclass(frozen=True)
class Reask:
    hint: Label


class Invalid(Exception):
    """Raised by a validator: the screen is asked again with this hint."""

    def __init__(self, hint: Label):
        super().__init__(str(hint))
        self.hint = hint


@dataclass(frozen=True)
class View:
    body: tuple[Label, ...]
    items: tuple[Label, ...] = ()
    end: bool = False


Outcome = Union[Go, Reask]


def as_lines(value: Lines) -> tuple[Label, ...]:
    if isinstance(value, (T, Raw, str)):
        return (value,)
    return tuple(value)


def _resolve(value, ctx, s):
    return value(ctx, s) if callable(value) else value


def _choice_number(value: str, count: int) -> int | None:
    n = as_number(value) if not value.startswith("0") else None
    return n if n is not None and 1 <= n <= count else None


INVALID_CHOICE = N_("Invalid choice. Try again.")


class Screen:
    id: str
    targets: frozenset[str] = frozenset()
    end: bool = False
    accepts_zero: bool = False  # "0" is an answer here (e.g. absent), not "back"
    resume_gate: str | None = None  # screen to pass first when a dropped session resumes here
    # Where a dropped session holds something to lose (a half-done registration, a roll-call):
    # the msgid the offer to resume asks, e.g. N_("Continue your registration?"). None: no offer.
    resumable: str | None = None
    secret: bool = False  # a PIN: the engine keeps only a mask of the input (Redis, logs)

    def view(self, ctx, s) -> View:  # pragma: no cover - interface
        raise NotImplementedError

    def handle(self, ctx, s, value: str) -> Outcome:  # pragma: no cover - interface
        raise NotImplementedError


@dataclass(frozen=True)
class Option:
    label: Label
    target: str
    when: Callable[[Any, Any], bool] | None = None
    data: Mapping[str, Any] = field(default_factory=dict)
    effects: Callable[[Any, Any], Sequence[Effect]] | None = None


class Menu(Screen):
    """Text followed by numbered options; `title` may be a function of (ctx, session)."""

    def __init__(self, id: str, title, options: Sequence[Option], *, resumable: str | None = None,
                 resume_gate: str | None = None):
        self.id = id
        self.title = title
        self.options = tuple(options)
        self.targets = frozenset(o.target for o in self.options)
        self.resumable = resumable
        self.resume_gate = resume_gate

    def visible(self, ctx, s) -> list[Option]:
        return [o for o in self.options if o.when is None or o.when(ctx, s)]

    def view(self, ctx, s) -> View:
        items = tuple(_numbered(i, o.label) for i, o in enumerate(self.visible(ctx, s), 1))
        return View(as_lines(_resolve(self.title, ctx, s)), items)

    def handle(self, ctx, s, value: str) -> Outcome:
        options = self.visible(ctx, s)
        n = _choice_number(value, len(options))
        if n is None:
            return Reask(INVALID_CHOICE)
        option = options[n - 1]
        effects = tuple(option.effects(ctx, s)) if option.effects else ()
        return Go(option.target, data=option.data, effects=effects)


@dataclass(frozen=True)
class Numbered:
    number: int
    label: Label


def _numbered(n: int, label: Label) -> Numbered:
    return Numbered(n, label)


class Choice(Screen):
    """A list computed per caller (members, centres); long lists page with 98."""

    def __init__(self, id: str, title, items: Callable[[Any, Any], Sequence[tuple[Label, Any]]],
                 choose: Callable[[Any, Any, Any], Outcome], targets: Sequence[str], *,
                 empty: Label = N_("Nothing to show."), resume_gate: str | None = None,
                 resumable: str | None = None):
        self.id = id
        self.title = title
        self.items = items
        self.choose = choose
        self.targets = frozenset(targets)
        self.empty = empty
        self.resume_gate = resume_gate
        self.resumable = resumable

    def view(self, ctx, s) -> View:
        entries = self.items(ctx, s)
        body = as_lines(_resolve(self.title, ctx, s))
        if not entries:
            return View(body + (self.empty,))
        return View(body, tuple(_numbered(i, label) for i, (label, _) in enumerate(entries, 1)))

    def handle(self, ctx, s, value: str) -> Outcome:
        entries = self.items(ctx, s)
        n = _choice_number(value, len(entries))
        if n is None:
            return Reask(INVALID_CHOICE)
        return self.choose(ctx, s, entries[n - 1][1])


class Prompt(Screen):
    """Free input checked by `parse` (which raises `Invalid`), then `then(ctx, s, value)`."""

    def __init__(self, id: str, text, parse: Callable[[str, Any, Any], Any],
                 then: Callable[[Any, Any, Any], Outcome], targets: Sequence[str], *,
                 accepts_zero: bool = False, resumable: str | None = None,
                 resume_gate: str | None = None, examples: Sequence[str] = (),
                 secret: bool = False):
        self.id = id
        self.text = text
        self.secret = secret
        self.parse = parse
        self.then = then
        # Valid answers, for the screen walk and docs; a function of now when they depend on the day.
        self._examples = examples if callable(examples) else tuple(examples)
        self.targets = frozenset(targets)
        self.accepts_zero = accepts_zero
        self.resumable = resumable
        self.resume_gate = resume_gate

    def examples(self, now) -> tuple[str, ...]:
        return tuple(self._examples(now)) if callable(self._examples) else self._examples

    def view(self, ctx, s) -> View:
        return View(as_lines(_resolve(self.text, ctx, s)))

    def handle(self, ctx, s, value: str) -> Outcome:
        try:
            parsed = self.parse(value, ctx, s)
        except Invalid as exc:
            return Reask(exc.hint)
        return self.then(ctx, s, parsed)


class Branch(Screen):
    """Not shown: decides at once where the caller goes (e.g. PIN set or not yet)."""

    def __init__(self, id: str, decide: Callable[[Any, Any], Go], targets: Sequence[str]):
        self.id = id
        self.decide = decide
        self.targets = frozenset(targets)

    def view(self, ctx, s) -> View:  # pragma: no cover - the engine never shows a branch
        raise RuntimeError("a branch is never shown")

    def handle(self, ctx, s, value: str) -> Outcome:  # pragma: no cover
        raise RuntimeError("a branch takes no input")


class End(Screen):
    """Last screen of a session (END)."""

    end = True

    def __init__(self, id: str, text):
        self.id = id
        self.text = text

    def view(self, ctx, s) -> View:
        return View(as_lines(_resolve(self.text, ctx, s)), end=True)

    def handle(self, ctx, s, value: str) -> Outcome:  # pragma: no cover - session is over
        raise RuntimeError("an END screen takes no input")
