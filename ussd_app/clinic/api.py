"""JSON API for centres' own tools, under /api/v1, with per-centre bearer tokens.

The same scope rule as the dashboard: a token of one centre reaches nothing of another (404).
"""

from __future__ import annotations

import re
from datetime import date

from flask import Blueprint, current_app, g, jsonify, request
from werkzeug.exceptions import HTTPException

from ussd_app.clinic import audience as audiences
from ussd_app import audit
from ussd_app.clinic import campaigns, directory, planner
from ussd_app.clinic.accounts import token_for
from ussd_app.clinic.appointments import AppointmentError, set_appointment
from ussd_app.clinic.campaigns import CampaignError
from ussd_app.clinic.forms import parse_send_at
from ussd_app.clinic.handoff import commit_and_send
from ussd_app.clinic.openapi import IDEMPOTENCY_KEY, document
from ussd_app.clinic.scope import Scope
from ussd_app.clinic.validation import Invalid, validate
from ussd_app.clock import app_now
from ussd_app.health import enrollment as health
from ussd_app.health.enrollment import Enrollment
from ussd_app.text import languages
from ussd_app.text.i18n import T, translate
from ussd_app.web_input import json_object, parse_id

api = Blueprint("clinic_api", __name__, url_prefix="/api/v1")
PUBLIC = {"clinic_api.openapi"}
MAX_LIMIT = 200


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def _lang() -> str:
    return request.accept_languages.best_match(list(languages.CODES)) or languages.DEFAULT


def _msg(msgid: str, **params) -> str:
    return translate(_lang(), T(msgid, params) if params else msgid)


@api.before_request
def _authenticate():
    g.api_db = current_app.extensions["db_sessions"]()
    if request.endpoint in PUBLIC:
        return None
    header = request.headers.get("Authorization", "")
    secret = header[7:].strip() if header.lower().startswith("bearer ") else ""
    token = token_for(g.api_db, secret, now=app_now()) if secret else None
    if token is None:
        response = jsonify(error="unauthorized", message="a valid bearer token is required")
        response.status_code = 401
        response.headers["WWW-Authenticate"] = 'Bearer realm="clinic"'
        return response
    g.api_db.commit()  # last_used_at
    g.api_token = token
    g.api_scope = Scope.for_token(token)
    return None


@api.before_request
def _only_documented_query_parameters():
    """A query parameter the document does not list is refused, not ignored (a typo'd `after_id`
    would otherwise silently restart a listing)."""
    if request.url_rule is None or request.endpoint in PUBLIC:
        return None
    path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", request.url_rule.rule[len(api.url_prefix):])
    operation = document()["paths"].get(path, {}).get(request.method.lower(), {})
    allowed = {p["name"] for p in operation.get("parameters", []) if p["in"] == "query"}
    unknown = sorted(set(request.args) - allowed)
    if unknown:
        raise ApiError(400, "bad_request", f"unknown query parameter: {unknown[0][:40]}")
    return None


@api.teardown_request
def _close(_exc):
    db = g.pop("api_db", None)
    if db is not None:
        db.close()


@api.errorhandler(ApiError)
def _api_error(exc: ApiError):
    return jsonify(error=exc.code, message=exc.message), exc.status


def is_api_path(path: str) -> bool:
    return path == api.url_prefix or path.startswith(api.url_prefix + "/")


def error_headers(exc: HTTPException) -> list[tuple[str, str]]:
    """The error's own headers (a 405's Allow), without its HTML content type."""
    return [(name, value) for name, value in exc.get_headers() if name.lower() != "content-type"]


@api.errorhandler(HTTPException)
def http_error_json(exc: HTTPException):
    """Every HTTP error under /api/v1 as JSON, also for paths no route matches (create_app)."""
    response = jsonify(error=exc.name.lower().replace(" ", "_"), message=exc.description or exc.name)
    response.status_code = exc.code
    response.headers.extend(error_headers(exc))
    return response


def _body(schema: str) -> dict:
    """The JSON body, checked against the document's schema `schema` (400 when it breaks it)."""
    components = document()["components"]["schemas"]
    try:
        return validate(json_object(), components[schema], components)
    except Invalid as exc:
        raise ApiError(400, "bad_request", str(exc)) from None


def _idempotency_key() -> str:
    key = request.headers.get("Idempotency-Key") or ""
    if not re.fullmatch(IDEMPOTENCY_KEY, key):
        raise ApiError(400, "idempotency_key_required",
                       "send an Idempotency-Key header (1-60 visible ASCII characters)")
    return f"api:{g.api_token.id}:{key}"


def enrollment_json(e: Enrollment) -> dict:
    return {"reference": e.reference, "kind": e.kind, "phone": e.phone, "status": e.status,
            "facility_code": e.facility.code, "child_name": e.child_name,
            "birth_date": e.birth_date.isoformat() if e.birth_date else None,
            "due_date": e.due_date.isoformat() if e.due_date else None, "reason_code": e.reason_code,
            "reason": e.reason,
            "created_at": e.created_at.isoformat(), "decided_at": e.decided_at.isoformat() if e.decided_at else None}


@api.get("/openapi.json")
def openapi():
    return jsonify(document())


@api.get("/enrollments")
def enrollments_list():
    status = request.args.get("status") or None
    if status is not None and status not in (health.PENDING, health.APPROVED, health.DECLINED, health.ENDED):
        raise ApiError(400, "bad_request", "status: pending, approved, declined or ended")
    limit = parse_id(request.args.get("limit"), "limit") or 50
    if limit > MAX_LIMIT:
        raise ApiError(400, "bad_request", f"limit: 1 to {MAX_LIMIT}")
    after = parse_id(request.args.get("after_id"), "after_id", minimum=0)
    query = directory.enrollments(g.api_scope, status)
    if after:
        query = query.where(Enrollment.id > after)
    rows = list(g.api_db.scalars(query.order_by(Enrollment.id).limit(limit)))
    return jsonify(items=[enrollment_json(e) for e in rows],
                   next_after_id=rows[-1].id if len(rows) == limit else None)


