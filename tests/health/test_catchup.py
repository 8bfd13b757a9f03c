"""Planning from what was given: minimum intervals, catch-up windows, the malaria-vaccine flag."""

from datetime import date, timedelta

import pytest
from hypothesis import given, settings, strategies as st

from ussd_app.health.calendar import CALENDAR
from ussd_app.health.catchup import plan_child, plan_pregnancy

pytestmark = pytest.mark.dates

BIRTH = date(2026, 1, 5)
R21 = frozenset({"malaria_vaccine"})


def by_step(visits):
    return {v.step: v for v in visits}


def test_penta1_given_at_nine_weeks_moves_penta2_to_thirteen_weeks():
    visits = by_step(plan_child(BIRTH, {"Penta1": BIRTH + timedelta(weeks=9)}, earliest=None))
    assert visits["10w"].day == BIRTH + timedelta(weeks=13)
    assert visits["14w"].day == BIRTH + timedelta(weeks=17)  # and Penta3 four weeks after that
    assert [d.key for d in visits["6w"].given] == ["Penta1"]


def test_a_child_registered_at_ten_months_gets_the_9_month_doses_now_and_what_is_still_allowed():
    birth, today = date(2025, 1, 20), date(2025, 11, 22)  # ten months old
    visits = by_step(plan_child(birth, {}, earliest=today))
    assert [d.key for d in visits["9m"].doses] == ["RR1", "VAA1", "MenA1"] and visits["9m"].day == today
    assert visits["6w"].day == today and {d.key for d in visits["6w"].doses} == {"Penta1", "VPO1", "PCV1", "Rota1"}
    assert [d.key for d in visits["birth"].dropped] == ["VPO0"]  # the birth dose of polio is not caught up
    assert [d.key for d in visits["birth"].doses] == ["BCG1"]
    assert visits["10w"].day == today + timedelta(weeks=4) and visits["14w"].day == today + timedelta(weeks=8)
    assert visits["15m"].day == date(2026, 4, 20)  # RR2 at its age, well after RR1


def test_rotavirus_is_not_caught_up_after_24_months():
    birth = date(2024, 1, 10)
    visits = by_step(plan_child(birth, {}, earliest=date(2026, 2, 1)))
    assert {d.key for d in visits["6w"].dropped} == {"Rota1"}
    assert "Penta1" in {d.key for d in visits["6w"].doses}


def test_malaria_vaccine_only_where_the_centre_gives_it():
    assert "5m" not in by_step(plan_child(BIRTH, {}, earliest=None))
    visits = by_step(plan_child(BIRTH, {}, flags=R21, earliest=None))
    assert [visits[s].day for s in ("5m", "6m", "7m")] == [date(2026, 6, 5), date(2026, 7, 5), date(2026, 8, 5)]
    assert visits["13m"].day == date(2027, 5, 1)  # the season after 13 months, 6 months after dose 3
    assert visits["25m"].day == date(2028, 5, 1)


def test_birth_visit_is_kept_when_registration_is_on_the_day_of_birth_or_the_day_after():
    for registered in (BIRTH, BIRTH + timedelta(days=1)):
        visit = by_step(plan_child(BIRTH, {}, earliest=registered + timedelta(days=1)))["birth"]
        assert visit.day == registered + timedelta(days=1)
        assert [d.key for d in visit.doses] == ["BCG1", "VPO0"]


def test_a_pregnancy_approved_at_month_five_gets_a_first_visit_now_and_the_contacts_ahead():
    due = date(2027, 3, 24)  # 22 weeks on 2026-11-18
    rows = plan_pregnancy(due, [], earliest=date(2026, 11, 23))
    assert rows[0] == ("anc-first", date(2026, 11, 23), True)
    asked = [step for step, _day, ok in rows if ok]
    assert asked == ["anc-first", "anc26", "anc30", "anc34", "anc36", "anc38", "anc40"]
    # A contact within two weeks of the first visit is not asked as well.
    close = plan_pregnancy(due, [], earliest=date(2026, 12, 10))
    assert [step for step, _day, ok in close if ok][:2] == ["anc-first", "anc30"]
    # Once she has come, the first contacts count as attended.
    assert plan_pregnancy(due, [date(2026, 11, 23)], earliest=date(2026, 11, 24))[0][0] == "anc20"


@settings(max_examples=60, deadline=None)
@given(age_days=st.integers(0, 5 * 365), given_days=st.lists(st.integers(0, 400), max_size=6),
       flags=st.sampled_from([frozenset(), R21]))
def test_planned_doses_respect_age_interval_and_catch_up_limit(age_days, given_days, flags):
    birth = date(2024, 3, 1)
    today = birth + timedelta(days=age_days)
    doses = [d for d in CALENDAR.doses_for(flags) if d.number <= 1][:len(given_days)]
    given_on = {d.key: min(birth + timedelta(days=n), today) for d, n in zip(doses, given_days)}
    last = dict(given_on)
    for visit in plan_child(birth, given_on, flags=flags, earliest=today):
        assert visit.day >= today
        for dose in visit.doses:
            assert visit.day >= dose.age.after(birth)
            assert visit.day <= dose.catch_up_until.after(birth)
            previous = last.get(f"{dose.antigen}{dose.number - 1}")
            if previous:
                assert visit.day >= previous + timedelta(days=dose.min_interval_days)
            last[dose.key] = visit.day
