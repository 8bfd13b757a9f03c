"""The gateway side of /ussd and /healthz: validation, limits, token, content type, logs."""

from __future__ import annotations

import dataclasses
import logging

import pytest

from tests.http_server import serving
from ussd_app import create_app
from ussd_app.menus.render import SCREEN_LIMIT
from ussd_app.text.gsm import is_gsm
from ussd_app.ussd_request import BadCallback, UssdRequest, normalise_phone

GOOD = {"sessionId": "ATUid_1234abcd", "serviceCode": "*384*123#", "phoneNumber": "+22376123456",
        "networkCode": "61002", "text": ""}


def post(client, form: dict, query: str = ""):
    return client.post("/ussd" + query, data=form)


def assert_plain(response, status: int) -> str:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.content_type == "text/plain; charset=utf-8"
    body = response.get_data(as_text=True)
    assert "<" not in body and len(body) < 200  # short, no HTML error page
    return body


def assert_ussd(response) -> str:
    body = assert_plain(response, 200)
    assert body.startswith(("CON ", "END ")) and len(body) <= SCREEN_LIMIT and is_gsm(body), body
    return body


@pytest.mark.parametrize("field, value", [
    ("sessionId", None), ("sessionId", ""), ("sessionId", "   "), ("sessionId", "a b"),
    ("sessionId", "x" * 129), ("sessionId", "id;DROP"),
    ("serviceCode", None), ("serviceCode", ""), ("serviceCode", "*384*abc#"), ("serviceCode", "*" * 41),
    ("phoneNumber", None), ("phoneNumber", ""), ("phoneNumber", "hello"), ("phoneNumber", "+223"),
    ("phoneNumber", "+22376ABCDEF"), ("phoneNumber", "1" * 21), ("phoneNumber", "+223 12"),
    ("networkCode", "61a02"),
    ("text", "1\x00"), ("text", "1\n2"), ("text", "1" * 2001),
])
def test_missing_or_malformed_field_is_400_plain(client, field, value):
    form = dict(GOOD)
    if value is None:
        del form[field]
    else:
        form[field] = value
    body = assert_plain(post(client, form), 400)
    assert field in body


def test_no_form_at_all_is_400(client):
    assert_plain(client.post("/ussd", data=b"", content_type="application/json"), 400)
    assert_plain(client.post("/ussd", json={"sessionId": "x"}), 400)


def test_body_over_16_kib_is_413_plain(client):
    form = dict(GOOD, text="1" * (16 * 1024 + 1))
    assert_plain(post(client, form), 413)
    assert_plain(client.post("/ussd", data="x" * (17 * 1024), content_type="text/plain"), 413)


def test_body_just_under_the_limit_is_read(client):
    form = dict(GOOD, text="", padding="p" * (15 * 1024))
    assert_ussd(post(client, form))


def test_answers_are_plain_text_con_or_end(client):
    body = assert_ussd(post(client, GOOD))
    assert body.startswith("CON ")


def test_other_methods_and_paths_are_plain(client):
    assert_plain(client.get("/ussd"), 405)
    assert_plain(client.get("/nowhere"), 404)


@pytest.fixture
def token_client(settings):
    app = create_app(dataclasses.replace(settings, ussd_callback_token="s3cret-token"))
    app.config["TESTING"] = True
    yield app.test_client()
    app.extensions["db_engine"].dispose()


@pytest.mark.parametrize("query, status", [
    ("", 403), ("?token=", 403), ("?token=wrong", 403), ("?token=s3cret-tokenX", 403),
    ("?token=S3CRET-TOKEN", 403), ("?token=s3cret-token", 200),
])
def test_callback_token(token_client, query, status):
    response = post(token_client, GOOD, query)
    if status == 200:
        assert_ussd(response)
    else:
        assert assert_plain(response, 403) == "forbidden"


def test_ussd_callbacks_use_the_same_allow_list_and_log_the_refusal_without_the_phone(settings, caplog):
    from ipaddress import ip_network

    app = create_app(dataclasses.replace(settings, ussd_callback_token="s3cret-token",
                                         callback_networks=(ip_network("196.201.214.0/24"),)))
    client = app.test_client()
    caplog.set_level(logging.INFO)
    try:
        assert_plain(post(client, GOOD, "?token=s3cret-token"), 403)  # right token, wrong network
        gateway = {"REMOTE_ADDR": "196.201.214.9"}
        assert_plain(client.post("/ussd?token=wrong", data=GOOD, environ_base=gateway), 403)
        assert_ussd(client.post("/ussd?token=s3cret-token", data=GOOD, environ_base=gateway))
    finally:
        app.extensions["db_engine"].dispose()
    refusals = [r.getMessage() for r in caplog.records if "refused /ussd callback" in r.getMessage()]
    assert len(refusals) == 2 and not any("76123456" in m or "s3cret" in m for m in refusals)


