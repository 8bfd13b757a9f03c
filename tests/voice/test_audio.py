"""Upload checks: WAV and MP3 durations read right, anything else refused with a reason."""

from __future__ import annotations

import pytest

from ussd_app.voice.audio import MAX_BYTES, BadAudio, inspect, tone_wav
from ussd_app.voice.storage import LocalDiskStorage, storage_key

FRAME_HEADER = bytes([0xFF, 0xFB, 0x90, 0x64])  # MPEG-1 layer III, 128 kbit/s, 44.1 kHz, stereo
FRAME_BYTES = 144 * 128000 // 44100  # 417


def cbr_mp3(frames: int, id3: bool = False) -> bytes:
    tag = b"ID3\x03\x00\x00\x00\x00\x00\x10" + b"\x00" * 16 if id3 else b""
    return tag + (FRAME_HEADER + b"\x00" * (FRAME_BYTES - 4)) * frames


def test_wav_duration():
    info = inspect(tone_wav(1.5))
    assert (info.content_type, info.extension, info.duration_ms) == ("audio/wav", "wav", 1500)


@pytest.mark.parametrize("id3", [False, True])
def test_constant_bitrate_mp3_duration(id3):
    info = inspect(cbr_mp3(77, id3=id3))  # 77 frames of 1152 samples at 44.1 kHz: 2.01 s
    assert info.content_type == "audio/mpeg" and 1990 <= info.duration_ms <= 2020


def test_variable_bitrate_mp3_duration_from_its_xing_header():
    frame = bytearray(FRAME_HEADER + b"\x00" * (FRAME_BYTES - 4))
    frame[4 + 32:4 + 32 + 12] = b"Xing" + (1).to_bytes(4, "big") + (383).to_bytes(4, "big")
    info = inspect(bytes(frame) * 3)  # says 383 frames: 10.0 s, whatever the bytes
    assert 9990 <= info.duration_ms <= 10010


@pytest.mark.parametrize("data, reason", [
    (b"", "empty"),
    (b"hello, this is not audio at all", "MP3"),
    (tone_wav(0.1), "between"),
    (tone_wav(61), "between"),
    (b"\x00" * (MAX_BYTES + 1), "larger"),
])
def test_refused_with_a_reason(data, reason):
    with pytest.raises(BadAudio, match=reason):
        inspect(data)


def test_local_storage_keeps_by_content_and_refuses_paths(tmp_path):
    storage = LocalDiskStorage(tmp_path)
    key = storage.put(storage_key("bm-intro.immunization", b"abc", "wav"), b"abc")
    assert key.startswith("bm-intro-immunization-") and storage.get(key) == b"abc"
    assert storage.get("../etc/passwd") is None
    storage.delete(key)
    assert storage.get(key) is None
