"""What voice jobs run with in a worker: the SMS runtime's settings, database, Redis and clock,
plus the voice gateway (None when no voice number is configured) and the recordings' storage."""

from __future__ import annotations

import threading
from dataclasses import dataclass

from ussd_app.sms import runtime as sms_runtime
from ussd_app.voice.gateway import make_voice_gateway
from ussd_app.voice.storage import RecordingStorage, storage_from_settings


@dataclass
class VoiceRuntime:
    sms: sms_runtime.SmsRuntime
    gateway: object  # AfricasTalkingVoice or None
    storage: RecordingStorage

    @property
    def settings(self):
        return self.sms.settings

    @property
    def session_factory(self):
        return self.sms.session_factory

    @property
    def redis(self):
        return self.sms.redis

    def clock(self):
        return self.sms.clock()


_current: VoiceRuntime | None = None
_lock = threading.Lock()


def install(runtime: VoiceRuntime | None) -> None:
    global _current
    with _lock:
        _current = runtime


def current() -> VoiceRuntime:
    global _current
    with _lock:
        if _current is None:
            rt = sms_runtime.current()
            _current = VoiceRuntime(rt, make_voice_gateway(rt.settings), storage_from_settings(rt.settings))
        return _current
