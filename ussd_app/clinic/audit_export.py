"""The audit log filtered (account, dates, centre), for the admin page and its CSV export
(streamed by ussd_app.clinic.exports like every other export)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import select

from ussd_app.audit import STAFF, AuditEntry
from ussd_app.clinic.days import parse_day
from ussd_app.clinic.exports import ExportError, ExportPlan
from ussd_app.web_input import parse_id

HEADER = ("id", "at", "actor_kind", "actor_id", "actor", "action", "target_type", "target_id", "facility_code",
          "details")


@dataclass(frozen=True)
class AuditFilter:
    actor_id: int | None = None  # a staff account
    facility_code: str | None = None
    start: datetime | None = None  # inclusive
    end: datetime | None = None  # exclusive

    def details(self) -> dict:
        return {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in vars(self).items() if v is not None}


def _day_start(raw: str | None, name: str, days_after: int = 0) -> datetime | None:
    if not raw:
        return None
    day = parse_day(raw)
    if day is None or not 2000 <= day.year <= 2999:
        raise ExportError(f"{name}: a day, dd/mm/yyyy or yyyy-mm-dd")
    return datetime.combine(day + timedelta(days=days_after), time(), tzinfo=timezone.utc)  # Bamako is UTC


def parse_filter(args) -> AuditFilter:
    """The filters of a query string: staff_id, facility, from and to (days, both included).
    A malformed one is an ExportError (400)."""
    facility = (args.get("facility") or "").strip().upper()
    if len(facility) > 32:
        raise ExportError("facility: a facility code")
    return AuditFilter(actor_id=parse_id(args.get("staff_id"), "staff_id"), facility_code=facility or None,
                       start=_day_start(args.get("from"), "from"), end=_day_start(args.get("to"), "to", 1))


def query(wanted: AuditFilter, newest_first: bool = True):
    q = select(AuditEntry)
    if wanted.actor_id is not None:
        q = q.where(AuditEntry.actor_kind == STAFF, AuditEntry.actor_id == wanted.actor_id)
    if wanted.facility_code:
        q = q.where(AuditEntry.facility_code == wanted.facility_code)
    if wanted.start is not None:
        q = q.where(AuditEntry.at >= wanted.start)
    if wanted.end is not None:
        q = q.where(AuditEntry.at < wanted.end)
    return q.order_by(AuditEntry.id.desc() if newest_first else AuditEntry.id)


def _cells(row, _viewer) -> list:
    (e,) = row
    return [e.id, e.at, e.actor_kind, e.actor_id, e.actor_label, e.action, e.target_type, e.target_id,
            e.facility_code, e.details]


def plan(wanted: AuditFilter, today: date) -> ExportPlan:
    return ExportPlan("audit", HEADER, (query(wanted, newest_first=False),), _cells,
                      f"audit-{today.strftime('%Y%m%d')}.csv")
