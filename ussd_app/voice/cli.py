"""`ussd-app send-test PHONE TEXT --voice`: one real call now through the configured voice number."""

from __future__ import annotations

import uuid

from ussd_app.sms.outbox import OutboxMessage
from ussd_app.sms.outbox_calls import queue_call
from ussd_app.sms.purposes import TEST
from ussd_app.voice.calls import run_call
from ussd_app.voice.gateway import make_voice_gateway
from ussd_app.voice.runtime import VoiceRuntime
from ussd_app.voice.storage import storage_from_settings


def place_test_call(sms_rt, phone: str, text: str, language: str, play: list[str]) -> str:
    """Queue a test call (falling back to TEXT by SMS) and place it at once; says what happened.
    Its callbacks reach whichever app the voice number's callback URLs point at."""
    gateway = make_voice_gateway(sms_rt.settings)
    if gateway is None:
        raise SystemExit("no call placed: set AT_VOICE_NUMBER and AT_API_KEY")
    rt = VoiceRuntime(sms_rt, gateway, storage_from_settings(sms_rt.settings))
    with rt.session_factory() as db, db.begin():
        row = queue_call(db, recipient=phone, language=language, message=text, script=play, kind="test",
                         purpose=TEST, dedupe_key=f"test:{uuid.uuid4().hex}:call1", now=rt.clock())
        outbox_id = row.id
    state = run_call(rt, outbox_id)
    with rt.session_factory() as db:
        row = db.get(OutboxMessage, outbox_id)
        return (f"outbox {outbox_id} call via {gateway.name} from {gateway.voice_number}: {state}"
                + (f" session={row.provider_message_id}" if row.provider_message_id else "")
                + (f" error={row.last_error}" if row.last_error else ""))
