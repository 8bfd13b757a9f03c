"""Quiet hours: nothing she did not ask for at night (20:00-08:00 Africa/Bamako by default).

Reminders, campaigns and other news wait for the morning, never dropped; what she asked for this
minute (receipts, information by SMS, references, keyword answers) goes at once: the purpose of
the message decides (ussd_app.sms.purposes.waits_for_morning).
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

BAMAKO = ZoneInfo("Africa/Bamako")


def in_quiet_hours(now: datetime, start_hour: int, end_hour: int, tz: ZoneInfo = BAMAKO) -> bool:
    """True when `now` falls in [start, end) local time; start == end means no quiet hours."""
    if start_hour == end_hour:
        return False
    hour = now.astimezone(tz).hour
    if start_hour > end_hour:  # the usual case: across midnight
        return hour >= start_hour or hour < end_hour
    return start_hour <= hour < end_hour


def next_allowed(now: datetime, start_hour: int, end_hour: int, tz: ZoneInfo = BAMAKO) -> datetime:
    """`now` if sending is allowed, else the end of the quiet hours (the next morning)."""
    if not in_quiet_hours(now, start_hour, end_hour, tz):
        return now
    local = now.astimezone(tz)
    morning = datetime.combine(local.date(), time(end_hour), tzinfo=tz)
    if morning <= local:
        morning = datetime.combine(local.date() + timedelta(days=1), time(end_hour), tzinfo=tz)
    return morning.astimezone(now.tzinfo)


def settings_quiet_hours(settings) -> tuple[int, int]:
    return settings.quiet_hours_start, settings.quiet_hours_end
