"""CSV exports over the API: GET /api/v1/exports/{kind}.csv, scoped by the bearer token."""

from __future__ import annotations

from flask import g, request

from ussd_app import audit
from ussd_app.clinic import audit_export, exports
from ussd_app.clinic.api import ApiError, api
from ussd_app.clinic.views_exports import csv_response, viewer_for
from ussd_app.clock import app_now


def _export_view(kind: str):
    def view():
        try:
            plan = exports.plan(g.api_db, g.api_scope, kind, today=app_now().date(),
                                group_id=request.args.get("group_id"), campaign_id=request.args.get("campaign_id"))
        except exports.ExportError as exc:
            raise ApiError(400, "bad_export", str(exc)) from None
        audit.by_token(g.api_db, g.api_token, f"export.{kind}", app_now(), target_type="export",
                       facility_code=g.api_scope.facility_code, group_id=request.args.get("group_id"),
                       campaign_id=request.args.get("campaign_id"))
        g.api_db.commit()
        return csv_response(plan, viewer_for(g.api_scope))

    view.__name__ = f"export_{kind}"
    return view


for _kind in exports.KINDS:
    api.add_url_rule(f"/exports/{_kind}.csv", view_func=_export_view(_kind), methods=["GET"])


@api.get("/audit.csv")
def audit_csv():
    """The audit log, for tokens of every centre only (another centre's token: 404)."""
    if not g.api_scope.is_admin:
        raise ApiError(404, "not_found", "The requested URL was not found on the server.")
    try:
        wanted = audit_export.parse_filter(request.args)
    except exports.ExportError as exc:
        raise ApiError(400, "bad_export", str(exc)) from None
    audit.by_token(g.api_db, g.api_token, "audit.export", app_now(), **wanted.details())
    g.api_db.commit()
    return csv_response(audit_export.plan(wanted, app_now().date()), viewer_for(g.api_scope))
