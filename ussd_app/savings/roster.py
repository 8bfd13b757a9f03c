"""Importing a group's roster from a CSV file: every row checked first, then all or nothing.

Columns (header required, any order): name, phone, and optionally number, role; in English or
in French (nom, téléphone, numéro, rôle), separated by commas or by the semicolons a French
spreadsheet writes. Phones may be local ("76 12 34 56") or E.164; roles are member, treasurer or
president, in either language (membre, trésorière, présidente).
"""

from __future__ import annotations

import csv
import io
import unicodedata
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from ussd_app.savings.groups import add_member
from ussd_app.savings.models import ROLES, Member, SavingsGroup
from ussd_app.ussd_request import BadCallback, normalise_phone

REQUIRED = ("name", "phone")
OPTIONAL = ("number", "role")
SINGLE_ROLES = ("treasurer", "president")  # one key holder of each per group
# Header words (folded: lower case, no accents) -> column. "numéro" is the member's number.
HEADERS = {"name": "name", "nom": "name", "nom complet": "name",
           "phone": "phone", "telephone": "phone", "tel": "phone", "numero de telephone": "phone",
           "number": "number", "numero": "number", "no": "number", "n°": "number", "num": "number",
           "role": "role", "fonction": "role"}
# Role words (folded) -> role, so a French sheet's "trésorière" or "tresoriere" is understood.
ROLE_WORDS = {"member": "member", "membre": "member",
              "treasurer": "treasurer", "tresoriere": "treasurer", "tresorier": "treasurer",
              "president": "president", "presidente": "president"}
DELIMITERS = ",;\t"


def fold(word: str) -> str:
    """"Trésorière " -> "tresoriere": how a header or a role is compared."""
    decomposed = unicodedata.normalize("NFKD", " ".join((word or "").split()).casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def parse_role(word: str | None) -> str | None:
    """member, treasurer or president from an English or French word (empty: member)."""
    return ROLE_WORDS.get(fold(word or "") or "member")


def _delimiter(text: str) -> str:
    """The header line's separator: the one of , ; tab it uses most (commas when none)."""
    header = next((line for line in text.splitlines() if line.strip()), "")
    return max(DELIMITERS, key=lambda d: (header.count(d), d == ","))


@dataclass(frozen=True)
class RosterRow:
    line: int
    name: str
    phone: str
    number: int | None
    role: str


class RosterError(ValueError):
    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


def parse_roster(text: str) -> list[RosterRow]:
    """Rows of a roster file, or RosterError listing every problem (line numbers as in the file)."""
    text = text.lstrip("\ufeff")
    reader = csv.DictReader(io.StringIO(text), delimiter=_delimiter(text))
    header = [HEADERS.get(fold(h), fold(h)) for h in (reader.fieldnames or [])]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise RosterError([f"line 1: the header needs the columns {', '.join(REQUIRED)} "
                           f"(or nom, telephone; missing: {', '.join(missing)})"])
    rows, problems = [], []
    for raw in reader:
        line = reader.line_num
        values = {HEADERS.get(fold(k or ""), fold(k or "")): (v or "").strip() for k, v in raw.items()
                  if isinstance(v, str) or v is None}
        if not any(values.values()):
            continue  # blank line
        row_problems = []
        name = " ".join(values.get("name", "").split())
        if not name:
            row_problems.append("the name is empty")
        elif len(name) > 60:
            row_problems.append("the name is longer than 60 characters")
        phone = values.get("phone", "")
        try:
            phone = normalise_phone(phone)
            if not phone.startswith("+223"):
                row_problems.append(f"phone {values['phone']!r} is not a Mali number (+223)")
        except BadCallback:
            row_problems.append(f"phone {values.get('phone', '')!r} is not a valid phone number")
        number = None
        if values.get("number"):
            if values["number"].isdigit() and 1 <= int(values["number"]) <= 99:
                number = int(values["number"])
            else:
                row_problems.append(f"number {values['number']!r} is not a whole number from 1 to 99")
        role = parse_role(values.get("role"))
        if role is None:
            row_problems.append(f"role {values['role']!r} is not one of {', '.join(ROLES)} "
                                f"(membre, trésorière, présidente)")
        problems.extend(f"line {line}: {p}" for p in row_problems)
        if not row_problems:
            rows.append(RosterRow(line, name, phone, number, role))
    if problems:
        raise RosterError(problems)
    if not rows:
        raise RosterError(["the file has no member rows"])
    return rows


def check_against_group(db, group: SavingsGroup, rows: list[RosterRow]) -> list[str]:
    """Problems between the rows, and between the rows and the members already in the group."""
    existing = list(db.scalars(select(Member).where(Member.group_id == group.id)))
    numbers = {m.number: f"{m.name} (already in the group)" for m in existing}
    roles = {m.role: f"{m.name} (already in the group)" for m in existing if m.role in SINGLE_ROLES}
    phones: dict[str, str] = {}
    problems = []
    for row in rows:
        if row.phone in phones:
            problems.append(f"line {row.line}: phone {row.phone} is also on {phones[row.phone]}")
        elif db.scalar(select(Member.id).where(Member.group_id == group.id,
                                               Member.phone == row.phone)):
            problems.append(f"line {row.line}: phone {row.phone} is already in the group")
        phones.setdefault(row.phone, f"line {row.line}")
        if row.number is not None:
            if row.number in numbers:
                problems.append(f"line {row.line}: number {row.number} is already used by "
                                f"{numbers[row.number]}")
            numbers.setdefault(row.number, f"line {row.line}")
        if row.role in SINGLE_ROLES:
            if row.role in roles:
                problems.append(f"line {row.line}: the group already has a {row.role}: {roles[row.role]}")
            roles.setdefault(row.role, f"line {row.line}")
    return problems


def import_roster(db, group: SavingsGroup, text: str, *, now: datetime) -> list[Member]:
    """Add every member of the file to `group`, or none (RosterError). The caller commits."""
    rows = parse_roster(text)
    problems = check_against_group(db, group, rows)
    if problems:
        raise RosterError(problems)
    taken = set(db.scalars(select(Member.number).where(Member.group_id == group.id)))
    taken |= {r.number for r in rows if r.number is not None}
    members, next_free = [], 1
    for row in rows:
        number = row.number
        if number is None:  # rows without a number take the next free ones, in file order
            while next_free in taken:
                next_free += 1
            number = next_free
            taken.add(number)
        if number > 99:
            raise RosterError([f"line {row.line}: no member number left (1 to 99)"])
        members.append(add_member(db, group, phone=row.phone, name=row.name, number=number,
                                  role=row.role, now=now))
    return members
