"""Erasure on request (Mali, law 2013-015): a person's data removed or irreversibly anonymised.

What stays is what the centre and the group must still count: her registrations, reminders,
appointments and messages stay as rows (DHIS2 monthly counts, campaign results) but lose her
phone, names, dates and free text; her savings-group membership stays as an anonymous member,
so every ledger entry (never changed) still adds up to the same balances. Her subscriber row
(language, opt-outs) and her PIN are deleted, her USSD sessions in Redis too. Her phone goes on
the blocklist as a keyed hash (ussd_app.sms.blocklist): no SMS, no call, no new record.

`PERSONAL_COLUMNS` says, table by table, which column finds her and what becomes of each other
column holding something of her; tests/clinic/test_erasure_guard.py fails when a column that
looks personal (phone, name, birth, body...) is neither here nor in `NOT_PERSONAL`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import String, cast, delete, literal, or_, select, update

from ussd_app.clinic.models import Campaign
from ussd_app.db import Base
from ussd_app.menus.store import SessionStore
from ussd_app.savings.models import Member, PhoneChange, PinCredential
from ussd_app.sms import outbox
from ussd_app.sms.blocklist import block, placeholder
from ussd_app.sms.reminder import PLANNED, STOPPED

ERASED_REASON = outbox.ERASED_ERROR
DELETED = ("subscribers", "savings_pins", "savings_phone_changes")


class ErasureError(ValueError):
    pass


@dataclass(frozen=True)
class Policy:
    """How one table forgets her: rows found by `phone_column` (set to her placeholder) lose
    `cleared` (NULL, or "" when the column takes no NULL); `rekeyed` unique keys that may carry
    her phone or a hash of it become `<placeholder>:<row id>`; `delete`: the rows go."""

    phone_column: str
    cleared: tuple[str, ...] = ()
    rekeyed: tuple[str, ...] = ()
    delete: bool = False
    extra: dict = field(default_factory=dict)  # column -> a fixed value (why a message never went)


PERSONAL_COLUMNS: dict[str, Policy] = {
    "subscribers": Policy("phone", delete=True),  # language, opt-outs: hers alone
    "health_enrollments": Policy("phone", cleared=("mother_name", "child_name", "child_name_key", "birth_date",
                                                   "last_period", "due_date", "reason"),
                                 rekeyed=("request_key",)),
    "reminders": Policy("phone", cleared=("child_name",)),
    # A birth or a loss stays counted for the centre, no longer hers: the child's sex goes too.
    "health_outcomes": Policy("phone", cleared=("sex",), rekeyed=("request_key",)),
    "clinic_appointments": Policy("phone", cleared=("note",)),
    "savings_members": Policy("phone", cleared=("name",)),
    # Unsent rows are stopped first by the outbox's owner (ussd_app.sms.outbox.stop_for_erasure).
    # provider_message_id goes too: with the gateway's own records it would name her again.
    "sms_outbox": Policy("recipient", cleared=("body", "provider_message_id"), rekeyed=("dedupe_key",),
                         extra={"last_error": outbox.ERASED_ERROR}),
}
# Columns whose name looks personal but that hold nothing of a mother or a member, and why.
NOT_PERSONAL: dict[tuple[str, str], str] = {
    ("clinic_staff", "username"): "staff account (accountable staff, not a person served)",
    ("clinic_staff", "display_name"): "staff account",
    ("clinic_api_tokens", "name"): "a centre's tool",
    ("clinic_campaign_texts", "body"): "the centre's campaign text, the same for everyone",
    ("clinic_campaigns", "title"): "the centre's campaign",
    ("clinic_campaigns", "created_by"): "staff username",
    ("clinic_campaigns", "plan_cursor"): "a phone only while planning: handled in erase()",
    ("clinic_appointments", "created_by"): "staff username",
    ("health_facilities", "name"): "a CSCom",
    ("health_facilities", "phone"): "a CSCom's phone",
    ("savings_groups", "name"): "a savings group",
    ("reminders", "facility_name"): "a CSCom",
    ("reminders", "skip_reason"): "a reason code or staff username",
    ("savings_pins", "pin_hash"): "deleted with her membership's PIN in erase()",
    ("savings_pins", "pending_hash"): "deleted with her membership's PIN in erase()",
    ("audit_log", "actor_label"): "staff username; persons are named by keyed hash only",
    ("audit_log", "details"): "ids, codes and counts only",
    ("dhis2_pushes", "payload"): "counts only",
    ("dhis2_pushes", "payload_hash"): "counts only",
    ("dhis2_pushes", "period"): "a month",
    ("clinic_api_tokens", "token_hash"): "a centre's tool",
    ("clinic_staff", "password_hash"): "staff account",
    ("health_enrollments", "reason_code"): "a code from a fixed list",
    ("savings_ledger", "reason"): "a health-fund payout's reason code, from a fixed list",
    ("savings_phone_changes", "old_phone"): "her rows are deleted in erase()",
    ("savings_phone_changes", "new_phone"): "her rows are deleted in erase()",
    ("health_outcomes", "reason_code"): "a code from a fixed list, on a row that no longer names her",
}


@dataclass
class ErasureReport:
    placeholder: str
    rows: dict[str, int] = field(default_factory=dict)  # table -> rows anonymised or deleted
    redis_keys: int = 0

    def lines(self) -> list[str]:
        done = [f"{table}: {count} row(s) {'deleted' if table in DELETED else 'anonymised'}"
                for table, count in sorted(self.rows.items()) if count]
        return done + [f"redis: {self.redis_keys} key(s) deleted", "phone blocked from SMS, calls and new records"]


def _table(name: str):
    return Base.metadata.tables[name]


def _anonymise(db, name: str, policy: Policy, phone: str, stand_in: str) -> int:
    table = _table(name)
    where = table.c[policy.phone_column] == phone
    if policy.delete:
        return db.execute(delete(table).where(where)).rowcount
    values = {policy.phone_column: stand_in}
    for column in policy.cleared:
        values[column] = None if table.c[column].nullable else ""
    for column in policy.rekeyed:
        values[column] = literal(stand_in + ":") + cast(table.c.id, String)
    values.update(policy.extra)
    return db.execute(update(table).where(where).values(**values)).rowcount


def erase(db, phone: str, now: datetime) -> ErasureReport:
    """Forget `phone`'s owner everywhere (the caller commits, then `forget_sessions`)."""
    planning = db.scalar(select(Campaign.id).where(Campaign.plan_cursor == phone, Campaign.status == "planning"))
    if planning is not None:
        raise ErasureError(f"campaign {planning} is being planned from this number right now: try again in a minute")
    stand_in = placeholder(block(db, phone, now).id)
    report = ErasureReport(stand_in)
    member_ids = list(db.scalars(select(Member.id).where(Member.phone == phone)))
    if member_ids:
        report.rows["savings_pins"] = db.execute(
            delete(PinCredential).where(PinCredential.member_id.in_(member_ids))).rowcount
    # The numbers she had before or after a change name her: that history goes.
    report.rows["savings_phone_changes"] = db.execute(
        delete(PhoneChange).where(or_(PhoneChange.old_phone == phone, PhoneChange.new_phone == phone))).rowcount
    # What was planned for her never goes.
    reminders = _table("reminders")
    db.execute(update(reminders).where(reminders.c.phone == phone, reminders.c.status == PLANNED)
               .values(status=STOPPED, skip_reason=ERASED_REASON, closed_at=now))
    appointments = _table("clinic_appointments")
    db.execute(update(appointments).where(appointments.c.phone == phone, appointments.c.stopped_at.is_(None))
               .values(stopped_at=now))
    outbox.stop_for_erasure(db, phone, now)
    for name, policy in PERSONAL_COLUMNS.items():
        report.rows[name] = _anonymise(db, name, policy, phone, stand_in)
    db.execute(update(Campaign).where(Campaign.plan_cursor == phone).values(plan_cursor=None))
    db.flush()
    db.expire_all()  # objects loaded before hold what the rows no longer do
    return report


def forget_sessions(redis_client, phone: str) -> int:
    """Her USSD sessions, locks, cached answers and resume offer (ussd_app.menus.store keys)."""
    keys = {key for pattern in SessionStore.phone_key_patterns(phone)
            for key in redis_client.scan_iter(match=pattern, count=500)}
    return redis_client.delete(*keys) if keys else 0
