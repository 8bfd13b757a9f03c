"""Dashboard: recordings (listen, upload, replace, what is missing) and a person's channel."""

from __future__ import annotations

import io

from tests.clinic.conftest import page
from ussd_app.subscribers import find_by_phone
from ussd_app.voice.audio import tone_wav
from ussd_app.voice.recordings import VoiceRecording


def upload(b, key: str, data: bytes, lang: str = "bm", name: str = "take.wav"):
    return b.post("/clinic/recordings", {"key": key, "lang": lang, "file": (io.BytesIO(data), name)},
                  content_type="multipart/form-data", follow_redirects=True)


def test_admin_uploads_replaces_and_the_missing_list_shrinks(signed_in, world, db, client):
    admin = signed_in("admin")
    before = page(admin.get("/clinic/recordings?lang=bm"))
    assert "intro.immunization" in before and "Hakililajigi: i den ka boloci ye" in before
    assert "facility.cscom-sotuba" in before  # every centre's name is a fragment to record
    shown = page(upload(admin, "intro.immunization", tone_wav(1.0)))
    assert "Enregistrement gardé pour intro.immunization" in shown
    [row] = db.query(VoiceRecording).all()
    first_key = row.storage_key
    assert (row.language, row.duration_ms, row.uploaded_by) == ("bm", 1000, "admin")
    audio = client.get(f"/voice/media/{first_key}")
    assert audio.status_code == 200 and audio.content_type == "audio/wav" and audio.data[:4] == b"RIFF"
    upload(admin, "intro.immunization", tone_wav(2.0))  # replaced: a new file under a new key
    db.expire_all()
    [row] = db.query(VoiceRecording).all()
    assert row.storage_key != first_key and row.duration_ms == 2000
    missing_section = page(admin.get("/clinic/recordings?lang=bm")).split('id="missing"')[1].split("</section>")[0]
    assert "intro.immunization" not in missing_section and "intro.antenatal" in missing_section


def test_bad_uploads_are_refused_with_the_reason(signed_in, world, db):
    admin = signed_in("admin")
    assert "Enregistrement refusé : ce n'est pas un fichier MP3 ou WAV lisible." in page(
        upload(admin, "day.3", b"not audio", name="x.mp3"))
    assert "Enregistrement refusé : un enregistrement dure entre 0.3 et 60 secondes." in page(
        upload(admin, "day.3", tone_wav(0.1)))
    assert admin.post("/clinic/recordings", {"key": "no.such-fragment", "lang": "bm",
                                             "file": (io.BytesIO(tone_wav(1)), "x.wav")},
                      content_type="multipart/form-data").status_code == 404
    assert db.query(VoiceRecording).count() == 0


def test_centre_staff_listen_but_do_not_change_recordings(signed_in, world, db):
    awa = signed_in("awa")
    assert 'name="file"' not in page(awa.get("/clinic/recordings"))
    response = awa.post("/clinic/recordings", {"key": "day.3", "lang": "bm",
                                               "file": (io.BytesIO(tone_wav(1)), "x.wav")},
                        content_type="multipart/form-data")
    assert response.status_code == 403 and db.query(VoiceRecording).count() == 0


def test_staff_set_her_channel_on_her_page(signed_in, world, db):
    awa = signed_in("awa")
    phone = world.a_pending[0].phone
    url = f"/clinic/people/{phone.lstrip('+')}"
    assert 'value="sms" selected' in page(awa.get(url))
    shown = page(awa.post(f"{url}/channel", {"channel": "both"}, follow_redirects=True))
    assert "Les rappels partiront par : SMS et appel." in shown and 'value="both" selected' in shown
    db.expire_all()
    assert find_by_phone(db, phone).reminder_channel == "both"
    find_by_phone(db, phone).calls_stopped_at = world.a_pending[0].created_at
    db.commit()
    assert "Elle a arrêté les appels le" in page(awa.get(url))
    other_centre = world.b_pending[0].phone.lstrip("+")
    assert awa.post(f"/clinic/people/{other_centre}/channel", {"channel": "voice"}).status_code == 404


def test_messages_page_shows_a_call_its_try_and_why_it_failed(signed_in, world, db, clock):
    from ussd_app.sms.outbox_calls import close_call, queue_call

    row = queue_call(db, recipient="+22376000001", language="fr", message="Rappel", script=["menu.goodbye"],
                     kind="reminder", purpose="reminder", dedupe_key="reminder:1:call2", call_try=2, now=clock.now)
    close_call(row, "failed", clock.now, "call not answered: USER_BUSY")
    db.commit()
    shown = page(signed_in("admin").get("/clinic/messages"))
    assert "appel 2 sur 3" in shown and "appel sans réponse (USER_BUSY)" in shown
    assert 'name="id" value="%d"' % row.id not in shown  # a failed call is not retried: its SMS went


def test_centre_staff_see_their_own_centre_among_the_fragments(signed_in, world):
    shown = page(signed_in("awa").get("/clinic/recordings"))
    assert "facility.cscom-sotuba" in shown and "Boulkassoumbougou" not in shown
