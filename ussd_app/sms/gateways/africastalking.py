"""Africa's Talking: SMS through its Python SDK, delivery reports and incoming SMS as form posts.

Settings (ussd_app/config.py): AT_USERNAME, AT_API_KEY, AT_SENDER_ID (the sender the messages
show), AT_API_BASE_URL (another base URL, e.g. the local fake API
`python -m ussd_app.testing.fake_africastalking`). The SDK builds its URL from the username and
has no option for this, so the adapter sets the service's `_baseUrl` after construction (the SDK
then posts to `<AT_API_BASE_URL>/version1/messaging`). The SDK raises on any non-2xx answer and
never retries: retrying is the send job's business.

The SDK posts with `requests.post`, a new session and TCP connection for every message. The
adapter's service is the SDK's own SMSService with that one helper (`Service.__make_post_request`)
replaced by the same POST through a kept session (sessions.py), so sends reuse keep-alive
connections; the form, headers, status handling and parsing are still the SDK's.

Per recipient, the send answer's statusCode (Africa's Talking SMS API documentation):
100 Processed, 101 Sent, 102 Queued: sent; 401 RiskHold, 403 InvalidPhoneNumber,
404 UnsupportedNumberType, 407 CouldNotRoute: failed for good; 406 UserInBlacklist: the person
blocked the sender; anything else (402 InvalidSenderId, 405 InsufficientBalance, 5xx): retried.
Delivery report callback: `id`, `status` (Sent, Submitted, Buffered, then Success, Failed,
Rejected; some networks Expired), `failureReason`. Incoming SMS callback: `from`, `to`, `text`,
`date`, `id`, `linkId`.
"""

from __future__ import annotations

import functools
from typing import Sequence

from ussd_app.sms.gateways.interface import (MAX_TEXT, BadWebhook, DeliveryReport, GatewayUnavailable,
                                             InboundMessage, Outcome, SendResult, WebhookPayload, clip, field)
from ussd_app.sms.gateways.sessions import SessionPool

SENT_CODES = frozenset({100, 101, 102})
PERMANENT_CODES = frozenset({401, 403, 404, 407})
BLOCKED_CODE = 406
REQUEST_TIMEOUT_S = (3.05, 10)

REPORT_STATUS = {"sent": "sent", "submitted": "sent", "buffered": "sent", "success": "delivered",
                 "failed": "failed", "rejected": "rejected", "expired": "failed"}


class AfricasTalkingGateway:
    name = "africastalking"

    def __init__(self, username: str, api_key: str, sender_id: str | None = None,
                 base_url: str | None = None, timeout=REQUEST_TIMEOUT_S):
        self.service = _service_class()(username, api_key)
        self.service.sessions = SessionPool()
        if base_url:
            self.service._baseUrl = base_url.rstrip("/") + "/version1"
        self.sender_id = sender_id
        self.sender = sender_id or self.name
        self.timeout = timeout

    def longest_send_s(self, recipients: int) -> float:
        return sum(self.timeout)  # one request for the whole batch

    def send(self, text: str, recipients: Sequence[str]) -> list[SendResult]:
        import requests
        from africastalking.Service import AfricasTalkingException

        try:
            answer = self.service.send(text, list(recipients), sender_id=self.sender_id, timeout=self.timeout)
        except AfricasTalkingException as exc:  # any non-2xx answer
            raise GatewayUnavailable(f"gateway answered an error: {str(exc)[:120]}") from exc
        except requests.RequestException as exc:  # timeout, refused connection, broken answer
            raise GatewayUnavailable(f"gateway unreachable: {type(exc).__name__}") from exc
        return parse_send_answer(answer)


@functools.cache
def _service_class():
    """The SDK's SMSService, posting through a kept session (imported late: the SDK is only
    needed by processes that send)."""
    from africastalking.Service import DEFAULT_TIMEOUT_S
    from africastalking.SMS import SMSService

    if not callable(getattr(SMSService, "_Service__make_post_request", None)):
        # An SDK that renamed its helper would silently open a connection per message again.
        raise RuntimeError("africastalking SDK without Service.__make_post_request: review sessions in "
                           "ussd_app/sms/gateways/africastalking.py")

    class KeptAliveSMSService(SMSService):
        sessions: SessionPool

        # The SDK's helper with `requests.post` replaced by the same call on a kept session
        # (name-mangled: the SDK calls it as `self.__make_post_request` inside Service).
        def _Service__make_post_request(self, url, headers, data, params, callback=None,
                                        timeout=DEFAULT_TIMEOUT_S):
            with self.sessions.session() as session:
                res = session.post(url=url, headers=headers, params=params, data=data, timeout=timeout)
            if callback is None or callback == {}:
                return res
            callback(res)

    return KeptAliveSMSService


def outcome_of(code: int) -> Outcome:
    if code in SENT_CODES:
        return Outcome.SENT
    if code == BLOCKED_CODE:
        return Outcome.BLOCKED
    if code in PERMANENT_CODES:
        return Outcome.FAILED
    return Outcome.RETRY


def parse_send_answer(answer) -> list[SendResult]:
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
        results.append(SendResult(str(item.get("number", "")), outcome_of(code),
                                  None if message_id in (None, "", "None") else str(message_id),
                                  item.get("cost") or None, f"{code} {item.get('status', '')}".strip()))
    return results


def delivery_reports(payload: WebhookPayload) -> list[DeliveryReport]:
    message_id = field(payload.form.get("id"), "id")
    status = field(payload.form.get("status"), "status", limit=40)
    return [DeliveryReport(message_id, REPORT_STATUS.get(status.lower()), clip(payload.form.get("failureReason")))]


def inbound_message(payload: WebhookPayload) -> InboundMessage:
    text = payload.form.get("text") or ""
    if len(text) > MAX_TEXT:
        raise BadWebhook("text is too long")
    return InboundMessage(phone=(payload.form.get("from") or "").strip()[:20], text=text,
                          provider_id=clip(payload.form.get("id")), received_at=clip(payload.form.get("date")))
