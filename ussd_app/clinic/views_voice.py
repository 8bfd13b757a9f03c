"""Voice: the recordings calls are made of (every staff member listens and sees what is missing;
an admin uploads and replaces them: they are heard in every centre), and a person's channel
(SMS, call or both) set by staff on her page."""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, url_for
from sqlalchemy import select
from werkzeug.exceptions import NotFound

from ussd_app.clinic import directory
from ussd_app.clinic.views_people import _phone
from ussd_app.clinic.web import _, bp, local_time
from ussd_app.clock import app_now
from ussd_app.health.facilities import Facility
from ussd_app.subscribers import find_by_phone
from ussd_app.text.i18n import N_
from ussd_app.voice import fragments
from ussd_app.voice.audio import MAX_BYTES, MAX_SECONDS, MIN_SECONDS, BadAudio
from ussd_app.voice.channels import CHANNELS, LABELS, chosen_channel, set_channel
from ussd_app.voice.recordings import LANGUAGES, recordings_for, save_recording
from ussd_app.voice.storage import storage_from_settings

UPLOAD_ENDPOINT = "clinic.recording_upload"
SAVED = N_("Recording saved for {key}.")
REFUSED = N_("Recording refused: {reason}")
WHY = {"empty": N_("the file is empty."), "too big": N_("the file is larger than {mb} MB."),
       "unreadable": N_("it is not an MP3 or WAV file we can read."),
       "duration": N_("a recording lasts between {min} and {max} seconds.")}
CHANNEL_SAVED = N_("Reminders will go by: {channel}.")
CALLS_STOPPED = N_("She stopped calls on {date} (key 2 in a call): her messages come by SMS until she or "
                   "you choose calls again.")
# Messages a call can carry, by the fragment that starts them (ussd_app/voice/fragments.py).
MESSAGES = {"intro.immunization": N_("Vaccination reminder"), "intro.antenatal": N_("Health visit reminder"),
            "intro.appointment": N_("Appointment reminder"),
            "intro.appointment_today": N_("Appointment reminder, on the day")}


@bp.before_app_request
def _room_for_uploads():
    """Recordings are bigger than any form the rest of the service takes (16 KB)."""
    from flask import request as req

    if req.endpoint == UPLOAD_ENDPOINT:
        req.max_content_length = MAX_BYTES + 64 * 1024


def _facility_names() -> list[str]:
    """The centres whose names are recorded fragments: all for an admin, her own for staff."""
    return list(g.db.scalars(select(Facility.name).where(g.scope.where(Facility.code)).order_by(Facility.name)))


def _language() -> str:
    lang = request.args.get("lang") or request.form.get("lang") or "bm"
    return lang if lang in LANGUAGES else "bm"


@bp.get("/recordings")
def recordings():
    lang = _language()
    names = _facility_names()
    keys = fragments.all_keys(names)
    have = recordings_for(g.db, lang, keys)
    rows = [dict(key=k, text=fragments.fragment_text(k, lang, names), recording=have.get(k)) for k in keys]
    missing = [r for r in rows if r["recording"] is None]
    common = fragments.MENU + ("word.at",)
    messages = [dict(label=label, ready=intro in have and all(k in have for k in common)) for intro, label in
                MESSAGES.items()]
    return render_template("clinic/recordings.html", lang=lang, languages=LANGUAGES, rows=rows, missing=missing,
                           messages=messages, max_mb=MAX_BYTES // (1024 * 1024), min_s=MIN_SECONDS,
                           max_s=int(MAX_SECONDS))


@bp.post("/recordings")
def recording_upload():
    if not g.scope.is_admin:  # recordings are heard in every centre: an admin changes them
        abort(403)
    lang = _language()
    key = request.form.get("key", "")
    if key not in fragments.all_keys(_facility_names()):
        raise NotFound()
    upload = request.files.get("file")
    data = upload.read(MAX_BYTES + 1) if upload is not None else b""
    try:
        save_recording(g.db, storage_from_settings(_settings()), fragment_key=key, language=lang, data=data,
                       now=app_now(), uploaded_by=g.staff.username)
    except BadAudio as exc:
        g.db.rollback()
        why = _(WHY[exc.code], mb=MAX_BYTES // (1024 * 1024), min=MIN_SECONDS, max=int(MAX_SECONDS))
        flash(_(REFUSED, reason=why), "error")
    else:
        g.db.commit()
        flash(_(SAVED, key=key), "ok")
    return redirect(url_for("clinic.recordings", lang=lang) + f"#rec-{key.replace('.', '-')}")


def _settings():
    from flask import current_app

    return current_app.extensions["ussd_settings"]


@bp.post("/people/<digits>/channel")
def person_channel(digits: str):
    phone = _phone(digits)
    directory.person(g.db, g.scope, phone)  # 404 outside the scope
    channel = request.form.get("channel", "")
    if channel not in CHANNELS:
        raise NotFound()
    set_channel(g.db, phone, channel, app_now())
    g.db.commit()
    flash(_(CHANNEL_SAVED, channel=_(LABELS[channel])), "ok")
    return redirect(url_for("clinic.person", digits=digits))


@bp.app_context_processor
def _voice_helpers():
    def calls_stopped(phone: str) -> str:
        subscriber = find_by_phone(g.db, phone)
        if subscriber is None or subscriber.calls_stopped_at is None:
            return ""
        return _(CALLS_STOPPED, date=local_time(subscriber.calls_stopped_at, with_time=False))

    return {"voice_channels": CHANNELS, "channel_labels": LABELS, "calls_stopped": calls_stopped,
            "chosen_channel": lambda phone: chosen_channel(find_by_phone(g.db, phone))}
