"""Dates and times as staff in Mali type them: 05/03/2026 and 05/03/2026 14:30 (Bamako time).

The dashboard's date fields are text fields with this pattern rather than the browser's date
picker, which shows the browser's locale (mm/dd/yyyy on many machines). ISO forms (2026-03-05,
2026-03-05T14:30), which the API and older pages send, are read too.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timezone

DAY_PATTERN = r"\d{1,2}/\d{1,2}/\d{4}"  # the HTML pattern attribute of a day field
MOMENT_PATTERN = r"\d{1,2}/\d{1,2}/\d{4} \d{1,2}:\d{2}"
_DAY = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})$")
_ISO_DAY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_CLOCK = re.compile(r"^(\d{1,2})[:h](\d{2})$")


def parse_day(raw: str | None) -> date | None:
    """A calendar day from "5/3/2026", "05/03/2026", "05-03-2026" or "2026-03-05"; None if not one."""
    raw = (raw or "").strip()
    found = _DAY.match(raw)
    if found:
        day, month, year = (int(v) for v in found.groups())
    else:
        found = _ISO_DAY.match(raw)
        if not found:
            return None
        year, month, day = (int(v) for v in found.groups())
    try:
        return date(year, month, day)
    except ValueError:
        return None


def parse_moment(raw: str | None) -> datetime | None:
    """"05/03/2026 14:30" (Bamako wall clock, UTC+0 all year) as an aware UTC datetime; None if
    it is not written that way."""
    day_text, _, clock_text = " ".join((raw or "").split()).partition(" ")
    day, found = parse_day(day_text), _CLOCK.match(clock_text)
    if day is None or not _DAY.match(day_text) or not found:
        return None
    hour, minute = int(found.group(1)), int(found.group(2))
    if hour > 23 or minute > 59:
        return None
    return datetime.combine(day, time(hour, minute), tzinfo=timezone.utc)
