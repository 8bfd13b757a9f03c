"""A small terminal progress bar for long benchmark runs (no dependency)."""

from __future__ import annotations

import sys
import time


class ProgressBar:
    def __init__(self, total: int, label: str = "", width: int = 30, stream=sys.stderr, start: int = 0):
        """`start`: done before this run (a resumed job): the rate counts this run's work only."""
        self.total, self.label, self.width, self.stream = max(total, 1), label, width, stream
        self.started = time.monotonic()
        self.done = self.start = start

    def update(self, done: int) -> None:
        self.done = done
        filled = int(self.width * min(done, self.total) / self.total)
        rate = (done - self.start) / max(time.monotonic() - self.started, 1e-9)
        self.stream.write(f"\r{self.label} [{'#' * filled}{'.' * (self.width - filled)}] "
                          f"{done}/{self.total} {rate:,.0f}/s")
        self.stream.flush()

    def close(self) -> None:
        self.stream.write("\n")
        self.stream.flush()
