"""The one clock of the service: every "now" in the app, the jobs and the CLI comes from here.

A clock is a callable returning an aware UTC datetime. The app keeps its clock in
`app.extensions["clock"]`, the SMS runtime in `runtime.clock`, the CLI builds one from the
settings; domain functions take `now` as a parameter and never read the time themselves.

`USSD_CLOCK_START` (local runs, demos and the test suite's shifted-date runs) starts the clock
at a chosen moment and lets it run at real speed from there; production refuses it.
Africa/Bamako is UTC+0 all year, so a UTC date is the Bamako date.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Callable

Clock = Callable[[], datetime]


def system_now() -> datetime:
    return datetime.now(timezone.utc)


class StartedAt:
    """Real time, shifted so that it read `start` when the clock was made."""

    def __init__(self, start: datetime):
        if start.tzinfo is None:
            raise ValueError("the clock's start must carry a time zone")
        self.offset = start - system_now()

    def __call__(self) -> datetime:
        return system_now() + self.offset


class ManualClock:
    """Time that moves only when told (`set`, `advance`): the test suite's clock, and time travel
    in the simulator."""

    def __init__(self, now: datetime):
        self.set(now)

    def __call__(self) -> datetime:
        return self.now

    def set(self, now: datetime) -> datetime:
        if now.tzinfo is None:
            raise ValueError("a clock reads aware datetimes")
        self.now = now.astimezone(timezone.utc)
        return self.now

    def advance(self, **delta) -> datetime:
        return self.set(self.now + timedelta(**delta))

    def today(self) -> date:
        return self.now.date()


def parse_start(raw: str) -> datetime:
    """`2028-02-29T23:59:30Z` or `2028-02-29` (midnight UTC) as an aware UTC datetime."""
    moment = datetime.fromisoformat(raw.strip().replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


def from_settings(settings) -> Clock:
    start = getattr(settings, "clock_start", None)
    return StartedAt(start) if start is not None else system_now


def app_now() -> datetime:
    """Now, by the clock of the app answering the current request."""
    from flask import current_app  # the web layer's helper; jobs and the CLI hold their clock

    return current_app.extensions["clock"]()
