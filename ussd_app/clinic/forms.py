"""Reading campaign fields from a form or a JSON body (the dashboard and the API share this)."""

from __future__ import annotations

from datetime import datetime, timezone

from ussd_app.clinic.campaigns import CampaignError
from ussd_app.clinic.days import parse_moment
from ussd_app.text.i18n import N_

BAD_TIME = N_("Give the sending time as DD/MM/YYYY HH:MM (Bamako time), or leave it empty.")


def parse_send_at(raw: str | None) -> datetime | None:
    """A Bamako wall-clock time (UTC+0 all year) as an aware UTC datetime; empty means now."""
    raw = (raw or "").strip()
    if not raw:
        return None
    typed = parse_moment(raw)  # as the dashboard's field asks: 05/03/2026 14:30
    if typed is not None:
        return typed
    for pattern in ("%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M:%SZ"):
        try:
            return datetime.strptime(raw, pattern).replace(tzinfo=timezone.utc)
        except ValueError:
            continue
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        raise CampaignError(BAD_TIME) from None
    return value.astimezone(timezone.utc) if value.tzinfo else value.replace(tzinfo=timezone.utc)
