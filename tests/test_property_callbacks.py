"""Random and hostile callbacks: never a 5xx, always a proper USSD answer or a short refusal."""

from __future__ import annotations

import dataclasses
import urllib.parse

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from ussd_app import create_app
from ussd_app.menus.render import SCREEN_LIMIT
from ussd_app.text.gsm import is_gsm

MISSING = object()

keys = st.sampled_from(["", "0", "00", "1", "2", "3", "98", "99", "*", "#", "1*2", "4827", " 1 "])
typed_text = st.lists(keys, max_size=12).map("*".join)
unicode_text = st.text(max_size=300)
huge_text = st.integers(min_value=2001, max_value=40_000).map(lambda n: "1" * n)

session_ids = st.one_of(st.sampled_from(["ATUid_a", "ATUid_b", "ATUid_c"]),
                        st.text(max_size=140), st.just(MISSING))
service_codes = st.one_of(st.just("*384*123#"), st.text(max_size=50), st.just(MISSING))
phones = st.one_of(st.sampled_from(["+22376123456", "76123456", "+223 66 00 00 01", "0022390000001"]),
                   st.text(max_size=30), st.from_regex(r"\+?[0-9]{0,16}", fullmatch=True),
                   st.just(MISSING))
network_codes = st.one_of(st.just("61002"), st.text(max_size=12), st.just(MISSING))
texts = st.one_of(typed_text, unicode_text, huge_text, st.just(MISSING))
extra_fields = st.dictionaries(st.text(min_size=1, max_size=10), st.text(max_size=50), max_size=3)


def form_of(**fields) -> dict:
    return {k: v for k, v in fields.items() if v is not MISSING}


def check(response, allowed_refusals: set[int]) -> None:
    assert response.status_code < 500, response.status_code
    assert response.content_type == "text/plain; charset=utf-8"
    body = response.get_data(as_text=True)
    if response.status_code == 200:
        assert body.startswith(("CON ", "END ")), body
        assert len(body) <= SCREEN_LIMIT, (len(body), body)
        assert is_gsm(body), body
    else:
        assert response.status_code in allowed_refusals, (response.status_code, body)
        assert "<" not in body and len(body) < 200, body


def settings_(max_examples: int):
    # Function-scoped fixtures (client, database) are shared by the examples on purpose.
    return hsettings(max_examples=max_examples, deadline=None, suppress_health_check=list(HealthCheck))


CALLBACKS = dict(session_id=session_ids, service_code=service_codes, phone=phones,
                 network_code=network_codes, text=texts, extra=extra_fields)


def assert_no_crash_logged(caplog) -> None:
    """A polite END hides a crash from the caller, not from this test."""
    crashes = [r.getMessage() for r in caplog.records if "unexpected error" in r.getMessage()]
    assert not crashes, crashes[:5]


@pytest.mark.slow
def test_random_callbacks(client, caplog):
    @settings_(max_examples=200)
    @given(**CALLBACKS)
    def one(session_id, service_code, phone, network_code, text, extra):
        form = dict(extra)
        form.update(form_of(sessionId=session_id, serviceCode=service_code, phoneNumber=phone,
                            networkCode=network_code, text=text))
        check(client.post("/ussd", data=form), {400, 413})

    one()
    assert_no_crash_logged(caplog)


@pytest.mark.slow
def test_random_sessions_that_keep_going(client, caplog):
    """A session driven by random keys, hop after hop, as a handset would send them."""
    @settings_(max_examples=60)
    @given(st.lists(st.one_of(keys, st.text(max_size=20).filter(lambda t: "*" not in t)),
                    min_size=1, max_size=15),
           st.sampled_from(["+22376123456", "+22366000001"]))
    def one(presses, phone):
        sid = "prop-" + str(abs(hash((tuple(presses), phone))))
        text = ""
        check(client.post("/ussd", data=form_of(sessionId=sid, serviceCode="*384*123#",
                                                phoneNumber=phone, text=text)), {400})
        for key in presses:
            text = key if text == "" else f"{text}*{key}"
            response = client.post("/ussd", data=form_of(sessionId=sid, serviceCode="*384*123#",
                                                         phoneNumber=phone, text=text))
            check(response, {400})
            if response.get_data(as_text=True).startswith("END "):
                break

    one()
    assert_no_crash_logged(caplog)


@pytest.mark.slow
def test_random_callbacks_with_a_token(settings):
    app = create_app(dataclasses.replace(settings, ussd_callback_token="tok-123"))
    app.config["TESTING"] = True
    client = app.test_client()

    @settings_(max_examples=100)
    @given(token=st.one_of(st.just("tok-123"), st.text(max_size=20), st.just(MISSING)), **CALLBACKS)
    def one(token, session_id, service_code, phone, network_code, text, extra):
        form = dict(extra)
        form.update(form_of(sessionId=session_id, serviceCode=service_code, phoneNumber=phone,
                            networkCode=network_code, text=text))
        query = "" if token is MISSING else "?" + urllib.parse.urlencode({"token": token})
        response = client.post("/ussd" + query, data=form)
        check(response, {400, 403, 413})
        if token != "tok-123":
            assert response.status_code in (403, 413)

    try:
        one()
    finally:
        app.extensions["db_engine"].dispose()
