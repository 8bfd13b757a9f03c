"""The menu graph: every screen by id, checked once when it is built.

Checks: ids are unique, every target exists, every screen is reachable from an entry screen,
no screen is a trap (a screen that is not END must lead somewhere), and a resumable screen
names what the offer to resume asks.
"""

from __future__ import annotations

from typing import Iterable

from ussd_app.menus.screens import Branch, Screen


class MenuGraphError(Exception):
    pass


class Registry:
    def __init__(self, screens: Iterable[Screen], entries: Iterable[str]):
        self.screens: dict[str, Screen] = {}
        for screen in screens:
            if screen.id in self.screens:
                raise MenuGraphError(f"duplicate screen id {screen.id!r}")
            self.screens[screen.id] = screen
        self.entries = tuple(entries)
        self.validate()

    def __getitem__(self, screen_id: str) -> Screen:
        return self.screens[screen_id]

    def __contains__(self, screen_id: str) -> bool:
        return screen_id in self.screens

    def check_target(self, screen: Screen, target: str) -> None:
        if target not in screen.targets:
            raise MenuGraphError(f"{screen.id!r} went to undeclared target {target!r}")

    def reachable(self) -> set[str]:
        seen, todo = set(), list(self.entries)
        while todo:
            sid = todo.pop()
            if sid in seen:
                continue
            seen.add(sid)
            screen = self.screens[sid]
            todo.extend(screen.targets)
            if screen.resume_gate:
                todo.append(screen.resume_gate)
        return seen

    def validate(self) -> None:
        problems = []
        for entry in self.entries:
            if entry not in self.screens:
                problems.append(f"entry screen {entry!r} is missing")
        for screen in self.screens.values():
            for target in sorted(screen.targets) + ([screen.resume_gate] if screen.resume_gate else []):
                if target not in self.screens:
                    problems.append(f"{screen.id!r} leads to missing screen {target!r}")
            if not screen.end and not (screen.targets - {screen.id}):
                problems.append(f"{screen.id!r} is a trap: not END and leads nowhere")
            if isinstance(screen, Branch) and screen.id in screen.targets:
                problems.append(f"branch {screen.id!r} leads to itself")
            if screen.resumable and not isinstance(screen.resumable, str):
                problems.append(f"{screen.id!r}: resumable is the offer's question (a msgid)")
        if problems:
            raise MenuGraphError("; ".join(problems))
        unreachable = set(self.screens) - self.reachable()
        if unreachable:
            raise MenuGraphError(f"unreachable screens: {sorted(unreachable)}")
