"""One clock: every "now" in the service comes from ussd_app/clock.py, and tests can set it."""

import ast
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from ussd_app.clock import ManualClock, StartedAt, from_settings, parse_start, system_now
from ussd_app.config import Settings

PACKAGE = Path(__file__).resolve().parents[1] / "ussd_app"
# Reading the calendar anywhere else would bypass the injected clock.
FORBIDDEN = {("datetime", "now"), ("datetime", "utcnow"), ("datetime", "today"), ("date", "today"),
             ("time", "time")}


def calendar_reads(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                and isinstance(node.func.value, ast.Name) \
                and (node.func.value.id, node.func.attr) in FORBIDDEN:
            found.append(f"{path.relative_to(PACKAGE.parent)}:{node.lineno} "
                         f"{node.func.value.id}.{node.func.attr}()")
    return found


def test_only_the_clock_module_reads_the_calendar():
    reads = [hit for path in PACKAGE.rglob("*.py") if path.name != "clock.py"
             for hit in calendar_reads(path)]
    assert reads == []


def test_the_manual_clock_moves_only_when_told():
    clock = ManualClock(datetime(2028, 2, 29, 23, 59, 50, tzinfo=timezone.utc))
    assert clock() == clock() == clock.now
    assert clock.advance(seconds=10) == datetime(2028, 3, 1, tzinfo=timezone.utc)
    assert clock.today().isoformat() == "2028-03-01"
    with pytest.raises(ValueError):
        clock.set(datetime(2028, 3, 1))  # naive: which zone?


def test_a_started_clock_runs_at_real_speed_from_its_start():
    start = datetime(2027, 12, 31, 23, 59, tzinfo=timezone.utc)
    clock = StartedAt(start)
    first = clock()
    assert timedelta(0) <= first - start < timedelta(seconds=5)
    assert clock() >= first


def test_the_settings_start_the_clock_where_told(tmp_path):
    assert parse_start("2028-02-29") == datetime(2028, 2, 29, tzinfo=timezone.utc)
    assert parse_start("2028-02-29T23:59:50Z") == datetime(2028, 2, 29, 23, 59, 50, tzinfo=timezone.utc)
    settings = Settings.from_env(tmp_path, env={"USSD_CLOCK_START": "2027-01-31T10:00:00Z"})
    assert from_settings(settings)().date().isoformat() == "2027-01-31"
    assert from_settings(Settings.from_env(tmp_path, env={})) is system_now


def test_the_app_answers_by_its_clock(app, clock, dial):
    assert app.extensions["clock"] is clock
    assert app.extensions["ussd_host"].clock is clock
