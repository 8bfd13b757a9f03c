"""The centre's register as CSV: `reference,dose,date` rows (a dose such as Penta1, or CPN for
an antenatal contact), checked in full before anything is written, then recorded as the
dashboard records them. Importing the same file again records nothing twice (each row's key is
its reference, dose and date)."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date, datetime
from ussd_app.health.calendar import CALENDAR
from ussd_app.health.enrollment import APPROVED, CHILD, PREGNANCY, Enrollment, by_reference
from ussd_app.health.records import record_contact, record_doses

COLUMNS = ("reference", "dose", "date")
CONTACT = ("CPN", "ANC")  # an antenatal contact (consultation prénatale)
_DAY = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$|^(\d{4})-(\d{2})-(\d{2})$")


class RegisterImportError(ValueError):
    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class RegisterRow:
    line: int
    enrollment: Enrollment
    dose: str | None  # None: an antenatal contact
    day: date


def parse_day(text: str) -> date | None:
    """05/03/2026 as registers write it, or 2026-03-05."""
    found = _DAY.match(text)
    if not found:
        return None
    d, m, y, iy, im, idd = found.groups()
    try:
        return date(int(iy), int(im), int(idd)) if iy else date(int(y), int(m), int(d))
    except ValueError:
        return None


def parse(db, text: str, *, today: date) -> list[RegisterRow]:
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise RegisterImportError([f"header: missing column(s) {', '.join(missing)}; expected {','.join(COLUMNS)}"])
    rows, problems = [], []
    for line, raw in enumerate(reader, start=2):
        values = {c: " ".join((raw.get(c) or "").split()) for c in COLUMNS}
        if not any(values.values()):
            continue
        enrollment = by_reference(db, values["reference"]) if values["reference"] else None
        day = parse_day(values["date"])
        dose_name = values["dose"].upper()
        contact = dose_name in CONTACT
        dose = None if contact else CALENDAR.dose(values["dose"])
        errors = []
        if enrollment is None or enrollment.status != APPROVED:
            errors.append(f"no approved registration {values['reference']!r}")
        elif contact and enrollment.kind != PREGNANCY:
            errors.append("CPN is for a pregnancy's registration")
        elif not contact and enrollment.kind != CHILD:
            errors.append("a dose is for a child's registration")
        if not contact and dose is None:
            errors.append(f"unknown dose {values['dose']!r} (e.g. Penta1, RR1, or CPN)")
        if day is None or day > today:
            errors.append(f"date {values['date']!r} must be DD/MM/YYYY, today or earlier")
        elif enrollment is not None and enrollment.birth_date and day < enrollment.birth_date:
            errors.append("date before the birth")
        if errors:
            problems.append(f"line {line}: " + "; ".join(errors))
        else:
            rows.append(RegisterRow(line, enrollment, None if contact else dose.key, day))
    if problems:
        raise RegisterImportError(problems)
    if not rows:
        raise RegisterImportError(["the file has no rows"])
    return rows


def record(db, row: RegisterRow, *, recorded_by: str, now: datetime) -> int:
    """One row; returns 1 if it was new, 0 if already recorded."""
    key = f"csv:{row.enrollment.reference}:{row.dose or 'CPN'}:{row.day.isoformat()}"
    if row.dose is None:
        return record_contact(db, row.enrollment, row.day, recorded_by=recorded_by, client_key=key, now=now).created
    return record_doses(db, row.enrollment, [(row.dose, row.day)], recorded_by=recorded_by, client_key=key,
                        now=now).created
