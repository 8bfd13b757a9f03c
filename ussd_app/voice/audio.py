"""Checks on an uploaded recording: WAV or MP3, not too big, between MIN and MAX seconds.

WAV is read with the standard `wave` module. MP3 has no reader in the standard library: the
first MPEG audio frame header (after any ID3v2 tag) gives the bitrate and sample rate, and a
Xing/Info header, when present, the frame count of a variable-bitrate file (ISO/IEC 11172-3
frame header layout); a constant-bitrate file lasts its audio bytes over its bitrate.
"""

from __future__ import annotations

import io
import wave
from dataclasses import dataclass

MAX_BYTES = 2 * 1024 * 1024
MIN_SECONDS = 0.3
MAX_SECONDS = 60.0

_BITRATES_V1_L3 = (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320)
_BITRATES_V2_L3 = (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160)
_RATES = {3: (44100, 48000, 32000), 2: (22050, 24000, 16000), 0: (11025, 12000, 8000)}


class BadAudio(ValueError):
    """Not a recording we can play; `code` says why (the dashboard words it in her language)."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class AudioInfo:
    content_type: str
    extension: str
    duration_ms: int


def _wav(data: bytes) -> AudioInfo:
    try:
        with wave.open(io.BytesIO(data)) as w:
            seconds = w.getnframes() / float(w.getframerate())
    except (wave.Error, EOFError, ZeroDivisionError) as exc:
        raise BadAudio("unreadable", "not a readable WAV file") from exc
    return AudioInfo("audio/wav", "wav", int(seconds * 1000))


def _id3_size(data: bytes) -> int:
    if data[:3] != b"ID3" or len(data) < 10:
        return 0
    size = 0
    for byte in data[6:10]:
        size = (size << 7) | (byte & 0x7F)
    return 10 + size


def _mp3(data: bytes) -> AudioInfo:
    start = _id3_size(data)
    pos = data.find(b"\xff", start)
    while 0 <= pos < len(data) - 4 and (data[pos + 1] & 0xE0) != 0xE0:
        pos = data.find(b"\xff", pos + 1)
    if pos < 0 or pos >= len(data) - 4:
        raise BadAudio("unreadable", "not a readable MP3 file")
    b1, b2, b3 = data[pos + 1], data[pos + 2], data[pos + 3]
    version, layer = (b1 >> 3) & 3, (b1 >> 1) & 3
    bitrate_index, rate_index = b2 >> 4, (b2 >> 2) & 3
    if version == 1 or layer != 1 or bitrate_index in (0, 15) or rate_index == 3:
        raise BadAudio("unreadable", "not an MPEG layer III (MP3) file")
    bitrate = (_BITRATES_V1_L3 if version == 3 else _BITRATES_V2_L3)[bitrate_index] * 1000
    sample_rate = _RATES[version][rate_index]
    samples_per_frame = 1152 if version == 3 else 576
    mono = (b3 >> 6) == 3
    side = (17 if mono else 32) if version == 3 else (9 if mono else 17)
    xing = pos + 4 + side
    if data[xing:xing + 4] in (b"Xing", b"Info") and data[xing + 7] & 1:
        frames = int.from_bytes(data[xing + 8:xing + 12], "big")
        seconds = frames * samples_per_frame / sample_rate
    else:
        seconds = (len(data) - pos) * 8 / bitrate
    return AudioInfo("audio/mpeg", "mp3", int(seconds * 1000))


def inspect(data: bytes) -> AudioInfo:
    """What the upload is, or BadAudio with the reason."""
    if not data:
        raise BadAudio("empty", "the file is empty")
    if len(data) > MAX_BYTES:
        raise BadAudio("too big", f"the file is larger than {MAX_BYTES // (1024 * 1024)} MB")
    info = _wav(data) if data[:4] == b"RIFF" and data[8:12] == b"WAVE" else _mp3(data)
    if not MIN_SECONDS * 1000 <= info.duration_ms <= MAX_SECONDS * 1000:
        raise BadAudio("duration", f"a recording lasts between {MIN_SECONDS} and {MAX_SECONDS:.0f} seconds")
    return info


def tone_wav(seconds: float, frequency: float = 440.0, rate: int = 8000) -> bytes:
    """A short sine tone as WAV (8 kHz mono, telephone quality): demo placeholders and tests."""
    import math
    import struct

    frames = int(seconds * rate)
    samples = b"".join(struct.pack("<h", int(8000 * math.sin(2 * math.pi * frequency * n / rate)))
                       for n in range(frames))
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(samples)
    return out.getvalue()


PITCH = {"intro": 523.0, "outro": 440.0, "word": 392.0, "menu": 659.0, "weekday": 349.0, "day": 294.0,
         "month": 330.0, "facility": 587.0}
_tones: dict[str, bytes] = {}


def placeholder_tone(fragment_key: str) -> bytes:
    """The demo's stand-in for a recording: half a second of one pitch per kind of fragment."""
    group = fragment_key.split(".", 1)[0]
    if group not in _tones:
        _tones[group] = tone_wav(0.5, PITCH.get(group, 440.0))
    return _tones[group]
