"""Logs name a phone by its last digits only and never show a token (ussd_app/redact.py)."""

from __future__ import annotations

import logging

import pytest

from ussd_app.redact import mask_phone, redact

AWA = "+22376123456"


@pytest.mark.parametrize("phone, masked", [
    (AWA, "+223****3456"), ("22376123456", "223****3456"), ("+33612345678", "+336****5678"),
    ("76123456", "****3456"), ("", "-"), (None, "-"), ("12", "****"),
])
def test_mask_phone_keeps_the_last_four_digits(phone, masked):
    assert mask_phone(phone) == masked


@pytest.mark.parametrize("line, hidden, kept", [
    ("POST /ussd?token=s3cret&x=1 200", "s3cret", "POST /ussd?token=<hidden>&x=1 200"),
    ("GET /sms/inbound?a=1&TOKEN=abc HTTP/1.1", "abc", "GET /sms/inbound?a=1&TOKEN=<hidden> HTTP/1.1"),
    ("Authorization: Bearer csk_AbC-123_xyz", "AbC-123", "Authorization: Bearer <hidden>"),
    ("token csk_AbC-123_xyz used", "AbC-123", "token csk_<hidden> used"),
    ("sms inbound from +22376123456: stop", "76123456", "sms inbound from +223****3456: stop"),
    ("GET /clinic/people/22376123456 HTTP/1.1", "76123456", "GET /clinic/people/223****3456 HTTP/1.1"),
    ("[parameters: ('+22376123456', 7)]", "76123456", "[parameters: ('+223****3456', 7)]"),
])
def test_redact_hides_tokens_and_masks_phones(line, hidden, kept):
    assert redact(line) == kept and hidden not in redact(line)


def test_ids_and_times_are_left_alone():
    line = "outbox 1234567 at 20261122100000 batch of 12"
    assert redact(line) == line


def logged(caplog) -> str:
    return "\n".join(caplog.messages + [r.exc_text or "" for r in caplog.records])


def test_an_inbound_sms_is_logged_with_the_last_digits_only(client, caplog):
    caplog.set_level(logging.INFO)
    client.post("/sms/inbound", data={"from": AWA, "text": "merci", "id": "log-1"})
    client.post("/sms/inbound", data={"from": AWA, "text": "STOP", "id": "log-2"})
    text = logged(caplog)
    assert "sms inbound from +223****3456: no keyword" in text and "sms inbound from +223****3456: stop" in text
    assert "76123456" not in text


def test_every_log_record_of_the_app_is_masked_even_a_traceback(app, caplog):
    caplog.set_level(logging.INFO)
    log = logging.getLogger("ussd_app.anywhere")
    log.info("callback from %s with ?token=%s", AWA, "abc123")
    try:
        raise ValueError(f"duplicate key ({AWA})")
    except ValueError:
        log.exception("insert failed for %s", {"phone": AWA})
    text = logged(caplog)
    assert "76123456" not in text and "abc123" not in text
    assert "+223****3456" in text and "token=<hidden>" in text and "ValueError: duplicate key" in text
