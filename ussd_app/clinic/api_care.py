"""Care journeys over the API: record doses and antenatal contacts (POST, idempotent on the
Idempotency-Key header), read the centre's late list."""

from __future__ import annotations

from datetime import date

from flask import g, jsonify

from ussd_app.clinic import care, directory
from ussd_app.clinic.api import ApiError, _body, _idempotency_key, api
from ussd_app.clinic.handoff import commit_and_send
from ussd_app.clock import app_now
from ussd_app.health.records import RecordError, record_contact, record_doses


def _recorded(found, done, rows: list[dict]):
    commit_and_send(g.api_db)
    return jsonify(reference=found.reference, recorded=rows, created=done.created), 201 if done.created else 200


@api.post("/enrollments/<reference>/doses")
def doses_record(reference: str):
    found = directory.enrollment(g.api_db, g.api_scope, reference)  # 404 first: nothing said of another centre
    key = _idempotency_key()
    body = _body("NewDoses")
    doses = [(str(d["dose"]), date.fromisoformat(d["date"])) for d in body["doses"]]
    try:
        done = record_doses(g.api_db, found, doses, recorded_by=f"api:{g.api_token.name}", client_key=key,
                            now=app_now())
    except RecordError as exc:
        g.api_db.rollback()
        raise ApiError(422, "not_recorded", str(exc)) from None
    return _recorded(found, done, [{"dose": r.key, "date": r.given_on.isoformat()} for r in done.rows])


@api.post("/enrollments/<reference>/contacts")
def contact_record(reference: str):
    found = directory.enrollment(g.api_db, g.api_scope, reference)
    key = _idempotency_key()
    body = _body("NewContact")
    try:
        done = record_contact(g.api_db, found, date.fromisoformat(body["date"]),
                              recorded_by=f"api:{g.api_token.name}", client_key=key, now=app_now())
    except RecordError as exc:
        g.api_db.rollback()
        raise ApiError(422, "not_recorded", str(exc)) from None
    return _recorded(found, done, [{"date": r.attended_on.isoformat()} for r in done.rows])


def _late_json(row, child: bool) -> dict:
    e = row.enrollment
    phone = e.phone if g.api_scope.facility_code else directory.masked(e.phone)  # every centre: masked
    return {"reference": e.reference, "facility_code": e.facility.code, "phone": phone,
            "name": e.child_name if child else e.mother_name, "missed": list(row.doses),
            "due": row.due.isoformat(), "days_late": row.days_late}


@api.get("/late")
def late_get():
    today = app_now().date()
    return jsonify(children=[_late_json(r, True) for r in care.late_list(g.api_db, g.api_scope, today)],
                   pregnancies=[_late_json(r, False) for r in care.late_pregnancies(g.api_db, g.api_scope, today)])
