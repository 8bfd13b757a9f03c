"""Dates a mother types on a keypad (DDMMYYYY) and the pregnancy arithmetic built on them.

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
    """Why a typed date is refused: one of "format", "not_a_date", "future", "too_old"."""

    def __init__(self, kind: str):
        super().__init__(kind)
        self.kind = kind


def today_in_mali(now: datetime) -> date:
    return now.astimezone(timezone.utc).date()  # Africa/Bamako is UTC+0 all year


def parse_ddmmyyyy(text: str) -> date:
    """A date typed as 8 digits, day month year (separators tolerated: 05/03/2024)."""
    digits = _SEPARATORS.sub("", text or "")
    if len(digits) != 8 or not is_digits(digits):
        raise DateProblem("format")  # includes 2- and 3-digit years
    day, month, year = int(digits[:2]), int(digits[2:4]), int(digits[4:])
    if year < 1900:
        raise DateProblem("format")
    try:
        return date(year, month, day)
    except ValueError:
        raise DateProblem("not_a_date") from None  # 31 April, 29 February 2023, ...


def add_years(day: date, years: int) -> date:
    """The same calendar day `years` later; 29 February becomes 1 March in a common year."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return date(day.year + years, 3, 1)


def child_birth_date(text: str, today: date) -> date:
    """A child's date of birth: a real date, not in the future, before her fifth birthday."""
    born = parse_ddmmyyyy(text)
    if born > today:
        raise DateProblem("future")
    if add_years(born, UNDER_FIVE_YEARS) <= today:
        raise DateProblem("too_old")
    return born


def last_period_date(text: str, today: date) -> date:
    """First day of the last period of a woman pregnant now: not in the future, ≤ 42 weeks ago."""
    lmp = parse_ddmmyyyy(text)
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
