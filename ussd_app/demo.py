"""Demo data for `ussd-app serve`, so a newcomer can try every flow in the simulator.

Each feature registers a loader; every loader is idempotent (safe on every start).
"""

from __future__ import annotations

from datetime import datetime
from typing import Callable

DEMO_LOADERS: list[Callable] = []


def demo_loader(fn: Callable) -> Callable:
    DEMO_LOADERS.append(fn)
    return fn


def load_demo(session_factory, now: datetime) -> list[str]:
    """Run every loader in one transaction at `now`; return what each says it loaded."""
    import ussd_app.features  # noqa: F401  (registers the loaders)

    notes = []
    with session_factory() as db, db.begin():
        for loader in DEMO_LOADERS:
            note = loader(db, now)
            if note:
                notes.append(note)
    return notes
