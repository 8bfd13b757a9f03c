"""CSComs (community health centres) where mothers register for subsidized care.

The list ships as data/facilities.csv (see data/README.md for its sources) and can be replaced
or extended from a CSV with the same columns: `ussd-app facilities import FILE.csv`.
"""

from __future__ import annotations

import csv
import difflib
import io
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import Boolean, String, false, select
from sqlalchemy.orm import Mapped, mapped_column

from ussd_app.clock import system_now
from ussd_app.db import Base, UTCDateTime
from ussd_app.ussd_request import BadCallback, normalise_phone

SHIPPED_CSV = Path(__file__).resolve().parent / "data" / "facilities.csv"
COLUMNS = ("code", "name", "commune", "region", "phone")
# Optional column: "yes" where the centre gives the R21 malaria vaccine (only some districts do:
# see data/calendar.toml). A file without it leaves each centre's setting as it is.
MALARIA_VACCINE = "malaria_vaccine"
YES, NO = ("yes", "oui", "1", "true"), ("", "no", "non", "0", "false")
CODE = re.compile(r"^[A-Z0-9][A-Z0-9\-]{1,31}$")
MAX_NAME = 80
MAX_PLACE = 60


class Facility(Base):
    __tablename__ = "health_facilities"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(MAX_NAME))
    commune: Mapped[str] = mapped_column(String(MAX_PLACE), index=True)  # commune or health district
    region: Mapped[str] = mapped_column(String(MAX_PLACE))
    phone: Mapped[str | None] = mapped_column(String(16))  # E.164
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    malaria_vaccine: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=system_now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=system_now, onupdate=system_now)


@dataclass(frozen=True)
class FacilityRow:
    code: str
    name: str
    commune: str
    region: str
    phone: str | None
    malaria_vaccine: bool | None = None  # None: the file does not say


def flags(facility: Facility) -> frozenset[str]:
    """The calendar's per-centre switches this centre has (ussd_app.health.calendar.FLAGS)."""
    return frozenset({MALARIA_VACCINE} if facility.malaria_vaccine else ())


class FacilityImportError(ValueError):
    """The file has bad rows: every problem is listed, nothing was written."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


def _clean(value: str | None) -> str:
    return " ".join((value or "").split())


def parse_rows(text: str) -> list[FacilityRow]:
    """Check every row of a facilities CSV; raise FacilityImportError listing each bad row."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise FacilityImportError([f"header: missing column(s) {', '.join(missing)}; "
                                   f"expected {','.join(COLUMNS)}"])
    rows, problems, seen = [], [], {}
    for line_no, raw in enumerate(reader, start=2):
        values = {c: _clean(raw.get(c)) for c in COLUMNS}
        if not any(values.values()):
            continue
        errors = []
        code = values["code"].upper()
        if not CODE.match(code):
            errors.append(f"code {values['code']!r} must be 2-32 letters, digits or '-'")
        elif code in seen:
            errors.append(f"code {code} already used on line {seen[code]}")
        for column, limit in (("name", MAX_NAME), ("commune", MAX_PLACE), ("region", MAX_PLACE)):
            if not values[column]:
                errors.append(f"{column} is empty")
            elif len(values[column]) > limit:
                errors.append(f"{column} is longer than {limit} characters")
        phone = None
        if values["phone"]:
            try:
                phone = normalise_phone(values["phone"])
            except BadCallback:
                errors.append(f"phone {values['phone']!r} is not a valid Mali number")
        malaria = None
        if MALARIA_VACCINE in (reader.fieldnames or []):
            said = _clean(raw.get(MALARIA_VACCINE)).casefold()
            if said not in YES + NO:
                errors.append(f"{MALARIA_VACCINE} {said!r} must be yes or no")
            malaria = said in YES
        if errors:
            problems.append(f"line {line_no}: " + "; ".join(errors))
            continue
        seen[code] = line_no
        rows.append(FacilityRow(code, values["name"], values["commune"], values["region"], phone, malaria))
    if problems:
        raise FacilityImportError(problems)
    if not rows:
        raise FacilityImportError(["the file has no facility rows"])
    return rows


