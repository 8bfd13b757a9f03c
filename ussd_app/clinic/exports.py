"""CSV exports of a centre's data, streamed: no export ever holds its rows in memory.

Each export is planned inside the request (the scope is checked there: another centre's group
or campaign is a 404 before a byte is sent), then streamed from a session of its own with
`yield_per` batches (a server-side cursor on PostgreSQL), one CSV chunk per batch.

The file is standard CSV (comma-separated, quoted where needed, CRLF, a header row) in UTF-8
with a byte-order mark, so spreadsheet software reads Bambara letters (ɛ ɔ ɲ ŋ) correctly.
Text that a spreadsheet would run as a formula (=, @, or + and - before something that is not
a number) gets a leading apostrophe. Phones: in full for the staff (or token) of the person's own
centre, as the dashboard shows them; an export of every centre (admins, all-centre tokens, the
CLI without --facility) masks them and keeps `person_key`, the same for a phone in every export.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import re
from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Callable, Iterator

from sqlalchemy import String, cast, literal, null, select
from werkzeug.exceptions import NotFound

from ussd_app.clinic import campaigns, care
from ussd_app.clinic.directory import outbox_in_scope
from ussd_app.clinic.models import Appointment, Campaign
from ussd_app.clinic.scope import Scope
from ussd_app.health.enrollment import Enrollment
from ussd_app.health.facilities import Facility
from ussd_app.savings.ledger import reference as ledger_reference
from ussd_app.savings.models import Cycle, LedgerEntry, Meeting, Member, SavingsGroup
from ussd_app.sms.outbox import OutboxMessage
from ussd_app.sms.reminder import Reminder
from ussd_app.text.keypad import is_digits
from ussd_app.web_input import MAX_ID

BOM = "\ufeff"
BATCH = 1000
KINDS = ("registrations", "people", "campaigns", "outbox", "ledger", "late")
NUMBER = re.compile(r"^[+-]?\d+$")
FORMULA_START = ("=", "@", "\t", "\r", "+", "-")


class ExportError(ValueError):
    """The export was asked for with missing or malformed parameters."""


@dataclass(frozen=True)
class Viewer:
    """Who reads the file: decides how phones appear."""

    scope: Scope
    secret: bytes

    @property
    def full_phones(self) -> bool:
        return not self.scope.is_admin and bool(self.scope.facility_code)

    def phone(self, phone: str | None) -> str:
        if not phone or self.full_phones:
            return phone or ""
        # The country code and the last two digits, without the "+" a spreadsheet reads as a formula.
        digits = phone.lstrip("+")
        return digits[:3] + "*" * max(0, len(digits) - 5) + digits[-2:]

    def person_key(self, phone: str | None) -> str:
        if not phone:
            return ""
        return hmac.new(self.secret, phone.encode("utf-8"), hashlib.sha256).hexdigest()[:16]


@dataclass(frozen=True)
class ExportPlan:
    kind: str
    header: tuple[str, ...]
    queries: tuple
    cells: Callable  # (row, viewer) -> list of values
    filename: str


def cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    text = str(value)
    if text.startswith(FORMULA_START) and not NUMBER.match(text):
        return "'" + text
    return text


def _registration_cells(row, viewer: Viewer) -> list:
    (reference, kind, status, code, phone, language, child, birth, due, month, reason, created,
     decided) = row
    return [reference, kind, status, code, viewer.phone(phone), viewer.person_key(phone), language,
            child, birth, due, month, reason, created, decided]


def _registrations(scope: Scope) -> tuple:
    return (select(Enrollment.reference, Enrollment.kind, Enrollment.status, Facility.code,
                   Enrollment.phone, Enrollment.language, Enrollment.child_name, Enrollment.birth_date,
                   Enrollment.due_date, Enrollment.pregnancy_month, Enrollment.reason,
                   Enrollment.created_at, Enrollment.decided_at)
            .join(Facility, Facility.id == Enrollment.facility_id)
            .where(scope.where(Facility.code)).order_by(Enrollment.id),)


def _people_cells(row, viewer: Viewer) -> list:
    phone, *rest = row
    return [viewer.phone(phone), viewer.person_key(phone), *rest]


def _people(scope: Scope) -> tuple:
    """Every registration of the centre with its reminders (one row each; none: one row), then
    the centre's appointments with theirs."""
    of_registrations = (
        select(Enrollment.phone, Facility.code, literal("registration").label("source"), Enrollment.reference,
               Enrollment.kind, Enrollment.status, Enrollment.child_name, Reminder.kind, Reminder.step,
               Reminder.visit_date, Reminder.due_at, Reminder.status, Reminder.skip_reason)
        .join(Facility, Facility.id == Enrollment.facility_id)
        .outerjoin(Reminder, Reminder.source_ref == literal("enrollment:") + Enrollment.reference)
        .where(scope.where(Facility.code))
        .order_by(Enrollment.phone, Enrollment.id, Reminder.visit_date, Reminder.id))
    of_appointments = (
        select(Appointment.phone, Appointment.facility_code, literal("appointment").label("source"),
               Appointment.enrollment_reference, cast(null(), String).label("registration_kind"),
               cast(null(), String).label("registration_status"), cast(null(), String).label("child_name"),
               Reminder.kind, Reminder.step, Reminder.visit_date,
               Reminder.due_at, Reminder.status, Reminder.skip_reason)
        .outerjoin(Reminder, Reminder.source_ref == literal("appointment:") + cast(Appointment.id, String))
        .where(scope.where(Appointment.facility_code))
        .order_by(Appointment.phone, Appointment.id, Reminder.id))
    return of_registrations, of_appointments


