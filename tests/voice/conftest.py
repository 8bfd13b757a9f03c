"""Voice fixtures: the app served over real HTTP (the fake gateway posts its callbacks to it),
the real SDK's voice service pointed at the fake, recordings on a temporary disk."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.http_server import serving
from tests.sms.conftest import API_KEY, dispatch_and_work, gateway, outbox_row, sms_rt, work  # noqa: F401
from ussd_app.sms.outbox import OutboxMessage
from ussd_app.sms.reminder import Reminder
from ussd_app.subscribers import get_or_create
from ussd_app.voice import runtime as voice_runtime
from ussd_app.voice.audio import tone_wav
from ussd_app.voice.fragments import call_fragments, reminder_script
from ussd_app.voice.gateway import AfricasTalkingVoice
from ussd_app.voice.recordings import save_recording
from ussd_app.voice.storage import LocalDiskStorage

VOICE_NUMBER = "+22320200000"
VOICE_TOKEN = "voice-callback-token-0123456789"
AWA = "+22376123456"


@pytest.fixture(autouse=True)
def by_day(clock):
    """Calls are placed by day: each test starts at 10:00 Bamako time (UTC) on the clock's date.
    The shifted-clock runs still move the date; quiet hours have tests of their own."""
    clock.now = clock.now.replace(hour=10, minute=0, second=0, microsecond=0)


@pytest.fixture
def settings(settings, tmp_path):
    return replace(settings, at_voice_number=VOICE_NUMBER, voice_callback_token=VOICE_TOKEN,
                   at_api_key=API_KEY, recordings_dir=tmp_path / "recordings")


@pytest.fixture
def storage(settings):
    return LocalDiskStorage(settings.recordings_dir)


@pytest.fixture
def served(app, fake_at):
    """The app's base URL; the fake posts its voice callbacks there."""
    with serving(app) as url:
        fake_at.voice_callback_url = f"{url}/voice/callback?token={VOICE_TOKEN}"
        fake_at.voice_events_url = f"{url}/voice/events?token={VOICE_TOKEN}"
        yield url


@pytest.fixture
def voice_rt(sms_rt, fake_at, storage, served):
    gateway = AfricasTalkingVoice("sandbox", API_KEY, VOICE_NUMBER, base_url=fake_at.url, timeout=(0.5, 0.5))
    rt = voice_runtime.VoiceRuntime(sms_rt, gateway, storage)
    voice_runtime.install(rt)
    yield rt
    voice_runtime.install(None)


TONE = tone_wav(0.4)


@pytest.fixture
def record(db, storage, clock):
    """Record (placeholder tones for) every fragment a reminder's call plays."""

    def run(reminder: Reminder, skip=()) -> list[str]:
        keys = call_fragments(reminder_script(reminder))
        for key in keys:
            if key not in skip:
                save_recording(db, storage, fragment_key=key, language=reminder.language, data=TONE,
                               now=clock.now, uploaded_by="test")
        db.commit()
        return keys

    return run


@pytest.fixture
def reminder(db, clock):
    """A vaccination reminder due now for `phone`, who chose `channel`."""

    def make(phone: str = AWA, channel: str = "voice", language: str = "bm", ref: str = "enrollment:V1",
             step: str = "6w", days_ahead: int = 7) -> Reminder:
        subscriber = get_or_create(db, phone, clock.now)
        subscriber.language, subscriber.reminder_channel = language, channel
        row = Reminder(phone=phone, language=language, kind="immunization", step=step, source_ref=ref,
                       child_name="Awa", facility_name="CSCom Sabalibougou",
                       visit_date=(clock.now + timedelta(days=days_ahead)).date(), due_at=clock.now,
                       status="planned", created_at=clock.now)
        db.add(row)
        db.commit()
        return row

    return make


@pytest.fixture
def rows_of(db):
    def get(phone: str = AWA) -> list[OutboxMessage]:
        db.expire_all()
        return list(db.scalars(select(OutboxMessage).where(OutboxMessage.recipient == phone)
                               .order_by(OutboxMessage.id)))

    return get