def upsert(db, rows: list[FacilityRow], *, now: datetime) -> tuple[int, int]:
    """Add new centres and update known ones (by code). Returns (added, updated)."""
    known = {f.code: f for f in db.scalars(select(Facility).where(
        Facility.code.in_([r.code for r in rows])))}
    added = updated = 0
    for row in rows:
        facility = known.get(row.code)
        if facility is None:
            db.add(Facility(code=row.code, name=row.name, commune=row.commune, region=row.region,
                            phone=row.phone, active=True, malaria_vaccine=bool(row.malaria_vaccine),
                            created_at=now, updated_at=now))
            added += 1
            continue
        if row.malaria_vaccine is not None and facility.malaria_vaccine != row.malaria_vaccine:
            facility.malaria_vaccine, facility.updated_at = row.malaria_vaccine, now
            updated += 1
        elif (facility.name, facility.commune, facility.region, facility.phone, facility.active) != \
                (row.name, row.commune, row.region, row.phone, True):
            facility.name, facility.commune, facility.region = row.name, row.commune, row.region
            facility.phone, facility.active, facility.updated_at = row.phone, True, now
            updated += 1
    db.flush()
    return added, updated


def import_csv_text(db, text: str, *, now: datetime) -> tuple[int, int]:
    return upsert(db, parse_rows(text), now=now)


def load_shipped(db, *, now: datetime) -> tuple[int, int]:
    return import_csv_text(db, SHIPPED_CSV.read_text(encoding="utf-8"), now=now)


def communes(db) -> list[tuple[str, str]]:
    """(region, commune) pairs that have an active centre, Bamako first, then in name order."""
    pairs = db.execute(select(Facility.region, Facility.commune).where(Facility.active)
                       .distinct()).all()
    return sorted(((r, c) for r, c in pairs), key=lambda p: (p[0] != "Bamako", p[0], _commune_key(p[1])))


def _commune_key(name: str):
    # "Commune II" sorts before "Commune IV": order by the Roman numeral, not the letters.
    numerals = {"I": 1, "II": 2, "III": 3, "IV": 4, "V": 5, "VI": 6}
    parts = name.split()
    if len(parts) == 2 and parts[0] == "Commune" and parts[1] in numerals:
        return (0, numerals[parts[1]], name)
    return (1, 0, name)


def in_commune(db, region: str, commune: str) -> list[Facility]:
    return list(db.scalars(select(Facility).where(
        Facility.active, Facility.region == region, Facility.commune == commune)
        .order_by(Facility.name)))


def by_id(db, facility_id: int) -> Facility | None:
    return db.get(Facility, facility_id)


class UnknownFacility(ValueError):
    """A facility code that no centre in the facilities table has."""

    def __init__(self, code: str, suggestions: list[str]):
        hint = f"; did you mean {' or '.join(suggestions)}?" if suggestions else ""
        super().__init__(f"no centre has the code {code!r}{hint} (the codes come from "
                         f"`ussd-app facilities import`)")
        self.code, self.suggestions = code, suggestions


def known_code(db, code: str) -> str:
    """A typed facility code as stored (capitals), or UnknownFacility with the likely codes."""
    wanted = (code or "").strip().upper()
    if db.scalar(select(Facility.id).where(Facility.code == wanted)) is not None:
        return wanted
    codes = list(db.scalars(select(Facility.code).order_by(Facility.code)))
    # "BAKON" for "BKO-C3-BAKON": a code that contains what was typed, else a close spelling.
    containing = [c for c in codes if wanted and wanted in c]
    raise UnknownFacility(wanted, containing[:3] or difflib.get_close_matches(wanted, codes, n=3))


def set_malaria_vaccine(db, code: str, gives: bool, *, now: datetime) -> Facility:
    facility = db.scalar(select(Facility).where(Facility.code == known_code(db, code)))
    if facility.malaria_vaccine != gives:
        facility.malaria_vaccine, facility.updated_at = gives, now
    db.flush()
    return facility