def test_development_server_log_hides_the_callback_token(settings, caplog):
    """`ussd-app serve` logs each request; the gateway's token must not be in that log."""
    import requests

    from ussd_app.dev_server import RedactingRequestHandler

    app = create_app(dataclasses.replace(settings, ussd_callback_token="s3cret-token"))
    try:
        with serving(app, request_handler=RedactingRequestHandler) as url, \
                caplog.at_level(logging.INFO, logger="werkzeug"):
            response = requests.post(f"{url}/ussd?token=s3cret-token&x=1", data=dict(GOOD), timeout=10)
    finally:
        app.extensions["db_engine"].dispose()
    assert response.status_code == 200 and response.text.startswith("CON ")
    logged = "\n".join(r.getMessage() for r in caplog.records if r.name == "werkzeug")
    assert "POST /ussd?token=<hidden>&x=1" in logged and "s3cret" not in logged


def test_no_token_configured_accepts_any_query(client):
    assert_ussd(post(client, GOOD, "?token=whatever"))


def test_healthz_ok(client):
    response = client.get("/healthz")
    assert assert_plain(response, 200) == "ok"


def test_healthz_503_when_redis_is_down(settings):
    app = create_app(dataclasses.replace(settings, redis_url="redis://127.0.0.1:1/0"))
    try:
        response = app.test_client().get("/healthz")
        body = assert_plain(response, 503)
        assert "redis" in body and "database" not in body
    finally:
        app.extensions["db_engine"].dispose()


PIN_LIKE = "4827"


def test_raw_text_is_never_logged(client, caplog):
    caplog.set_level(logging.DEBUG)
    session = dict(GOOD, sessionId="log-check-1")
    for text in ("", "2", f"2*{PIN_LIKE}", f"2*{PIN_LIKE}*{PIN_LIKE}9", f"2*{PIN_LIKE}*²"):
        assert_ussd(post(client, dict(session, text=text)))
    post(client, dict(session, text=f"{PIN_LIKE}\x01"))  # rejected: the reason, not the text
    assert caplog.records, "the hops should log something"
    for record in caplog.records:
        message = record.getMessage()
        assert PIN_LIKE not in message, message
        if record.exc_info:
            import traceback
            assert PIN_LIKE not in "".join(traceback.format_exception(*record.exc_info))


def test_unexpected_error_is_logged_without_its_message(app, client, caplog):
    """A screen that crashes with the input in its message: polite END, message not logged."""
    host = app.extensions["ussd_host"]

    class Exploding:
        def __getitem__(self, key):
            raise ValueError(f"boom {PIN_LIKE}")

        def __contains__(self, key):
            return True

    caplog.set_level(logging.DEBUG)
    real = host.registry
    host.registry = Exploding()
    try:
        body = assert_ussd(post(client, dict(GOOD, sessionId="explode-1")))
    finally:
        host.registry = real
    assert body.startswith("END ")
    messages = " ".join(r.getMessage() for r in caplog.records)
    assert "ValueError" in messages and PIN_LIKE not in messages
    assert not any(r.exc_info for r in caplog.records)


@pytest.mark.parametrize("raw", [
    "76123456", "0022376123456", "+223 76 12 34 56", "+22376123456", "223 76123456",
    "(+223) 76-12-34-56", " +22376123456 ",
])
def test_phone_numbers_are_normalised(raw):
    assert normalise_phone(raw) == "+22376123456"


@pytest.mark.parametrize("raw", ["", "abc", "+223", "7612345", "761234567", "+22312345678"])
def test_invalid_phone_numbers_are_refused(raw):
    with pytest.raises(BadCallback):
        normalise_phone(raw)


def test_request_carries_the_normalised_phone(client, db):
    from sqlalchemy import select

    from ussd_app.subscribers import Subscriber

    form = dict(GOOD, phoneNumber="0022376123456", sessionId="norm-1")
    assert_ussd(post(client, form))
    assert_ussd(post(client, dict(form, text="2")))
    assert db.scalar(select(Subscriber.phone)) == "+22376123456"
    req = UssdRequest.from_form(dict(GOOD, phoneNumber="+223 76 12 34 56", text="1*2"))
    assert (req.phone, req.text, req.session_id) == ("+22376123456", "1*2", "ATUid_1234abcd")


def test_chunked_body_over_the_limit_is_413_over_real_http(app):
    """No Content-Length (chunked transfer): the limit still holds when the body is read."""
    import requests

    def body():
        yield b"sessionId=ATUid_1&serviceCode=*384*123%23&phoneNumber=%2B22376123456&text="
        for _ in range(20):
            yield b"1" * 1024

    with serving(app) as url:
        response = requests.post(f"{url}/ussd", data=body(),
                                 headers={"Content-Type": "application/x-www-form-urlencoded"},
                                 timeout=10)
    assert response.status_code == 413, response.text
    assert response.headers["Content-Type"] == "text/plain; charset=utf-8"


def test_chunked_body_within_the_limit_is_answered_over_real_http(app):
    import requests

    def body():
        yield b"sessionId=ATUid_2&serviceCode=*384*123%23&phoneNumber=%2B22376123456&text="

    with serving(app) as url:
        response = requests.post(f"{url}/ussd", data=body(),
                                 headers={"Content-Type": "application/x-www-form-urlencoded"},
                                 timeout=10)
    assert response.status_code == 200 and response.text.startswith("CON ")