@api.get("/enrollments/<reference>")
def enrollment_get(reference: str):
    found = directory.enrollment(g.api_db, g.api_scope, reference)
    audit.by_token(g.api_db, g.api_token, "registration.view", app_now(), target_type="registration",
                   target_id=found.reference, facility_code=found.facility.code)
    g.api_db.commit()
    return jsonify(enrollment_json(found))


def _decide(reference: str, approve: bool):
    found = directory.enrollment(g.api_db, g.api_scope, reference)
    try:
        if approve:
            health.approve(g.api_db, found.reference, now=app_now())
        else:
            body = _body("Decline")
            health.decline(g.api_db, found.reference, reason_code=body["reason_code"], note=body.get("note") or "",
                           now=app_now())
    except health.EnrollmentError as exc:
        g.api_db.rollback()
        raise ApiError(409, "conflict", str(exc)) from None
    audit.by_token(g.api_db, g.api_token, "registration.approve" if approve else "registration.decline", app_now(),
                   target_type="registration", target_id=found.reference, facility_code=found.facility.code)
    commit_and_send(g.api_db)
    return jsonify(enrollment_json(found))


@api.post("/enrollments/<reference>/approve")
def enrollment_approve(reference: str):
    return _decide(reference, True)


@api.post("/enrollments/<reference>/decline")
def enrollment_decline(reference: str):
    return _decide(reference, False)


@api.post("/appointments")
def appointment_create():
    key = _idempotency_key()
    body = _body("NewAppointment")
    found = directory.enrollment(g.api_db, g.api_scope, body["reference"])
    when = date.fromisoformat(body["date"])
    try:
        appointment = set_appointment(g.api_db, scope=g.api_scope, enrollment=found, phone=found.phone,
                                      when=when, note=str(body.get("note") or ""),
                                      created_by=f"api:{g.api_token.name}", idempotency_key=key, now=app_now())
    except AppointmentError as exc:
        g.api_db.rollback()
        raise ApiError(422, "bad_date", _msg(exc.message)) from None
    audit.by_token(g.api_db, g.api_token, "appointment.create", app_now(), target_type="appointment",
                   target_id=appointment.id, facility_code=appointment.facility_code, registration=found.reference)
    commit_and_send(g.api_db)
    return jsonify(id=appointment.id, reference=found.reference, phone=appointment.phone,
                   date=appointment.visit_date.isoformat(), facility_code=appointment.facility_code), 201


def campaign_json(campaign) -> dict:
    progress = campaigns.progress(g.api_db, campaign)
    return {"id": campaign.id, "title": campaign.title, "facility_code": campaign.facility_code,
            "audience": {"kind": campaign.audience_kind, **audiences.Audience.from_json(
                campaign.audience_kind, campaign.audience_params).params},
            "send_at": campaign.send_at.isoformat(), "state": campaigns.state(campaign, progress, app_now()),
            "recipients": progress.total, "planned": progress.planned, "waiting": progress.waiting,
            "sent": progress.sent, "delivered": progress.delivered, "failed": progress.failed,
            "cancelled": progress.cancelled, "messages": dict(campaign.texts)}


@api.post("/campaigns")
def campaign_create():
    key = _idempotency_key()
    body = _body("NewCampaign")
    now = app_now()
    audience_fields = body.get("audience") if isinstance(body.get("audience"), dict) else {}
    fields = {**{k: v for k, v in audience_fields.items() if k != "kind"}, "audience": audience_fields.get("kind")}
    try:
        audience = audiences.parse(fields)
        campaign, created = campaigns.create(
            g.api_db, scope=g.api_scope, idempotency_key=key, created_by=f"api:{g.api_token.name}",
            title=str(body.get("title") or ""), audience=audience,
            messages=campaigns.messages_from(body),
            send_at=parse_send_at(body.get("send_at")), now=now,
            settings=current_app.extensions["ussd_settings"], facility_code=body.get("facility_code"))
    except audiences.AudienceError as exc:
        raise ApiError(422, "bad_audience", _msg(exc.message)) from None
    except CampaignError as exc:
        g.api_db.rollback()
        raise ApiError(422, "bad_campaign", _msg(exc.message, **exc.params)) from None
    if created:
        audit.by_token(g.api_db, g.api_token, "campaign.create", now, target_type="campaign", target_id=campaign.id,
                       facility_code=campaign.facility_code, recipients=campaign.audience_total)
    g.api_db.commit()
    if created:
        planner.enqueue_planning(current_app.extensions["redis"], campaign.id)
    return jsonify(campaign_json(campaign)), 201 if created else 200


@api.get("/campaigns/<id:campaign_id>")
def campaign_status(campaign_id: int):
    return jsonify(campaign_json(campaigns.get(g.api_db, g.api_scope, campaign_id)))


@api.post("/campaigns/<id:campaign_id>/cancel")
def campaign_cancel(campaign_id: int):
    campaign = campaigns.get(g.api_db, g.api_scope, campaign_id)
    stopped = campaigns.cancel(g.api_db, campaign, app_now())
    audit.by_token(g.api_db, g.api_token, "campaign.cancel", app_now(), target_type="campaign",
                   target_id=campaign.id, facility_code=campaign.facility_code, stopped=stopped)
    g.api_db.commit()
    return jsonify({**campaign_json(campaign), "stopped_now": stopped})

