"""Demo data for `ussd-app serve`, so a newcomer can try every flow in the simulator.

The loaders run in this order (centres before the people registered at them); every loader is
idempotent (safe on every start).
"""

from __future__ import annotations

from datetime import datetime

from ussd_app.clinic.demo import load_demo_staff
from ussd_app.health.demo import (load_demo_loss, load_demo_registrations, load_demo_reminders,
                                  load_facilities)
from ussd_app.health.demo_care import load_demo_care
from ussd_app.savings.demo import load_savings_demo
from ussd_app.voice.demo import load_voice_demo

LOADERS = (load_facilities, load_demo_registrations, load_demo_reminders, load_demo_care, load_demo_loss,
           load_demo_staff, load_savings_demo, load_voice_demo)


def load_demo(session_factory, now: datetime) -> list[str]:
    """Run every loader in one transaction at `now`; return what each says it loaded."""
    notes = []
    with session_factory() as db, db.begin():
        for loader in LOADERS:
            note = loader(db, now)
            if note:
                notes.append(note)
    return notes
