"""Typed dates (day first, with or without separators, short years), the under-five rule and the
expected date of delivery."""

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
    ("150926", date(2026, 9, 15)),  # DDMMYY
    ("050325", date(2025, 3, 5)),
    ("5/3/2025", date(2025, 3, 5)),  # D/M/YYYY
    ("05-03-25", date(2025, 3, 5)),  # DD-MM-YY
    ("5.3.25", date(2025, 3, 5)),
    (" 5 / 3 / 25 ", date(2025, 3, 5)),
    ("1509", date(2026, 9, 15)),  # DDMM: this year
    ("15/9", date(2026, 9, 15)),
    ("2211", TODAY),
])
def test_parses_the_usual_forms_day_first(typed, expected):
    assert dates.parse_date(typed, TODAY) == expected


@pytest.mark.parametrize("typed, kind", [
    ("29022023", "not_a_date"),  # not a leap year
    ("29021900", "not_a_date"),  # century, not a leap year
    ("31042025", "not_a_date"),
    ("00012025", "not_a_date"),
    ("15132025", "not_a_date"),
    ("310425", "not_a_date"),
    ("2902", "not_a_date"),  # this year has no 29 February
    ("0503025", "format"),  # 7 digits: 3-digit year, or a day without its zero?
    ("05/03/025", "format"),  # 3-digit year with separators
    ("5032025", "format"),  # day without its leading zero is ambiguous
    ("50325", "format"),
    ("503", "format"),
    ("0503202512", "format"),
    ("05a32025", "format"),
    ("5/3/2025/1", "format"),
    ("105/3/2025", "format"),
    ("", "format"),
    ("05030025", "format"),  # year 0025
    ("2311", "no_year"),  # tomorrow this year: last year's 23 November, or another?
    ("01/12", "no_year"),
])
def test_refuses_what_cannot_be_read_one_way(typed, kind):
    with pytest.raises(DateProblem) as problem:
        dates.parse_date(typed, TODAY)
    assert problem.value.kind == kind


def test_29_february_2000_is_a_date():
    assert dates.parse_date("29022000", TODAY) == date(2000, 2, 29)


def test_short_forms_reach_the_pregnancy_and_child_rules():
    assert dates.last_period_date("150926", TODAY) == date(2026, 9, 15)
    assert dates.child_birth_date("1/6/24", TODAY) == date(2024, 6, 1)
    with pytest.raises(DateProblem) as problem:
        dates.child_birth_date("231126", TODAY)
    assert problem.value.kind == "future"


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
