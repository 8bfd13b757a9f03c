"""The calendar file: every row checked at start-up, each with a known source."""

import pytest

from ussd_app.health.calendar import CALENDAR, SHIPPED, CalendarError, parse

pytestmark = pytest.mark.dates


def test_the_shipped_calendar_has_mali_s_visits_and_every_row_cites_a_source():
    assert [step for step, _age, _doses in CALENDAR.visits()] == ["birth", "6w", "10w", "14w", "9m", "15m"]
    keys = {d.key for d in CALENDAR.doses_for(frozenset({"malaria_vaccine"}))}
    assert {"BCG1", "VPO0", "Penta3", "Rota3", "VPI1", "RR1", "VAA1", "MenA1", "RR2", "R211", "R214"} <= keys
    assert all(d.source in CALENDAR.sources for d in CALENDAR.doses)
    assert {d.key for d in CALENDAR.doses if d.flag} == {"R211", "R212", "R213", "R214", "R215"}
    assert CALENDAR.antenatal_weeks == (12, 20, 26, 30, 34, 36, 38, 40)
    assert CALENDAR.dose("penta2").min_interval_days == 28
    assert CALENDAR.dose("Rota1").catch_up_until.count == 24


def _with(old: str, new: str) -> str:
    text = SHIPPED.read_text(encoding="utf-8")
    assert old in text
    return text.replace(old, new, 1)


@pytest.mark.parametrize("old, new, problem", [
    ('source = "who-rota"', 'source = "nowhere"', "unknown source"),
    ('age = "9m"', 'age = "nine months"', "is not like"),
    ('catch_up_until = "24m"', 'catch_up_until = "1w"', "catch-up ends before"),
    ('flag = "malaria_vaccine"', 'flag = "hpv"', "unknown flag"),
    ('{ antigen = "RR", dose = 2,', '{ antigen = "RR", dose = 3,', "without gaps"),
    ("weeks = [12, 20,", "weeks = [20, 12,", "antenatal weeks"),
])
def test_a_bad_row_stops_the_load_and_says_which(old, new, problem):
    with pytest.raises(CalendarError) as raised:
        parse(_with(old, new))
    assert any(problem in p for p in raised.value.problems), raised.value.problems


def test_the_shipped_text_parses_to_the_loaded_calendar():
    assert parse(SHIPPED.read_text(encoding="utf-8")) == CALENDAR
