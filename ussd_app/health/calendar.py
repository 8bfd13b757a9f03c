"""The immunization calendar and antenatal contacts, read from data/calendar.toml and checked.

`CALENDAR` is loaded when this module is first imported (at start-up): a bad row raises
CalendarError listing every problem, so a wrong file never plans a single reminder.
"""

from __future__ import annotations

import calendar as _months
import re
import tomllib
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

SHIPPED = Path(__file__).resolve().parent / "data" / "calendar.toml"
FLAGS = ("malaria_vaccine",)  # per-CSCom switches (columns of health_facilities)
_AGE = re.compile(r"^(\d{1,3})([dwm])$")
FIVE_YEARS = "60m"  # enrollment is for children under five: no dose is planned after that


class CalendarError(ValueError):
    def __init__(self, problems: list[str]):
        super().__init__("calendar.toml: " + "; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Age:
    count: int
    unit: str  # d, w or m

    @classmethod
    def parse(cls, text: str) -> "Age":
        found = _AGE.match(text or "")
        if not found:
            raise ValueError(f"age {text!r} is not like 0d, 6w or 9m")
        return cls(int(found.group(1)), found.group(2))

    def after(self, birth: date) -> date:
        if self.unit == "m":
            return add_months(birth, self.count)
        return birth + timedelta(days=self.count * (7 if self.unit == "w" else 1))

    @property
    def step(self) -> str:
        """The visit's name in reminders: "birth", "6w", "9m"."""
        return "birth" if self.count == 0 else f"{self.count}{self.unit}"


@dataclass(frozen=True)
class Dose:
    antigen: str
    number: int
    age: Age
    min_interval_days: int
    catch_up_until: Age
    flag: str | None
    months_of_year: tuple[int, ...]
    source: str
    effective: date

    @property
    def key(self) -> str:
        """"Penta1", "VPO0": how registers and the dashboard name a dose."""
        return f"{self.antigen}{self.number}"


@dataclass(frozen=True)
class Calendar:
    version: int
    effective: date
    sources: dict[str, str]
    doses: tuple[Dose, ...]
    antenatal_weeks: tuple[int, ...]
    antenatal_source: str

    def doses_for(self, flags: frozenset[str] = frozenset()) -> tuple[Dose, ...]:
        return tuple(d for d in self.doses if d.flag is None or d.flag in flags)

    def dose(self, key: str) -> Dose | None:
        return next((d for d in self.doses if d.key.casefold() == (key or "").strip().casefold()), None)

    def visits(self, flags: frozenset[str] = frozenset()) -> list[tuple[str, Age, tuple[Dose, ...]]]:
        """(step, age, doses) in order of age: the doses of one age are one visit."""
        by_step: dict[str, list[Dose]] = {}
        for dose in sorted(self.doses_for(flags), key=lambda d: d.age.after(date(2000, 1, 1))):
            by_step.setdefault(dose.age.step, []).append(dose)
        return [(step, doses[0].age, tuple(doses)) for step, doses in by_step.items()]


def add_months(day: date, months: int) -> date:
    """Same day of the month `months` later (the month's last day when it is shorter)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, _months.monthrange(year, month)[1]))


def _parse_dose(row: dict, sources: dict, problems: list[str]) -> Dose | None:
    where = f"dose {row.get('antigen')}{row.get('dose')}"
    try:
        dose = Dose(antigen=str(row["antigen"]), number=int(row["dose"]), age=Age.parse(row["age"]),
                    min_interval_days=int(row["min_interval_days"]),
                    catch_up_until=Age.parse(row.get("catch_up_until") or FIVE_YEARS),
                    flag=row.get("flag") or None, months_of_year=tuple(row.get("months_of_year", ())),
                    source=str(row["source"]), effective=date.fromisoformat(row["effective"]))
    except (KeyError, ValueError, TypeError) as exc:
        problems.append(f"{where}: {exc}")
        return None
    base = date(2000, 1, 1)
    if dose.source not in sources:
        problems.append(f"{where}: unknown source {dose.source!r}")
    if dose.flag is not None and dose.flag not in FLAGS:
        problems.append(f"{where}: unknown flag {dose.flag!r}")
    if dose.catch_up_until.after(base) < dose.age.after(base):
        problems.append(f"{where}: catch-up ends before the dose's age")
    if not 0 <= dose.min_interval_days <= 730:
        problems.append(f"{where}: minimum interval out of range")
    if any(m not in range(1, 13) for m in dose.months_of_year):
        problems.append(f"{where}: months_of_year must be 1-12")
    return dose


def parse(text: str) -> Calendar:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise CalendarError([str(exc)]) from exc
    problems: list[str] = []
    sources = data.get("sources") or {}
    doses = [d for d in (_parse_dose(row, sources, problems) for row in data.get("doses", [])) if d]
    seen: dict[str, list[int]] = {}
    for dose in doses:
        if dose.number in seen.get(dose.antigen, []):
            problems.append(f"dose {dose.key} is listed twice")
        seen.setdefault(dose.antigen, []).append(dose.number)
    for antigen, numbers in seen.items():
        start = min(numbers)
        if sorted(numbers) != list(range(start, start + len(numbers))) or start not in (0, 1):
            problems.append(f"{antigen}: doses must be numbered 0 or 1, 2, 3... without gaps")
    antenatal = data.get("antenatal") or {}
    weeks = tuple(antenatal.get("weeks", ()))
    if not weeks or list(weeks) != sorted(set(weeks)) or not all(4 <= w <= 42 for w in weeks):
        problems.append("antenatal weeks must be increasing, between 4 and 42")
    if antenatal.get("source") not in sources:
        problems.append("antenatal: unknown source")
    if not doses:
        problems.append("no dose")
    try:
        effective = date.fromisoformat(data.get("effective", ""))
        version = int(data["version"])
    except (KeyError, ValueError, TypeError) as exc:
        problems.append(f"version/effective: {exc}")
    if problems:
        raise CalendarError(problems)
    return Calendar(version, effective, dict(sources), tuple(doses), weeks, antenatal["source"])


def load(path: Path = SHIPPED) -> Calendar:
    return parse(path.read_text(encoding="utf-8"))


CALENDAR = load()
