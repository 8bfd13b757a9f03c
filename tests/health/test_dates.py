"""Typed dates (DDMMYYYY), the under-five rule and the expected date of delivery."""

from datetime import date

import pytest

from ussd_app.health import dates
from ussd_app.health.dates import DateProblem

pytestmark = pytest.mark.dates  # run again under shifted clocks (scripts/test)

TODAY = date(2026, 11, 22)


@pytest.mark.parametrize("typed, expected", [
    ("05032025", date(2025, 3, 5)),
    ("05/03/2025", date(2025, 3, 5)),
    ("05 03 2025", date(2025, 3, 5)),
    ("29022024", date(2024, 2, 29)),  # leap year
    ("31122025", date(2025, 12, 31)),
])
def test_parses_day_month_year(typed, expected):
    assert dates.parse_ddmmyyyy(typed) == expected


@pytest.mark.parametrize("typed, kind", [
    ("29022023", "not_a_date"),  # not a leap year
    ("29021900", "not_a_date"),  # century, not a leap year
    ("31042025", "not_a_date"),
    ("00012025", "not_a_date"),
    ("15132025", "not_a_date"),
    ("0503025", "format"),  # 3-digit year
    ("05/03/025", "format"),  # 3-digit year with separators
    ("050325", "format"),  # 2-digit year
    ("5032025", "format"),  # day without its leading zero is ambiguous
    ("0503202512", "format"),
    ("05a32025", "format"),
    ("", "format"),
    ("05030025", "format"),  # year 0025
])
def test_refuses_bad_dates(typed, kind):
    with pytest.raises(DateProblem) as problem:
        dates.parse_ddmmyyyy(typed)
    assert problem.value.kind == kind


def test_29_february_2000_is_a_date():
    assert dates.parse_ddmmyyyy("29022000") == date(2000, 2, 29)


def test_child_born_today_is_accepted():
    assert dates.child_birth_date("22112026", TODAY) == TODAY


def test_child_born_tomorrow_is_refused_as_future():
    with pytest.raises(DateProblem) as problem:
        dates.child_birth_date("23112026", TODAY)
    assert problem.value.kind == "future"


def test_child_turning_five_tomorrow_is_still_under_five():
    assert dates.child_birth_date("23112021", TODAY) == date(2021, 11, 23)


def test_child_five_today_is_refused():
    with pytest.raises(DateProblem) as problem:
        dates.child_birth_date("22112021", TODAY)
    assert problem.value.kind == "too_old"


def test_six_year_old_is_refused():
    with pytest.raises(DateProblem) as problem:
        dates.child_birth_date("10052020", TODAY)
    assert problem.value.kind == "too_old"


def test_child_born_29_february_turns_five_on_1_march_in_a_common_year():
    born = "29022024"  # fifth birthday would be 29 Feb 2029, which does not exist
    assert dates.child_birth_date(born, date(2029, 2, 28)) == date(2024, 2, 29)
    with pytest.raises(DateProblem):
        dates.child_birth_date(born, date(2029, 3, 1))


def test_child_born_29_february_in_a_common_year_is_refused_as_not_a_date():
    with pytest.raises(DateProblem) as problem:
        dates.child_birth_date("29022025", TODAY)
    assert problem.value.kind == "not_a_date"


def test_age_in_years_with_29_february():
    assert dates.age_in_years(date(2024, 2, 29), date(2025, 2, 28)) == 0
    assert dates.age_in_years(date(2024, 2, 29), date(2025, 3, 1)) == 1
    assert dates.age_in_years(date(2024, 11, 22), TODAY) == 2


def test_naegele_rule_adds_280_days():
    assert dates.due_date_from_last_period(date(2026, 1, 1)) == date(2026, 10, 8)
    assert dates.due_date_from_last_period(date(2024, 5, 24)) == date(2025, 2, 28)
    assert dates.due_date_from_last_period(date(2023, 5, 25)) == date(2024, 2, 29)


def test_last_period_limits():
    assert dates.last_period_date("22112026", TODAY) == TODAY
    assert dates.last_period_date("01022026", TODAY) == date(2026, 2, 1)  # 294 days ago
    for typed, kind in (("23112026", "future"), ("31012026", "too_old"), ("3101206", "format")):
        with pytest.raises(DateProblem) as problem:
            dates.last_period_date(typed, TODAY)
        assert problem.value.kind == kind


@pytest.mark.parametrize("month, weeks_left", [(1, 38), (3, 29), (5, 20), (9, 2)])
def test_due_date_from_month_of_pregnancy(month, weeks_left):
    due = dates.due_date_from_month(month, TODAY)
    assert abs((due - TODAY).days - weeks_left * 7) <= 4
    assert TODAY < due <= TODAY.replace(year=2027)


@pytest.mark.parametrize("month", [0, 10, -1])
def test_month_outside_pregnancy_is_an_error(month):
    with pytest.raises(ValueError):
        dates.due_date_from_month(month, TODAY)
