"""Push a month to DHIS2, CSCom by CSCom, and keep what DHIS2 answered.

Each CSCom's month is one dataValueSet (ussd_app.dhis2.client). Its row in `dhis2_pushes` is
written before the request and completed after it, one transaction each, so a crash between
the two leaves a "sending" row that the next run completes. A network failure is retried with
the same payload on the same row: DHIS2 overwrites by value and the row counts attempts, so
nothing is counted twice on either side.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass
from typing import Callable

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ussd_app.dhis2 import models
from ussd_app.dhis2.client import Dhis2Refused, Dhis2Unavailable, ImportSummary
from ussd_app.dhis2.indicators import INDICATORS, Period, count_month
from ussd_app.dhis2.mapping import Mapping, MappingError
from ussd_app.dhis2.models import Dhis2Push

TRIES = 3
RETRY_DELAYS_S = (5, 30)
SUMMARY_STATUS = {"SUCCESS": models.SUCCESS, "WARNING": models.WARNING, "ERROR": models.ERROR}
NO_ORG_UNIT = "no org unit"


@dataclass(frozen=True)
class Outcome:
    """What happened to one CSCom's month (after one attempt when `final` is False)."""

    facility_code: str
    status: str
    attempt: int = 0
    final: bool = True
    summary: ImportSummary | None = None
    error: str | None = None
    payload: dict | None = None


def build_payload(mapping: Mapping, facility_code: str, period: Period, counts: dict[str, int]) -> dict:
    """The dataValueSet of one CSCom's month, every mapped indicator included (zeros too, so a
    value that fell back to zero overwrites the old one)."""
    values = []
    for indicator in INDICATORS:  # a fixed order: the same counts always hash the same
        target = mapping.targets.get(indicator)
        if target is None:
            continue
        value = {"dataElement": target.data_element}
        if target.category_option_combo:
            value["categoryOptionCombo"] = target.category_option_combo
        value["value"] = str(int(counts.get(indicator, 0)))
        values.append(value)
    payload = {"dataSet": mapping.data_set} if mapping.data_set else {}
    payload.update(period=period.dhis2, orgUnit=mapping.org_unit(facility_code), dataValues=values)
    return payload


def payload_hash(payload: dict) -> str:
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def record_attempt(db, facility_code: str, payload: dict, now) -> Dhis2Push:
    """The row of this exact push (found, or added), its attempt counted. Never commits."""
    digest = payload_hash(payload)
    key = (Dhis2Push.facility_code == facility_code, Dhis2Push.period == payload["period"],
           Dhis2Push.payload_hash == digest)
    push = db.scalar(select(Dhis2Push).where(*key))
    if push is None:
        try:
            with db.begin_nested():
                push = Dhis2Push(facility_code=facility_code, period=payload["period"],
                                 org_unit=payload["orgUnit"], payload_hash=digest,
                                 payload=json.dumps(payload, sort_keys=True), status=models.SENDING,
                                 attempts=0, created_at=now, attempted_at=now)
                db.add(push)
        except IntegrityError:  # another process added it this instant: use theirs
            push = db.scalar(select(Dhis2Push).where(*key))
    push.attempts += 1
    push.status, push.error, push.attempted_at = models.SENDING, None, now
    db.flush()
    return push


def record_summary(push: Dhis2Push, summary: ImportSummary) -> None:
    push.status = SUMMARY_STATUS[summary.status]
    push.imported, push.updated = summary.imported, summary.updated
    push.ignored, push.deleted = summary.ignored, summary.deleted
    push.conflicts = json.dumps(summary.conflicts, ensure_ascii=False)
    push.error = (summary.description[:300] or None) if summary.status == "ERROR" else None


def record_failure(push: Dhis2Push, status: str, error: str) -> None:
    push.status, push.error = status, error[:300]


def _send(session_factory, client, code: str, payload: dict, clock, tries: int, delays, sleep,
          progress) -> Outcome:
    outcome = None
    for attempt in range(1, tries + 1):
        with session_factory() as db, db.begin():
            push_id = record_attempt(db, code, payload, clock()).id
        summary, status, error = None, None, None
        try:
            summary = client.post_data_value_set(payload)
            status = SUMMARY_STATUS[summary.status]
        except Dhis2Unavailable as exc:
            status, error = models.UNREACHABLE, str(exc)
        except Dhis2Refused as exc:
            status, error = models.REFUSED, str(exc)
        with session_factory() as db, db.begin():
            push = db.get(Dhis2Push, push_id)
            if summary is not None:
                record_summary(push, summary)
            else:
                record_failure(push, status, error)
        final = status != models.UNREACHABLE or attempt == tries
        outcome = Outcome(code, status, attempt, final, summary, error, payload)
        progress(outcome)
        if final:
            return outcome
        sleep(delays[min(attempt - 1, len(delays) - 1)])
    return outcome


def push_month(session_factory, client, mapping: Mapping, period: Period, *, clock: Callable,
               facility_codes: list[str] | None = None, dry_run: bool = False, tries: int = TRIES,
               delays=RETRY_DELAYS_S, sleep=time.sleep,
               progress: Callable[[Outcome], None] = lambda outcome: None) -> list[Outcome]:
    """Push `period` for the given CSComs (default: every CSCom of the mapping).

    A CSCom asked for by name must be in the mapping (MappingError before anything is sent); a
    CSCom with data but no org unit is reported as NO_ORG_UNIT and nothing is sent for it.
    """
    if facility_codes is not None:
        missing = [code for code in facility_codes if code not in mapping.org_units]
        if missing:
            raise MappingError([f"no org unit for CSCom {code!r}: add it to \"orgUnits\"" for code in missing])
    with session_factory() as db:
        counts = count_month(db, period)
    codes = facility_codes if facility_codes is not None else sorted(mapping.org_units)
    outcomes = []
    if facility_codes is None:
        for code in sorted(set(counts) - set(mapping.org_units)):
            if any(counts[code].values()):
                outcome = Outcome(code, NO_ORG_UNIT, error=f"CSCom {code} has data for {period} but "
                                                          "no org unit in the mapping")
                progress(outcome)
                outcomes.append(outcome)
    for code in codes:
        payload = build_payload(mapping, code, period, counts.get(code, {}))
        if dry_run:
            outcome = Outcome(code, "dry run", payload=payload)
            progress(outcome)
        else:
            outcome = _send(session_factory, client, code, payload, clock, tries, delays, sleep, progress)
        outcomes.append(outcome)
    return outcomes
