"""Enrollment references: readable alphabet, stable per hop, unique in the database."""

from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from ussd_app.health import enrollment as enr
from ussd_app.health import references

pytestmark = pytest.mark.dates  # run again under shifted clocks (scripts/test)

LOOK_ALIKES = set("0O1IL5S2Z8B")
NOW = datetime(2026, 11, 22, 9, 0, tzinfo=timezone.utc)


def test_alphabet_has_no_look_alike_characters():
    assert not LOOK_ALIKES & set(references.ALPHABET)
    assert len(set(references.ALPHABET)) == len(references.ALPHABET)
    assert all(ch.isupper() or ch.isdigit() for ch in references.ALPHABET)


def test_candidates_use_only_the_alphabet_and_are_stable():
    refs = {references.candidate(f"ussd:s{i}:7:enroll", 0) for i in range(5000)}
    assert len(refs) == 5000  # no collision among these seeds
    assert all(references.is_well_formed(r) for r in refs)
    assert references.candidate("ussd:abc:7:enroll", 0) == references.candidate("ussd:abc:7:enroll", 0)
    assert references.candidate("ussd:abc:7:enroll", 0) != references.candidate("ussd:abc:7:enroll", 1)


def test_first_free_skips_taken_references():
    first = references.candidate("seed", 0)
    second = references.candidate("seed", 1)
    assert references.first_free("seed", lambda r: r == first) == second


def test_normalise_what_a_clinic_types():
    assert references.normalise(" k7p 4qx ") == "K7P4QX"
    assert not references.is_well_formed("K7P4Q0")
    assert not references.is_well_formed("K7P4Q")


def _register(db, facility, key, ref, name):
    return enr.register(db, request_key=key, reference=ref, phone="+22376000001", language="fr",
                        kind=enr.CHILD, facility_id=facility.id, now=NOW, child_name=name,
                        birth_date=NOW.date().replace(year=2025))


def test_a_planned_reference_avoids_one_already_stored(db, facilities):
    sotuba = facilities["BKO-C1-SOTUBA"]
    key = "ussd:t-collide:9:enroll"
    taken = references.candidate(key, 0)
    _register(db, sotuba, "ussd:other:3:enroll", taken, "Awa")
    planned = enr.plan_reference(db, key)
    assert planned != taken and planned == references.candidate(key, 1)
    stored = _register(db, sotuba, key, planned, "Fanta")
    assert stored.reference == planned
    # once stored, the same hop plans the same reference again (a replayed session)
    assert enr.plan_reference(db, key) == planned


def test_references_are_unique_across_many_enrollments(db, facilities):
    sotuba = facilities["BKO-C1-SOTUBA"]
    for i in range(60):
        key = f"ussd:t-many-{i}:9:enroll"
        _register(db, sotuba, key, enr.plan_reference(db, key), f"Child{chr(65 + i % 26)}{i}")
    db.commit()
    refs = list(db.scalars(select(enr.Enrollment.reference)))
    assert len(refs) == 60 == len(set(refs))
    assert all(references.is_well_formed(r) for r in refs)
