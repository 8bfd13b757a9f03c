"""The mapping file is checked whole when it is loaded, at start-up and by the CLI."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.conftest import REDIS_URL
from tests.dhis2.conftest import ELEMENTS, mapping_json
from ussd_app import create_app
from ussd_app.cli import main
from ussd_app.dhis2.indicators import INDICATORS
from ussd_app.dhis2.mapping import MappingError, load_mapping, parse_mapping

EXAMPLE = Path(__file__).resolve().parents[2] / "ussd_app" / "dhis2" / "mapping.example.json"


def problems_of(raw) -> list[str]:
    with pytest.raises(MappingError) as caught:
        parse_mapping(raw)
    return caught.value.problems


def test_the_shipped_example_maps_every_indicator():
    mapping = load_mapping(EXAMPLE)
    assert set(mapping.targets) == set(INDICATORS)
    assert mapping.org_unit("BKO-C1-SOTUBA") == "DiszpKrYNg8"


def test_an_unknown_indicator_is_named():
    raw = mapping_json(elements={**ELEMENTS, "births_at_home": "Ab3456789Cd"})
    assert any("unknown indicator 'births_at_home'" in p for p in problems_of(raw))


@pytest.mark.parametrize("uid", ["Ix2HsbDMLe", "Ix2HsbDMLeaa", "1x2HsbDMLea", "Ix2Hsb-MLea", "", 12345678901])
def test_a_malformed_uid_is_refused(uid):
    raw = mapping_json()
    raw["dataElements"]["children_received"]["dataElement"] = uid
    assert any("children_received.dataElement" in p and "not a DHIS2 uid" in p for p in problems_of(raw))


def test_every_problem_is_listed_at_once():
    raw = mapping_json(org_units={"BKO-C1-SOTUBA": "short", "not a code": "DiszpKrYNg8"})
    raw["dataSet"] = "bad"
    raw["extra"] = 1
    found = problems_of(raw)
    assert len(found) == 4, found
    assert any("dataSet" in p for p in found) and any("'not a code'" in p for p in found)


def test_two_indicators_on_one_value_or_two_centres_on_one_org_unit_are_refused():
    raw = mapping_json(elements={"children_received": "Ix2HsbDMLea", "children_approved": "Ix2HsbDMLea"},
                       org_units={"BKO-C1-SOTUBA": "DiszpKrYNg8", "BKO-C1-BOULK": "DiszpKrYNg8"})
    found = problems_of(raw)
    assert any("same data element" in p for p in found) and any("share the org unit" in p for p in found)


def test_a_file_that_is_not_json_says_so(tmp_path):
    path = tmp_path / "mapping.json"
    path.write_text("dataElements: {}")
    with pytest.raises(MappingError, match="not valid JSON"):
        load_mapping(path)
    with pytest.raises(MappingError, match="cannot read it"):
        load_mapping(tmp_path / "missing.json")


def test_a_bad_mapping_stops_the_app_at_start(settings, tmp_path):
    path = tmp_path / "mapping.json"
    path.write_text(json.dumps(mapping_json(elements={"no_such_indicator": "Ix2HsbDMLea"})))
    with pytest.raises(MappingError, match="no_such_indicator"):
        create_app(replace(settings, dhis2_url="http://dhis2.example", dhis2_mapping=path))
    with pytest.raises(MappingError, match="DHIS2_MAPPING is not"):
        create_app(replace(settings, dhis2_url="http://dhis2.example"))


def test_the_cli_check_lists_the_problems(tmp_path, database_url):
    path = tmp_path / "mapping.json"
    env = {"DATABASE_URL": database_url, "REDIS_URL": REDIS_URL, "DHIS2_URL": "http://dhis2.example",
           "DHIS2_MAPPING": str(path), "USSD_INSTANCE_PATH": str(tmp_path / "instance")}
    path.write_text(json.dumps(mapping_json()))
    good = CliRunner().invoke(main, ["dhis2", "check"], env=env)
    assert good.exit_code == 0 and f"{len(ELEMENTS)} indicator(s), 2 CSCom(s)" in good.output
    path.write_text(json.dumps(mapping_json(org_units={"BKO-C1-SOTUBA": "DiszpKrYNg"})))
    bad = CliRunner().invoke(main, ["dhis2", "check"], env=env)
    assert bad.exit_code == 1 and "orgUnits.BKO-C1-SOTUBA" in bad.output
