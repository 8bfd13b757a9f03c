"""What every SMS gateway adapter speaks: neutral send outcomes, delivery reports, inbound messages.

Sending code (ussd_app/sms/send.py) and the webhook routes (ussd_app/sms/webhooks.py) know only
these types; each adapter turns its provider's status codes, error bodies and callback fields
into them. They live apart from `make_gateway` so that adapters import this module and nothing
above it.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Mapping, Protocol, Sequence


class Outcome(enum.Enum):
    SENT = "sent"  # the gateway took it (provider message id, cost when it says)
    RETRY = "retry"  # worth another try later: the gateway is busy, out of credit, unreachable
    FAILED = "failed"  # never worth retrying: bad number, refused request
    BLOCKED = "blocked"  # the person refuses our messages at the gateway: opted out for good


@dataclass(frozen=True)
class SendResult:
    number: str  # E.164, as given to `send`
    outcome: Outcome
    provider_message_id: str | None = None
    cost: str | None = None  # as the gateway states it ("XOF 25.0000"); None when it does not say
    detail: str = ""  # the gateway's own words, kept as the row's last error


class GatewayUnavailable(Exception):
    """Nothing was sent: the request failed as a whole (HTTP error, timeout, no connection)."""


class Gateway(Protocol):
    name: str
    # Whose send rate the token bucket paces: the sender id or address the gateway sees.
    sender: str

    def send(self, text: str, recipients: Sequence[str]) -> list[SendResult]:
        """One text to many recipients: one result per recipient (a missing one is retried).
        Raise GatewayUnavailable when nothing was sent."""

    def longest_send_s(self, recipients: int) -> float:
        """The longest `send` can take for this many recipients (its timeouts): how long a
        worker holds the rows it sends (ussd_app.sms.send.hold_seconds)."""


def not_sent(numbers: Sequence[str], why: str) -> list[SendResult]:
    """Recipients the adapter did not get to (the gateway stopped answering): retried later."""
    return [SendResult(n, Outcome.RETRY, detail=why) for n in numbers]


# -- callbacks from the gateway -------------------------------------------------------------

MAX_ID = 200
MAX_TEXT = 1600


class BadWebhook(Exception):
    """A callback no gateway would send (missing or oversized field): answered with 400."""


@dataclass(frozen=True)
class WebhookPayload:
    """A callback's body, parsed both ways: gateways post forms (Africa's Talking) or JSON (Orange)."""

    form: Mapping[str, str]
    json: object | None


@dataclass(frozen=True)
class DeliveryReport:
    provider_message_id: str
    # The outbox status the report means ("sent", "delivered", "failed", "rejected"), or None
    # for a status the adapter does not know (accepted and ignored). Rows only move forward.
    status: str | None
    reason: str | None = None


@dataclass(frozen=True)
class InboundMessage:
    phone: str  # as the gateway wrote it, without any "tel:" prefix; the route normalises it
    text: str
    provider_id: str | None = None  # makes a resent callback recognisable
    received_at: str | None = None  # as the gateway wrote it; only used to recognise resends


def field(value, name: str, limit: int = MAX_ID, required: bool = True) -> str | None:
    """A callback field as a stripped string within `limit`, or BadWebhook."""
    text = value.strip() if isinstance(value, str) else ""
    if not text:
        if required:
            raise BadWebhook(f"{name} is required")
        return None
    if len(text) > limit:
        raise BadWebhook(f"{name} is too long")
    return text


def clip(value, limit: int = MAX_ID) -> str | None:
    """An optional, informational field (a reason, a date): stripped and cut to `limit`."""
    text = value.strip()[:limit] if isinstance(value, str) else ""
    return text or None


class WebhookParser(Protocol):
    def delivery_reports(self, payload: WebhookPayload) -> list[DeliveryReport]: ...

    def inbound_message(self, payload: WebhookPayload) -> InboundMessage: ...
