"""The dashboard blueprint: per-request database session, signed-in staff, scope, language."""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta, timezone
from functools import wraps

from flask import Blueprint, abort, current_app, g, redirect, request, session, url_for

from ussd_app.clinic import csrf, labels
from ussd_app.clinic.models import StaffAccount
from ussd_app.clinic.scope import Scope
from ussd_app.text import languages
from ussd_app.text.i18n import LANGUAGES, Plural, T, TN, translate
from ussd_app.web_input import refuse_unstorable

bp = Blueprint("clinic", __name__, url_prefix="/clinic", template_folder="templates",
               static_folder="static", static_url_path="/static")

DEFAULT_LANGUAGE = languages.DEFAULT
PUBLIC_ENDPOINTS = {"clinic.login", "clinic.static", "clinic.set_language"}
SESSION_HOURS = 10
BAMAKO = timezone.utc  # Africa/Bamako is UTC+0 all year (no daylight saving)


def language() -> str:
    lang = session.get("lang")
    return lang if lang in LANGUAGES else DEFAULT_LANGUAGE


def _(msgid: "str | T | TN | Plural | None", **params) -> str:
    """Translate a dashboard message (a msgid, a Plural by `count`, or a label from
    ussd_app.clinic.labels) into the staff member's language; None (a code without a label)
    shows nothing."""
    if msgid is None:
        return ""
    if isinstance(msgid, (T, TN)):
        return translate(language(), msgid)
    if isinstance(msgid, Plural):
        return translate(language(), TN(msgid, params.pop("count"), params))
    return translate(language(), T(msgid, params) if params else msgid)


def local_time(value: datetime | None, with_time: bool = True) -> str:
    if value is None:
        return ""
    value = value.astimezone(BAMAKO)
    return value.strftime("%d/%m/%Y %H:%M" if with_time else "%d/%m/%Y")


@bp.before_request
def _load_request_state():
    g.db = current_app.extensions["db_sessions"]()
    g.staff = None
    g.scope = Scope(None, False)
    staff_id = session.get("staff_id")
    if staff_id is not None:
        account = g.db.get(StaffAccount, staff_id)
        if account is not None and account.active and hmac.compare_digest(
                str(session.get("stamp", "")), session_stamp(account)):
            g.staff = account
            g.scope = Scope.for_staff(account)
        else:
            session.pop("staff_id", None)
    csrf.protect()
    refuse_unstorable([v for pair in request.form.items(multi=True) for v in pair], "the form")
    if g.staff is None and request.endpoint not in PUBLIC_ENDPOINTS:
        return redirect(url_for("clinic.login", next=request.full_path if request.method == "GET" else None))
    return None


@bp.teardown_request
def _close_db(_exc):
    db = g.pop("db", None)
    if db is not None:
        db.close()


@bp.context_processor
def _template_helpers():
    return {"_": _, "csrf_token": csrf.token, "lang": language(), "local_time": local_time,
            "staff": g.get("staff"), "scope": g.get("scope"), "languages": LANGUAGES, "labels": labels}


def session_stamp(account: StaffAccount) -> str:
    """A keyed digest of the password hash and the session generation: changes with the password
    and at every sign-out, reveals nothing of the hash (the cookie is signed, not encrypted)."""
    key = current_app.config["SECRET_KEY"].encode("utf-8")
    material = f"{account.password_hash}|{account.session_generation}".encode("utf-8")
    return hmac.new(key, material, hashlib.sha256).hexdigest()[:32]


def sign_in(account: StaffAccount) -> None:
    lang = session.get("lang")
    session.clear()  # a new session id's worth of state: nothing from before the login carries over
    session.permanent = True
    session["staff_id"] = account.id
    # A password change, a sign-out or disabling the account ends every session of the account.
    session["stamp"] = session_stamp(account)
    if lang:
        session["lang"] = lang


def admin_required(view):
    @wraps(view)
    def wrapper(*args, **kwargs):
        if g.staff is None or g.staff.role != "admin":
            abort(404)
        return view(*args, **kwargs)

    return wrapper


def configure(app, settings) -> None:
    app.config.update(PERMANENT_SESSION_LIFETIME=timedelta(hours=SESSION_HOURS),
                      SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax",
                      SESSION_COOKIE_SECURE=settings.secure_cookies,
                      SESSION_COOKIE_NAME="clinic_session")
