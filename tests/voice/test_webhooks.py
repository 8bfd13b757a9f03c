"""Hostile voice callbacks: never a 5xx, never a change without the token; XML or a short refusal."""

from __future__ import annotations

from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from tests.voice.conftest import AWA, VOICE_TOKEN

anything = st.one_of(st.text(max_size=120), st.sampled_from(["", "0", "1", "ATVId_x", AWA, "Success", "NaN",
                                                            "inf", "-5", "1e309", "\x00", "XOF"]))
fields = st.fixed_dictionaries({}, optional={name: anything for name in (
    "sessionId", "isActive", "direction", "callerNumber", "destinationNumber", "dtmfDigits", "status",
    "callSessionState", "hangupCause", "durationInSeconds", "amount", "currencyCode", "recordingUrl")})


@hypothesis_settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(form=fields, path=st.sampled_from(["/voice/callback", "/voice/events"]), token=st.booleans())
def test_any_callback_is_answered_without_a_5xx(client, form, path, token):
    response = client.post(path + (f"?token={VOICE_TOKEN}" if token else ""), data=form)
    assert response.status_code < 500
    if not token:
        assert response.status_code == 403
    elif response.status_code == 200:
        assert response.get_data(as_text=True).startswith("<?xml")
    else:
        assert response.status_code == 400


def test_media_of_an_unknown_or_malformed_key_is_404(client):
    assert client.get("/voice/media/nothing-here.wav").status_code == 404
    assert client.get("/voice/media/..%2Fsecret").status_code == 404
