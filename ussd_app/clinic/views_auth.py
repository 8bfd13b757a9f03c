"""Sign in and out, the language switch and the home page."""

from __future__ import annotations

from flask import current_app, g, redirect, render_template, request, session, url_for
from redis.exceptions import RedisError

from ussd_app.clinic import ratelimit
from ussd_app.clinic.accounts import authenticate, end_sessions
from ussd_app.clinic.web import _, bp, sign_in
from ussd_app.clock import app_now
from ussd_app.text.i18n import LANGUAGES, N_

BAD_LOGIN = N_("Wrong username or password.")
TOO_MANY = N_("Too many attempts. Try again in 15 minutes.")
UNAVAILABLE = N_("Sign-in is unavailable for a moment. Try again shortly.")


def _safe_next(target: str | None) -> str:
    # Only paths inside the dashboard: never an open redirect to another site.
    if target and target.startswith("/clinic/") and not target.startswith("//"):
        return target
    return url_for("clinic.home")


@bp.route("/login", methods=["GET", "POST"])
def login():
    if request.method == "GET":
        if g.staff is not None:
            return redirect(url_for("clinic.home"))
        return render_template("clinic/login.html", next=request.args.get("next", ""))
    username = (request.form.get("username") or "").strip()[:64]
    password = request.form.get("password") or ""
    address = request.remote_addr or "-"
    redis = current_app.extensions["redis"]
    try:
        if not ratelimit.take_attempt(redis, username, address):
            return render_template("clinic/login.html", error=_(TOO_MANY), next=""), 429
        account = authenticate(g.db, username, password, now=app_now())
        if account is None:
            return render_template("clinic/login.html", error=_(BAD_LOGIN), next=""), 401
        ratelimit.clear(redis, username, address)
    except RedisError:
        # Without the counter a password could be guessed without limit: refuse rather than risk it.
        return render_template("clinic/login.html", error=_(UNAVAILABLE), next=""), 503
    g.db.commit()
    sign_in(account)
    return redirect(_safe_next(request.form.get("next")))


@bp.post("/logout")
def logout():
    if g.staff is not None:
        end_sessions(g.staff)  # a copy of this cookie, or another device's, is refused from now on
        g.db.commit()
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    return redirect(url_for("clinic.login"))


@bp.post("/language")
def set_language():
    lang = request.form.get("lang")
    if lang in LANGUAGES:
        session["lang"] = lang
    return redirect(_safe_next(request.form.get("next")))


@bp.get("/")
def home():
    return redirect(url_for("clinic.registrations"))

