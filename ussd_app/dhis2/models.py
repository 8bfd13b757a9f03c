"""One row per distinct push: a CSCom's month with a given payload, and DHIS2's import summary.

A retry of the same payload (after a timeout, a 5xx) updates its row (`attempts` grows) instead
of adding one, so a month pushed again is never counted twice here; DHIS2 itself overwrites by
value. When the month's numbers change (a late delivery report), the new payload is a new row.
"""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ussd_app.clock import system_now
from ussd_app.db import Base, UTCDateTime

SENDING, SUCCESS, WARNING, ERROR = "sending", "success", "warning", "error"
UNREACHABLE, REFUSED = "unreachable", "refused"  # no summary: DHIS2 away, or it said no
STATUSES = (SENDING, SUCCESS, WARNING, ERROR, UNREACHABLE, REFUSED)


class Dhis2Push(Base):
    __tablename__ = "dhis2_pushes"
    __table_args__ = (UniqueConstraint("facility_code", "period", "payload_hash"),
                      Index("ix_dhis2_pushes_period_facility_code", "period", "facility_code"))

    id: Mapped[int] = mapped_column(primary_key=True)
    facility_code: Mapped[str] = mapped_column(String(32))
    period: Mapped[str] = mapped_column(String(6))  # DHIS2 monthly period, YYYYMM
    org_unit: Mapped[str] = mapped_column(String(11))
    payload_hash: Mapped[str] = mapped_column(String(64))  # sha256 of the canonical payload
    payload: Mapped[str] = mapped_column(Text)  # counts only: no personal data
    status: Mapped[str] = mapped_column(String(16), default=SENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    imported: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    ignored: Mapped[int] = mapped_column(Integer, default=0)
    deleted: Mapped[int] = mapped_column(Integer, default=0)
    conflicts: Mapped[str] = mapped_column(Text, default="[]")  # JSON [{"object", "value"}]
    error: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=system_now)
    attempted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=system_now)

    @property
    def conflict_list(self) -> list[dict]:
        try:
            found = json.loads(self.conflicts or "[]")
        except ValueError:
            return []
        return found if isinstance(found, list) else []
