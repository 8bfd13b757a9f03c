"""Messages: the centre's outbox with each message's status; retry failed ones."""

from __future__ import annotations

from flask import flash, g, redirect, render_template, request, url_for

from ussd_app import audit
from ussd_app.clinic import directory, messages
from ussd_app.clinic.handoff import commit_and_send
from ussd_app.clinic.web import _, bp
from ussd_app.clock import app_now
from ussd_app.sms.outbox import STATUSES
from ussd_app.sms.retry import is_retryable
from ussd_app.text.i18n import NP_
from ussd_app.web_input import parse_id

RETRIED = NP_("{count} message queued again.", "{count} messages queued again.")


@bp.get("/messages")
def messages_page():
    status = request.args.get("status") or None
    if status not in STATUSES:
        status = None
    before = parse_id(request.args.get("before"), "before")
    rows = messages.page(g.db, g.scope, status=status, before=before)
    more = len(rows) == messages.PAGE_SIZE
    return render_template("clinic/messages.html", rows=rows, status=status, statuses=STATUSES,
                           counts=directory.status_counts(g.db, g.scope),
                           retryable=lambda row: is_retryable(g.db, row),
                           next_before=rows[-1].id if more else None)


@bp.post("/messages/retry")
def messages_retry():
    if request.form.get("all_failed"):
        ids = messages.failed_ids(g.db, g.scope)
    else:
        ids = [parse_id(v, "id") for v in request.form.getlist("id") if v]
    count = messages.retry(g.db, g.scope, ids, app_now())
    audit.by_staff(g.db, g.staff, "messages.retry", app_now(), target_type="outbox",
                   facility_code=g.scope.facility_code, ids=ids[:50], requeued=count)
    commit_and_send(g.db)
    flash(_(RETRIED, count=count), "ok")
    return redirect(url_for("clinic.messages_page", status=request.form.get("status") or None))
