"""The Africa's Talking USSD callback, parsed and validated into a frozen request."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Mapping

import phonenumbers

MAX_SESSION_ID = 128
MAX_TEXT = 2000  # a 180 s session cannot type more
SERVICE_CODE = re.compile(r"^[*#0-9]{1,40}$")
SESSION_ID = re.compile(r"^[\w\-.:]{1,128}$")
NETWORK_CODE = re.compile(r"^[0-9]{0,10}$")
# Digits with the usual separators; letters are refused (phonenumbers would read them as a keypad).
PHONE_CHARS = re.compile(r"^[+0-9 ().\-]{3,20}$")


class BadCallback(ValueError):
    """The callback is not one the gateway would send: answered with 400."""


@lru_cache(maxsize=4096)  # every hop of a session parses the same number again
def normalise_phone(raw: str, region: str = "ML") -> str:
    """E.164 form of a phone number (Mali when no country code is given)."""
    if not PHONE_CHARS.match(raw.strip()):
        raise BadCallback("phoneNumber is not a phone number")
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException as exc:
        raise BadCallback("phoneNumber is not a phone number") from exc
    if not phonenumbers.is_valid_number(number):
        raise BadCallback("phoneNumber is not a valid phone number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


@dataclass(frozen=True)
class UssdRequest:
    session_id: str
    service_code: str
    phone: str
    text: str
    network_code: str | None

    @classmethod
    def from_form(cls, form: Mapping[str, str]) -> "UssdRequest":
        session_id = (form.get("sessionId") or "").strip()
        service_code = (form.get("serviceCode") or "").strip()
        raw_phone = (form.get("phoneNumber") or "").strip()
        text = form.get("text") or ""
        network_code = (form.get("networkCode") or "").strip() or None
        if not session_id or not SESSION_ID.match(session_id):
            raise BadCallback("sessionId is missing or malformed")
        if not service_code or not SERVICE_CODE.match(service_code):
            raise BadCallback("serviceCode is missing or malformed")
        if not PHONE_CHARS.match(raw_phone):
            raise BadCallback("phoneNumber is missing or malformed")
        if len(text) > MAX_TEXT or any(ord(ch) < 32 for ch in text):
            raise BadCallback("text is too long or has control characters")
        if network_code is not None and not NETWORK_CODE.match(network_code):
            raise BadCallback("networkCode is malformed")
        return cls(session_id, service_code, normalise_phone(raw_phone), text, network_code)
