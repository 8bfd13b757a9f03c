"""SMS gateways behind one small interface: Africa's Talking (production) and the console (local).

Settings (ussd_app/config.py):
- SMS_GATEWAY: "africastalking" or "console" (default: console when AT_API_KEY is unset).
- AT_USERNAME, AT_API_KEY, AT_SENDER_ID: the Africa's Talking account and sender id.
- AT_API_BASE_URL: where the SDK sends requests instead of Africa's Talking, e.g.
  `http://127.0.0.1:8765` for the local fake API (`python -m ussd_app.sms.fake_at`). The SDK
  builds its URL from the username and has no option for this, so the adapter sets the service's
  `_baseUrl` after construction (the SDK then posts to `<AT_API_BASE_URL>/version1/messaging`).

The SDK raises on any non-2xx answer and never retries: retrying is the send job's business.
"""

from __future__ import annotations

import sys
import uuid
from dataclasses import dataclass
from typing import Protocol, Sequence

# Per-recipient statusCode values of the send answer (Africa's Talking SMS API documentation).
SENT_CODES = frozenset({100, 101, 102})  # Processed, Sent, Queued
PERMANENT_CODES = frozenset({401, 403, 404, 407})  # RiskHold, InvalidPhoneNumber, UnsupportedNumberType, CouldNotRoute
OPTED_OUT_CODE = 406  # UserInBlacklist: the person blocked the sender at the gateway
# Everything else (402 InvalidSenderId, 405 InsufficientBalance, 5xx) is worth retrying.

REQUEST_TIMEOUT_S = (3.05, 10)


@dataclass(frozen=True)
class RecipientResult:
    number: str
    status_code: int
    status: str = ""
    message_id: str | None = None
    cost: str | None = None


class GatewayUnavailable(Exception):
    """The request as a whole failed (HTTP error, timeout, connection): retry every recipient."""


class Gateway(Protocol):
    name: str

    def send(self, text: str, recipients: Sequence[str]) -> list[RecipientResult]:
        """Send one text to many recipients; raise GatewayUnavailable if the request failed."""


class ConsoleGateway:
    """Local runs: log the message instead of sending it, answer like a successful send."""

    name = "console"

    def send(self, text: str, recipients: Sequence[str]) -> list[RecipientResult]:
        for number in recipients:
            # The console is the developer's own terminal: showing the text is the point here
            # (printed, since a worker process may have no logging configured).
            print(f"[SMS to {number}] {text}", file=sys.stderr, flush=True)
        return [RecipientResult(n, 101, "Success", f"console-{uuid.uuid4().hex[:12]}", "XOF 0")
                for n in recipients]


class AfricasTalkingGateway:
    name = "africastalking"

    def __init__(self, username: str, api_key: str, sender_id: str | None = None,
                 base_url: str | None = None, timeout=REQUEST_TIMEOUT_S):
        from africastalking.SMS import SMSService

        self.service = SMSService(username, api_key)
        if base_url:
            self.service._baseUrl = base_url.rstrip("/") + "/version1"
        self.sender_id = sender_id
        self.timeout = timeout

    def send(self, text: str, recipients: Sequence[str]) -> list[RecipientResult]:
        import requests
        from africastalking.Service import AfricasTalkingException

        try:
            answer = self.service.send(text, list(recipients), sender_id=self.sender_id, timeout=self.timeout)
        except AfricasTalkingException as exc:  # any non-2xx answer
            raise GatewayUnavailable(f"gateway answered an error: {str(exc)[:120]}") from exc
        except requests.RequestException as exc:  # timeout, refused connection, broken answer
            raise GatewayUnavailable(f"gateway unreachable: {type(exc).__name__}") from exc
        return parse_send_answer(answer)


def parse_send_answer(answer) -> list[RecipientResult]:
    if not isinstance(answer, dict):
        raise GatewayUnavailable("gateway answer is not JSON")
    recipients = (answer.get("SMSMessageData") or {}).get("Recipients")
    if not isinstance(recipients, list):
        raise GatewayUnavailable("gateway answer has no Recipients")
    results = []
    for item in recipients:
        try:
            code = int(item.get("statusCode"))
        except (TypeError, ValueError):
            code = 500
        message_id = item.get("messageId")
        results.append(RecipientResult(str(item.get("number", "")), code, str(item.get("status", "")),
                                       None if message_id in (None, "", "None") else str(message_id),
                                       item.get("cost") or None))
    return results


def make_gateway(settings) -> Gateway:
    if settings.sms_gateway == "console":
        return ConsoleGateway()
    if settings.sms_gateway == "africastalking":
        return AfricasTalkingGateway(settings.at_username, settings.at_api_key, settings.at_sender_id,
                                     settings.at_api_base_url)
    raise ValueError(f"unknown SMS_GATEWAY {settings.sms_gateway!r}")
