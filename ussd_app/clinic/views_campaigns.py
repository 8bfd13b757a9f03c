"""Campaigns: audience from filters, a message in each language with a live SMS counter, progress,
cancel."""

from __future__ import annotations

import json
import uuid

from flask import current_app, flash, g, jsonify, redirect, render_template, request, url_for
from markupsafe import Markup
from sqlalchemy import select

from ussd_app.clinic import audience as audiences
from ussd_app import audit
from ussd_app.clinic import campaigns, chart, directory, planner
from ussd_app.clinic.campaigns import CampaignError
from ussd_app.clinic.counter import gsm_tables
from ussd_app.clinic.days import DAY_PATTERN, MOMENT_PATTERN
from ussd_app.clinic.forms import parse_send_at
from ussd_app.clinic.scope import Scope
from ussd_app.clinic.web import _, bp
from ussd_app.clock import app_now
from ussd_app.savings.models import SavingsGroup
from ussd_app.sms.schedules import IMMUNIZATION_VISITS
from ussd_app.text import languages
from ussd_app.text.i18n import N_, NP_

STATE_LABELS = {"planning": N_("preparing"), "scheduled": N_("scheduled"), "sending": N_("sending"),
                "done": N_("done"), "cancelled": N_("cancelled")}
# The chart's bands are the page's counters, with the same words.
SERIES_LABELS = {"delivered": N_("delivered"), "sent": N_("sent"), "waiting": N_("waiting"),
                 "failed": N_("failed"), "cancelled": N_("cancelled")}
CREATED = NP_("Campaign created for {count} person.", "Campaign created for {count} people.")
CANCELLED = NP_("Campaign cancelled: {count} message will not be sent.",
                "Campaign cancelled: {count} messages will not be sent.")


def _form_scope(form) -> Scope:
    code = campaigns.facility_for(g.scope, form.get("facility_code"))
    return Scope(code, code is None)


def _groups():
    return list(g.db.scalars(select(SavingsGroup).where(g.scope.where(SavingsGroup.facility_code))
                             .order_by(SavingsGroup.name)))


def _render_form(form, *, error: str | None = None, count: int | None = None, status: int = 200):
    return render_template(
        "clinic/campaign_new.html", form=form, error=error, count=count, kinds=audiences.KINDS,
        kind_labels=audiences.KIND_LABELS, visits=IMMUNIZATION_VISITS, groups=_groups(),
        facilities=directory.facilities(g.db, g.scope) if g.scope.is_admin else [],
        gsm_tables=gsm_tables(), max_parts=campaigns.MAX_PARTS, day_pattern=DAY_PATTERN,
        message_languages=languages.ALL, message_field=campaigns.form_field,
        moment_pattern=MOMENT_PATTERN), status


@bp.get("/campaigns")
def campaigns_list():
    rows = campaigns.listing(g.db, g.scope)
    states = {}
    for row in rows:
        states[row.id] = campaigns.state(row, campaigns.progress(g.db, row), app_now())
    return render_template("clinic/campaigns.html", rows=rows, states=states, state_labels=STATE_LABELS,
                           kind_labels=audiences.KIND_LABELS)


@bp.get("/campaigns/new")
def campaign_new():
    form = {"key": uuid.uuid4().hex, "audience": audiences.CENTRE, "month_from": 1, "month_to": 9}
    form.update({k: v for k, v in request.args.items() if k != "key"})
    return _render_form(form)[0]


@bp.get("/campaigns/audience-count")
def campaign_audience_count():
    try:
        audience = audiences.parse(request.args)
    except audiences.AudienceError as exc:
        return jsonify(error=_(exc.message)), 400
    return jsonify(count=audiences.count(g.db, audience, _form_scope(request.args), app_now().date()))


@bp.post("/campaigns/new")
def campaign_create():
    form = request.form.to_dict()
    now = app_now()
    count = None
    try:
        audience = audiences.parse(form)
        count = audiences.count(g.db, audience, _form_scope(form), now.date())
        if form.get("action") != "send":
            return _render_form(form, count=count)
        campaign, created = campaigns.create(
            g.db, scope=g.scope, idempotency_key=f"web:{g.staff.id}:{form.get('key', '')[:40]}",
            created_by=g.staff.username, title=form.get("title", ""), audience=audience,
            messages=campaigns.messages_from(form),
            send_at=parse_send_at(form.get("send_at")), now=now,
            settings=current_app.extensions["ussd_settings"], facility_code=form.get("facility_code"))
    except audiences.AudienceError as exc:
        return _render_form(form, error=_(exc.message), status=400)
    except CampaignError as exc:
        g.db.rollback()
        return _render_form(form, error=_(exc.message, **exc.params), count=count, status=400)
    if created:
        audit.by_staff(g.db, g.staff, "campaign.create", now, target_type="campaign", target_id=campaign.id,
                       facility_code=campaign.facility_code, recipients=campaign.audience_total)
    g.db.commit()
    if created:
        planner.enqueue_planning(current_app.extensions["redis"], campaign.id)
        flash(_(CREATED, count=campaign.audience_total), "ok")
    return redirect(url_for("clinic.campaign", campaign_id=campaign.id), code=303)


def progress_payload(campaign, progress) -> dict:
    state = campaigns.state(campaign, progress, app_now())
    return {"id": campaign.id, "state": state, "state_label": _(STATE_LABELS[state]), "total": progress.total,
            "planned": progress.planned, "waiting": progress.waiting, "sent": progress.sent,
            "delivered": progress.delivered, "failed": progress.failed, "cancelled": progress.cancelled,
            "planned_percent": progress.percent(progress.planned),
            "gone_percent": progress.percent(progress.gone + progress.cancelled)}


def _restart_if_stale(campaign) -> None:
    if planner.needs_restart(campaign, app_now()):
        campaign.planning_touched_at = app_now()
        g.db.commit()
        planner.enqueue_planning(current_app.extensions["redis"], campaign.id)


@bp.get("/campaigns/<id:campaign_id>")
def campaign(campaign_id: int):
    row = campaigns.get(g.db, g.scope, campaign_id)
    _restart_if_stale(row)
    progress = campaigns.progress(g.db, row)
    payload = progress_payload(row, progress)
    finished = payload["state"] in ("done", "cancelled")
    series = campaigns.timeline(g.db, row, app_now(), finished)
    svg = chart.svg(series, campaigns.SERIES, {k: _(v) for k, v in SERIES_LABELS.items()}, _("Messages over time"))
    return render_template("clinic/campaign.html", campaign=row, p=payload, chart_svg=Markup(svg),
                           series=campaigns.SERIES, series_labels=SERIES_LABELS,
                           finished=finished, kind_labels=audiences.KIND_LABELS, message_languages=languages.ALL,
                           audience=json.loads(row.audience_params or "{}"))


@bp.get("/campaigns/<id:campaign_id>/progress")
def campaign_progress(campaign_id: int):
    row = campaigns.get(g.db, g.scope, campaign_id)
    return jsonify(progress_payload(row, campaigns.progress(g.db, row)))


@bp.post("/campaigns/<id:campaign_id>/cancel")
def campaign_cancel(campaign_id: int):
    row = campaigns.get(g.db, g.scope, campaign_id)
    count = campaigns.cancel(g.db, row, app_now())
    audit.by_staff(g.db, g.staff, "campaign.cancel", app_now(), target_type="campaign", target_id=row.id,
                   facility_code=row.facility_code, stopped=count)
    g.db.commit()
    flash(_(CANCELLED, count=count), "ok")
    return redirect(url_for("clinic.campaign", campaign_id=campaign_id), code=303)
