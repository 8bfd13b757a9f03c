"""The audit log: who (a staff account, an API token, the command line) did what, when, at which
centre. Append-only: rows are only ever added (the ORM refuses changes here, PostgreSQL by
trigger in migration 0018 and by grants in db_roles.py).

Details hold ids, codes and counts, never a phone or a name: a person is named by `person_key`,
a keyed hash of her phone, so an auditor who knows a phone can find who read or changed her
record, and the log itself names nobody (it also outlives her erasure).
"""

from __future__ import annotations

import getpass
import json
from datetime import datetime

from sqlalchemy import Index, Integer, String, Text, event
from sqlalchemy.orm import Mapped, Session, mapped_column

from ussd_app.clock import system_now
from ussd_app.db import Base, UTCDateTime
from ussd_app.sms.blocklist import hash_key, phone_hash

STAFF, API_TOKEN, CLI = "staff", "api_token", "cli"


class AuditEntry(Base):
    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_at", "at"), Index("ix_audit_log_actor", "actor_kind", "actor_id"),
                      Index("ix_audit_log_facility_code", "facility_code"))

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=system_now)
    actor_kind: Mapped[str] = mapped_column(String(16))  # staff | api_token | cli
    actor_id: Mapped[int | None] = mapped_column(Integer)  # the staff account or token id
    actor_label: Mapped[str] = mapped_column(String(64), default="")  # username, token or OS user then
    action: Mapped[str] = mapped_column(String(48))  # e.g. registration.approve, person.view
    target_type: Mapped[str | None] = mapped_column(String(32))
    target_id: Mapped[str | None] = mapped_column(String(64))
    facility_code: Mapped[str | None] = mapped_column(String(32))  # the CSCom concerned, if one
    details: Mapped[str] = mapped_column(Text, default="{}")  # JSON: ids, codes, counts only


class AppendOnly(Exception):
    pass


@event.listens_for(AuditEntry, "before_update")
def _refuse_update(mapper, connection, target) -> None:
    raise AppendOnly("the audit log is append-only")


@event.listens_for(AuditEntry, "before_delete")
def _refuse_delete(mapper, connection, target) -> None:
    raise AppendOnly("the audit log is append-only")


@event.listens_for(Session, "do_orm_execute")
def _refuse_bulk_change(state) -> None:
    if (state.is_update or state.is_delete) and any(m.class_ is AuditEntry for m in state.all_mappers):
        raise AppendOnly("the audit log is append-only")


def person_key(db, phone: str) -> str:
    """How the log names a person: a keyed hash of her phone (the blocklist's key), shortened."""
    return phone_hash(hash_key(db), phone)[:16]


def record(db, *, actor_kind: str, actor_id: int | None, actor_label: str, action: str, now: datetime,
           target_type: str | None = None, target_id: object = None, facility_code: str | None = None,
           **details) -> AuditEntry:
    """Add one entry to the caller's transaction (it commits with the change it describes)."""
    entry = AuditEntry(at=now, actor_kind=actor_kind, actor_id=actor_id, actor_label=(actor_label or "")[:64],
                       action=action, target_type=target_type,
                       target_id=None if target_id is None else str(target_id)[:64],
                       facility_code=facility_code,
                       details=json.dumps({k: v for k, v in details.items() if v is not None}, sort_keys=True,
                                          default=str))
    db.add(entry)
    return entry


def by_staff(db, staff, action: str, now: datetime, **kwargs) -> AuditEntry:
    return record(db, actor_kind=STAFF, actor_id=staff.id, actor_label=staff.username, action=action,
                  now=now, **kwargs)


def by_token(db, token, action: str, now: datetime, **kwargs) -> AuditEntry:
    return record(db, actor_kind=API_TOKEN, actor_id=token.id, actor_label=token.name, action=action,
                  now=now, **kwargs)


def by_cli(db, action: str, now: datetime, **kwargs) -> AuditEntry:
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no name for this uid (a container)
        user = "?"
    return record(db, actor_kind=CLI, actor_id=None, actor_label=user, action=action, now=now, **kwargs)
