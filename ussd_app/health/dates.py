"""Dates a mother types on a keypad and the pregnancy arithmetic built on them.

One parser takes the usual ways of writing a date, day first: 05032025, 050325, 5/3/2025,
05-03-25, 5.3.25, and 0503 or 5/3 for a day of this year. A two-digit year is 20YY (no one
registers a date of the last century). What cannot be read one way only is refused: 3, 5 or 7
digits in a row (is 5032025 the 5th of March or the 50th of 3?), a 3-digit year.

Expected date of delivery by Naegele's rule: first day of the last menstrual period + 280 days
(WHO, "Pregnancy, childbirth, postpartum and newborn care", 3rd ed. 2015, section A "Gestational
age"). Dates are calendar days in Mali (Africa/Bamako, UTC+0).
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone

from ussd_app.text.keypad import is_digits

PREGNANCY_DAYS = 280
LONGEST_PREGNANCY_DAYS = 42 * 7  # an LMP further back than 42 weeks cannot be an ongoing pregnancy
UNDER_FIVE_YEARS = 5
_SEPARATORS = re.compile(r"[\s/.\-]")


class DateProblem(ValueError):
    """Why a typed date is refused: one of "format", "not_a_date", "no_year" (a day and month
    without a year that are later this year), "future", "too_old"."""

    def __init__(self, kind: str):
        super().__init__(kind)
        self.kind = kind


def today_in_mali(now: datetime) -> date:
    return now.astimezone(timezone.utc).date()  # Africa/Bamako is UTC+0 all year


def _parts(text: str) -> tuple[str, str, str | None]:
    """Day, month and year (None: not typed) as typed, or DateProblem("format")."""
    text = (text or "").strip()
    pieces = [p for p in _SEPARATORS.split(text) if p]
    if len(pieces) == 1:  # digits in a row: DDMMYYYY, DDMMYY or DDMM
        digits = pieces[0]
        if len(digits) not in (4, 6, 8):
            raise DateProblem("format")
        pieces = [digits[:2], digits[2:4]] + ([digits[4:]] if len(digits) > 4 else [])
    elif not (2 <= len(pieces) <= 3 and all(1 <= len(p) <= 2 for p in pieces[:2])):
        raise DateProblem("format")
    if not all(is_digits(p) for p in pieces):
        raise DateProblem("format")
    year = pieces[2] if len(pieces) == 3 else None
    if year is not None and len(year) not in (2, 4):
        raise DateProblem("format")
    return pieces[0], pieces[1], year


def parse_date(text: str, today: date) -> date:
    """A date typed day first, in any of the forms above; `today` gives the year of a date typed
    without one (which must not be later than today: it would be last year, or another)."""
    day, month, year_text = _parts(text)
    if year_text is None:
        year = today.year
    elif len(year_text) == 2:
        year = 2000 + int(year_text)
    else:
        year = int(year_text)
        if year < 1900:
            raise DateProblem("format")
    try:
        typed = date(year, int(month), int(day))
    except ValueError:
        raise DateProblem("not_a_date") from None  # 31 April, 29 February 2023, ...
    if year_text is None and typed > today:
        raise DateProblem("no_year")  # this year's date has not come yet: which year then?
    return typed


def add_years(day: date, years: int) -> date:
    """The same calendar day `years` later; 29 February becomes 1 March in a common year."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return date(day.year + years, 3, 1)


def child_birth_date(text: str, today: date) -> date:
    """A child's date of birth: a real date, not in the future, before her fifth birthday."""
    born = parse_date(text, today)
    if born > today:
        raise DateProblem("future")
    if add_years(born, UNDER_FIVE_YEARS) <= today:
        raise DateProblem("too_old")
    return born


def last_period_date(text: str, today: date) -> date:
    """First day of the last period of a woman pregnant now: not in the future, ≤ 42 weeks ago."""
    lmp = parse_date(text, today)
    if lmp > today:
        raise DateProblem("future")
    if (today - lmp).days > LONGEST_PREGNANCY_DAYS:
        raise DateProblem("too_old")
    return lmp


def due_date_from_last_period(lmp: date) -> date:
    return lmp + timedelta(days=PREGNANCY_DAYS)


def due_date_from_month(month: int, today: date) -> date:
    """Estimate from "I am in my Nth month": the middle of that ninth of the 280 days."""
    if not 1 <= month <= 9:
        raise ValueError("month of pregnancy is 1 to 9")
    weeks_along_days = round((month - 0.5) * PREGNANCY_DAYS / 9)
    return today + timedelta(days=PREGNANCY_DAYS - weeks_along_days)


def age_in_years(born: date, today: date) -> int:
    years = today.year - born.year
    if add_years(born, years) > today:
        years -= 1
    return years