def _campaign_cells(row, viewer: Viewer) -> list:
    campaign_id, title, code, recipient, *rest = row
    return [campaign_id, title, code, viewer.phone(recipient), viewer.person_key(recipient), *rest]


def _campaigns(scope: Scope, campaign: Campaign | None) -> tuple:
    query = (select(Campaign.id, Campaign.title, Campaign.facility_code, OutboxMessage.recipient,
                    OutboxMessage.language, OutboxMessage.status, OutboxMessage.parts,
                    OutboxMessage.due_at, OutboxMessage.sent_at, OutboxMessage.final_at,
                    OutboxMessage.last_error)
             .join(Campaign, Campaign.id == OutboxMessage.campaign_id)
             .where(scope.where(Campaign.facility_code)).order_by(Campaign.id, OutboxMessage.id))
    if campaign is not None:
        query = query.where(Campaign.id == campaign.id)
    return (query,)


def _outbox_cells(row, viewer: Viewer) -> list:
    outbox_id, created, due, recipient, *rest = row
    return [outbox_id, created, due, viewer.phone(recipient), viewer.person_key(recipient), *rest]


def _outbox(scope: Scope) -> tuple:
    return (select(OutboxMessage.id, OutboxMessage.created_at, OutboxMessage.due_at,
                   OutboxMessage.recipient, OutboxMessage.language, OutboxMessage.kind,
                   OutboxMessage.status, OutboxMessage.parts, OutboxMessage.attempts,
                   OutboxMessage.sent_at, OutboxMessage.final_at, OutboxMessage.campaign_id,
                   OutboxMessage.last_error, OutboxMessage.body)
            .where(outbox_in_scope(scope)).order_by(OutboxMessage.id),)


def _ledger_cells(row, viewer: Viewer) -> list:
    (entry_id, created, cycle, held_on, number, name, phone, kind, shares, amount, reverses,
     loan, reason, registration) = row
    return [ledger_reference(entry_id), created, cycle, held_on, number, name, viewer.phone(phone),
            kind, shares, amount, ledger_reference(reverses) if reverses else "",
            ledger_reference(loan) if loan else "", reason or "", registration or ""]


def _ledger(group: SavingsGroup) -> tuple:
    return (select(LedgerEntry.id, LedgerEntry.created_at, Cycle.number, Meeting.held_on, Member.number,
                   Member.name, Member.phone, LedgerEntry.kind, LedgerEntry.shares, LedgerEntry.amount,
                   LedgerEntry.reverses_id, LedgerEntry.loan_id, LedgerEntry.reason,
                   Enrollment.reference)
            .join(Member, Member.id == LedgerEntry.member_id)
            .outerjoin(Enrollment, Enrollment.id == LedgerEntry.enrollment_id)
            .join(Cycle, Cycle.id == LedgerEntry.cycle_id)
            .outerjoin(Meeting, Meeting.id == LedgerEntry.meeting_id)
            .where(LedgerEntry.group_id == group.id).order_by(LedgerEntry.id),)


