"""Demo voice data for `ussd-app serve`: placeholder recordings and one call to place.

Every fragment (ussd_app/voice/fragments.py) of every demo centre gets a short tone, marked
`placeholder` (the dashboard says so). The tones are generated with the standard `wave` module
(ussd_app/voice/audio.py `placeholder_tone`), one pitch per kind of fragment, and nothing is
written to disk: no audio file is kept in the repository or the instance folder, and the media
route generates a placeholder's tone again when asked for it. The demo mother chose SMS and
calls. Loading queues nothing; a run with `--fake-gateway africastalking` also queues one call of
her child's next vaccination reminder (`queue_demo_call`), which the worker places through the
fake, which answers it: the outbox shows the call, delivered, with its duration.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from ussd_app.health.facilities import Facility
from ussd_app.sms.demo import DEMO_MOTHER
from ussd_app.sms.outbox_calls import queue_call
from ussd_app.sms.purposes import REMINDER
from ussd_app.sms.reminder import PLANNED, Reminder
from ussd_app.sms.wording import reminder_message
from ussd_app.voice.audio import placeholder_tone
from ussd_app.voice.channels import BOTH, set_channel
from ussd_app.voice.fragments import all_keys, reminder_script
from ussd_app.voice.recordings import LANGUAGES, recordings_for, save_recording



class _GeneratedOnDemand:
    """Placeholders are not stored: their tone is generated again when served."""

    def put(self, name: str, data: bytes) -> str:
        return name


def load_voice_demo(db, now: datetime) -> str:
    storage = _GeneratedOnDemand()
    keys = all_keys(db.scalars(select(Facility.name)))
    made = 0
    for language in LANGUAGES:
        have = recordings_for(db, language, keys)
        for key in keys:
            if key in have:
                continue
            save_recording(db, storage, fragment_key=key, language=language, data=placeholder_tone(key), now=now,
                           uploaded_by="demo", placeholder=True)
            made += 1
    set_channel(db, DEMO_MOTHER, BOTH, now)
    return f"voice: {made} placeholder recordings (tones); {DEMO_MOTHER} chose SMS and calls"


def queue_demo_call(session_factory, now: datetime) -> str | None:
    """Queue (once) a call of the demo mother's next reminder; the dispatcher hands it out.
    The call has the key the reminder's own call gets (ussd_app/voice/routing.py), so when the
    reminder falls due it is not called a second time."""
    with session_factory() as db, db.begin():
        reminder = db.scalar(select(Reminder).where(Reminder.phone == DEMO_MOTHER, Reminder.status == PLANNED)
                             .order_by(Reminder.visit_date).limit(1))
        if reminder is None:
            return None
        queue_call(db, recipient=DEMO_MOTHER, language=reminder.language, message=reminder_message(reminder),
                   script=reminder_script(reminder), kind="reminder", purpose=REMINDER,
                   dedupe_key=f"reminder:{reminder.id}:call1", now=now)
    return f"voice: a call to {DEMO_MOTHER} queued (the fake answers it; see Messages)"
