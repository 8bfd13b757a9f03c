"""Recordings: one per fragment key and language (ussd_app/voice/fragments.py).

The file is checked (ussd_app/voice/audio.py) and stored behind the storage interface
(ussd_app/voice/storage.py); the row keeps its storage key, which names the file by its
content, so a replaced recording is served under a new URL. The replaced file is kept: a call
ringing at that moment still plays it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Integer, String, UniqueConstraint, select
from sqlalchemy.orm import Mapped, mapped_column

from ussd_app.clock import system_now
from ussd_app.db import Base, UTCDateTime
from ussd_app.voice.audio import AudioInfo, BadAudio, inspect
from ussd_app.voice.fragments import KEY
from ussd_app.voice.storage import RecordingStorage, storage_key

LANGUAGES = ("bm", "fr")


class VoiceRecording(Base):
    __tablename__ = "voice_recordings"
    __table_args__ = (UniqueConstraint("fragment_key", "language"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    fragment_key: Mapped[str] = mapped_column(String(100))
    language: Mapped[str] = mapped_column(String(2))
    storage_key: Mapped[str] = mapped_column(String(140), unique=True)
    content_type: Mapped[str] = mapped_column(String(20))
    size_bytes: Mapped[int] = mapped_column(Integer)
    duration_ms: Mapped[int] = mapped_column(Integer)
    # Generated tones of the demo data: never a real message.
    placeholder: Mapped[bool] = mapped_column(Boolean, default=False)
    uploaded_by: Mapped[str | None] = mapped_column(String(100))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=system_now)


def recordings_for(db, language: str, keys) -> dict[str, VoiceRecording]:
    keys = list(keys)
    if not keys:
        return {}
    rows = db.scalars(select(VoiceRecording).where(VoiceRecording.language == language,
                                                   VoiceRecording.fragment_key.in_(keys)))
    return {r.fragment_key: r for r in rows}


def missing(db, language: str, keys) -> list[str]:
    keys = list(dict.fromkeys(keys))
    have = recordings_for(db, language, keys)
    return [k for k in keys if k not in have]


def by_storage_key(db, key: str) -> VoiceRecording | None:
    return db.scalar(select(VoiceRecording).where(VoiceRecording.storage_key == key))


def save_recording(db, storage: RecordingStorage, *, fragment_key: str, language: str, data: bytes,
                   now: datetime, uploaded_by: str | None = None, placeholder: bool = False) -> VoiceRecording:
    """Check and store a recording, replacing the one for this key and language. BadAudio or
    ValueError when refused. The caller commits."""
    if language not in LANGUAGES or not KEY.match(fragment_key):
        raise ValueError("unknown fragment or language")
    info: AudioInfo = inspect(data)
    key = storage.put(storage_key(f"{language}-{fragment_key}", data, info.extension), data)
    row = db.scalar(select(VoiceRecording).where(VoiceRecording.fragment_key == fragment_key,
                                                 VoiceRecording.language == language))
    if row is None:
        row = VoiceRecording(fragment_key=fragment_key, language=language)
        db.add(row)
    row.storage_key, row.content_type, row.size_bytes = key, info.content_type, len(data)
    row.duration_ms, row.placeholder, row.uploaded_by, row.uploaded_at = (
        info.duration_ms, placeholder, uploaded_by, now)
    db.flush()
    return row


__all__ = ["BadAudio", "VoiceRecording", "by_storage_key", "missing", "recordings_for", "save_recording"]