HEADERS = {
    "registrations": ("reference", "kind", "status", "facility_code", "phone", "person_key", "language",
                      "child_name", "birth_date", "due_date", "pregnancy_month", "reason", "created_at",
                      "decided_at"),
    "people": ("phone", "person_key", "facility_code", "source", "reference", "registration_kind",
               "registration_status", "child_name", "reminder_kind", "reminder_step", "visit_date",
               "reminder_due_at", "reminder_status", "skip_reason"),
    "campaigns": ("campaign_id", "campaign_title", "facility_code", "recipient", "person_key", "language",
                  "status", "sms_parts", "due_at", "sent_at", "final_at", "last_error"),
    "outbox": ("id", "created_at", "due_at", "recipient", "person_key", "language", "kind", "status",
               "sms_parts", "attempts", "sent_at", "final_at", "campaign_id", "last_error", "body"),
    "ledger": ("entry", "created_at", "cycle", "meeting_date", "member_number", "member_name",
               "member_phone", "kind", "shares", "amount_xof", "reverses", "loan", "payout_reason",
               "registration"),
    "late": ("reference", "kind", "facility_code", "name", "phone", "person_key", "missed", "due",
             "days_late"),
}


def _late_cells(row, viewer: Viewer) -> list:
    reference, kind, code, name, phone, *rest = row
    return [reference, kind, code, name, viewer.phone(phone), viewer.person_key(phone), *rest]


def _positive_int(raw, name: str) -> int | None:
    if raw in (None, ""):
        return None
    raw = str(raw)
    if not is_digits(raw) or not 1 <= int(raw) <= MAX_ID:
        raise ExportError(f"{name} must be a whole number from 1 to {MAX_ID}")
    return int(raw)


def plan(db, scope: Scope, kind: str, *, today: date, group_id=None, campaign_id=None) -> ExportPlan:
    """What to export, checked against the scope (404 outside it) before anything streams."""
    if kind not in KINDS:
        raise NotFound()
    label = scope.facility_code if not scope.is_admin and scope.facility_code else "all"
    stamp = today.strftime("%Y%m%d")
    if kind == "ledger":
        group_id = _positive_int(group_id, "group_id")
        if group_id is None:
            raise ExportError("group_id: which savings group's ledger")
        group = db.get(SavingsGroup, group_id)
        if group is None:
            raise NotFound()
        scope.check(group.facility_code)
        return ExportPlan(kind, HEADERS[kind], _ledger(group), _ledger_cells,
                          f"ledger-group{group.id}-{stamp}.csv")
    if kind == "campaigns":
        campaign_id = _positive_int(campaign_id, "campaign_id")
        campaign = campaigns.get(db, scope, campaign_id) if campaign_id is not None else None
        suffix = f"campaign{campaign.id}" if campaign is not None else label
        return ExportPlan(kind, HEADERS[kind], _campaigns(scope, campaign), _campaign_cells,
                          f"campaigns-{suffix}-{stamp}.csv")
    if kind == "late":  # computed from each journey's plan, not one query: a callable of the session
        return ExportPlan(kind, HEADERS[kind], (lambda db: care.late_rows(db, scope, today),), _late_cells,
                          f"late-{label}-{stamp}.csv")
    queries = {"registrations": _registrations, "people": _people, "outbox": _outbox}[kind](scope)
    cells = {"registrations": _registration_cells, "people": _people_cells, "outbox": _outbox_cells}[kind]
    return ExportPlan(kind, HEADERS[kind], queries, cells, f"{kind}-{label}-{stamp}.csv")


def csv_chunk(rows) -> str:
    out = io.StringIO()
    csv.writer(out).writerows([cell(v) for v in row] for row in rows)
    return out.getvalue()


def stream(session_factory, export: ExportPlan, viewer: Viewer, *, batch: int = BATCH,
           on_rows: Callable[[int], None] | None = None) -> Iterator[bytes]:
    """The file, chunk by chunk: the header first, then one chunk per batch of rows."""
    yield (BOM + csv_chunk([export.header])).encode("utf-8")
    db = session_factory()
    try:
        for query in export.queries:
            if callable(query):
                rows = list(query(db))
                partitions = (rows[i:i + batch] for i in range(0, len(rows), batch))
            else:
                partitions = db.execute(query.execution_options(yield_per=batch)).partitions()
            for rows in partitions:
                if on_rows is not None:
                    on_rows(len(rows))
                yield csv_chunk(export.cells(row, viewer) for row in rows).encode("utf-8")
    finally:
        db.close()
