"""The mapping file: which DHIS2 data element each indicator goes to, and each CSCom's org unit.

A JSON file (DHIS2_MAPPING), checked whole when it is loaded (at start-up and by the CLI), so
a typo stops the service with every problem listed instead of sending values to the wrong place:

    {"dataSet": "QX4ZTUbOt3a",                                   (optional)
     "dataElements": {"pregnancies_received": {"dataElement": "Ix2HsbDMLea",
                                               "categoryOptionCombo": "HllvX50cXC0"}, ...},
     "orgUnits": {"BKO-C1-SOTUBA": "DiszpKrYNg8", ...}}

A DHIS2 uid is 11 characters, letters and digits, starting with a letter (dhis2-core
CodeGenerator / dhis2-java-client UidUtils: `^[a-zA-Z][a-zA-Z0-9]{10}$`). Without a
categoryOptionCombo, DHIS2 uses the data element's default combination.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from ussd_app.dhis2.indicators import INDICATORS
from ussd_app.health.facilities import CODE as FACILITY_CODE

UID = re.compile(r"^[A-Za-z][A-Za-z0-9]{10}$")
TOP_KEYS = {"dataSet", "dataElements", "orgUnits"}
TARGET_KEYS = {"dataElement", "categoryOptionCombo"}
MAX_BYTES = 1_000_000


class MappingError(ValueError):
    """The mapping file is unusable: every problem is listed."""

    def __init__(self, problems: list[str], source: str = "DHIS2 mapping"):
        super().__init__(f"{source}: " + "; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Target:
    data_element: str
    category_option_combo: str | None = None


@dataclass(frozen=True)
class Mapping:
    data_set: str | None
    targets: dict[str, Target]  # indicator -> where its value goes
    org_units: dict[str, str] = field(default_factory=dict)  # facility code -> org unit uid

    def org_unit(self, facility_code: str) -> str:
        try:
            return self.org_units[facility_code]
        except KeyError:
            raise MappingError([f"no org unit for CSCom {facility_code!r}: add it to \"orgUnits\""]) from None


def _uid(value, where: str, problems: list[str]) -> str | None:
    if isinstance(value, str) and UID.match(value):
        return value
    problems.append(f"{where}: {value!r} is not a DHIS2 uid (11 letters or digits, the first a letter)")
    return None


def _targets(raw, problems: list[str]) -> dict[str, Target]:
    if not isinstance(raw, dict) or not raw:
        problems.append('"dataElements" must map at least one indicator')
        return {}
    targets, seen = {}, {}
    for indicator, spec in raw.items():
        where = f"dataElements.{indicator}"
        if indicator not in INDICATORS:
            problems.append(f"unknown indicator {indicator!r} (known: {', '.join(INDICATORS)})")
            continue
        if not isinstance(spec, dict) or "dataElement" not in spec:
            problems.append(f'{where}: give {{"dataElement": uid}} (and optionally "categoryOptionCombo")')
            continue
        extra = set(spec) - TARGET_KEYS
        if extra:
            problems.append(f"{where}: unknown keys {sorted(extra)}")
        element = _uid(spec["dataElement"], f"{where}.dataElement", problems)
        combo = spec.get("categoryOptionCombo")
        if combo is not None:
            combo = _uid(combo, f"{where}.categoryOptionCombo", problems)
        if element is None:
            continue
        key = (element, combo)
        if key in seen:  # both would write one DHIS2 value: the second would overwrite the first
            problems.append(f"{where} and dataElements.{seen[key]} go to the same data element and combination")
        seen[key] = indicator
        targets[indicator] = Target(element, combo)
    return targets


def _org_units(raw, problems: list[str]) -> dict[str, str]:
    if not isinstance(raw, dict) or not raw:
        problems.append('"orgUnits" must map at least one CSCom code to its org unit')
        return {}
    units, owners = {}, {}
    for code, uid in raw.items():
        if not isinstance(code, str) or not FACILITY_CODE.match(code):
            problems.append(f"orgUnits: {code!r} is not a CSCom code (e.g. BKO-C1-SOTUBA)")
            continue
        checked = _uid(uid, f"orgUnits.{code}", problems)
        if checked is None:
            continue
        if checked in owners:  # two centres' reports would overwrite each other
            problems.append(f"orgUnits.{code} and orgUnits.{owners[checked]} share the org unit {checked}")
        owners[checked] = code
        units[code] = checked
    return units


def parse_mapping(raw, source: str = "DHIS2 mapping") -> Mapping:
    problems: list[str] = []
    if not isinstance(raw, dict):
        raise MappingError(["the file must hold a JSON object"], source)
    extra = set(raw) - TOP_KEYS
    if extra:
        problems.append(f"unknown keys {sorted(extra)} (known: {sorted(TOP_KEYS)})")
    data_set = raw.get("dataSet")
    if data_set is not None:
        data_set = _uid(data_set, "dataSet", problems)
    targets = _targets(raw.get("dataElements"), problems)
    org_units = _org_units(raw.get("orgUnits"), problems)
    if problems:
        raise MappingError(problems, source)
    return Mapping(data_set, targets, org_units)


def load_mapping(path: Path) -> Mapping:
    path = Path(path)
    try:
        text = path.read_bytes()[:MAX_BYTES + 1]
    except OSError as exc:
        raise MappingError([f"cannot read it ({exc.strerror})"], str(path)) from None
    if len(text) > MAX_BYTES:
        raise MappingError(["the file is larger than 1 MB"], str(path))
    try:
        raw = json.loads(text.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise MappingError([f"not valid JSON ({exc})"], str(path)) from None
    return parse_mapping(raw, str(path))
