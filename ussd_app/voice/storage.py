"""Where recording files live: a small interface, one implementation on local disk.

Object storage (S3 and the like) would implement the same three methods; the database keeps
only the storage key. Keys are made here from a content hash, so a replaced recording gets a
new key (and a new URL: the gateway's cache never plays the old one).
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Protocol

KEY = re.compile(r"^[a-z0-9][a-z0-9._-]{0,120}$")


class RecordingStorage(Protocol):
    def put(self, name: str, data: bytes) -> str:
        """Store `data`; returns its key."""

    def get(self, key: str) -> bytes | None: ...

    def delete(self, key: str) -> None: ...


def storage_key(name: str, data: bytes, extension: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:80] or "recording"
    return f"{slug}-{hashlib.sha256(data).hexdigest()[:16]}.{extension}"


class LocalDiskStorage:
    def __init__(self, directory: Path):
        self.directory = Path(directory)

    def _path(self, key: str) -> Path:
        if not KEY.match(key):
            raise ValueError("not a recording key")
        return self.directory / key

    def put(self, name: str, data: bytes) -> str:
        self.directory.mkdir(parents=True, exist_ok=True)
        path = self._path(name)
        tmp = path.with_suffix(path.suffix + ".part")
        tmp.write_bytes(data)
        tmp.replace(path)  # never a half-written file under a key
        return name

    def get(self, key: str) -> bytes | None:
        try:
            return self._path(key).read_bytes()
        except (FileNotFoundError, ValueError):
            return None

    def delete(self, key: str) -> None:
        try:
            self._path(key).unlink()
        except (FileNotFoundError, ValueError):
            pass


def storage_from_settings(settings) -> RecordingStorage:
    return LocalDiskStorage(settings.recordings_dir or Path(settings.instance_path) / "recordings")
