"""Orange SMS API ("SMS Africa and Middle East", Orange Developer; Mali included).

What the adapter relies on, and where it was read:
- Token: `POST /oauth/v3/token`, HTTP Basic with the app's client id and secret, form
  `grant_type=client_credentials`; the answer holds `access_token` and `expires_in` (a string,
  "3600": one hour), after which calls answer 401 and a new token is requested the same way
  (developer.orange.com/apis/sms/getting-started and /apis/sms-bf/getting-started; Symfony's
  Notifier bridge, symfony/symfony src/Symfony/Component/Notifier/Bridge/OrangeSms/
  OrangeSmsTransport.php). The token is kept in this process (never in Redis or a log), shared by
  the send threads under a lock, until shortly before it expires; a 401 on a send drops it and
  the request is made once more with a fresh one.
- Send: `POST /smsmessaging/v1/outbound/tel%3A%2B<sender>/requests` with
  `{"outboundSMSMessageRequest": {"address": "tel:+223…", "senderAddress": "tel:+<sender>",
  "senderName": optional, "outboundSMSTextMessage": {"message": …}}}`, the sender's number with
  its country code in the path and the body (getting-started guides), one address per request
  (as Symfony's bridge and mediumart/orange-sms send it; the answer echoes it as a one-element
  list). Success is 201 whose `outboundSMSMessageRequest.resourceURL` ends in the message id
  (".../requests/2fdd2d6e-…", README of enigma972/orange-api-client). No cost is stated.
- Errors: `{"requestError": {"serviceException" | "policyException": {"messageId", "text"}}}`
  (Symfony's bridge; texttochange/vusion-backend transports/orange_sdp tests), with the GSMA
  OneAPI common exceptions: SVC0002/SVC0003 invalid input, SVC0004 no valid address (400);
  POL0001 a general policy error (403: retried later, since its cause, such as an account with
  no SMS left, may be fixed meanwhile), POL0002 privacy verification failed for the address
  (403: the person refuses us, "blocked").
- Delivery receipts: posted as JSON to the URL registered with Orange (the "Real time SMS DR"
  request on the portal, or `POST /smsmessaging/v1/outbound/<sender>/subscriptions` with
  `deliveryReceiptSubscription.callbackReference.notifyURL`, https only: mediumart/orange-sms
  SMSDRRegisterCallbackRequest): `{"deliveryInfoNotification": {"callbackData": <message id>,
  "deliveryInfo": {"address": "tel:+…", "deliveryStatus": "DeliveredToTerminal" |
  "DeliveryImpossible" | "DeliveredToNetwork" | "MessageWaiting" | …}}}` (vusion-backend's
  Orange SDP tests; public Orange DR handlers read the message id from `callbackData`).
  DeliveredToNetwork, MessageWaiting and DeliveryUncertain are not final: the row stays sent.
- Incoming SMS: Orange forwards them to a URL you give its local team ("SMS response" in the
  getting-started guide). The guide does not show that body; this adapter reads the OneAPI
  `inboundSMSMessageNotification.inboundSMSMessage` (`senderAddress`, `message`, `messageId`,
  `dateTime`), the shape of the same OneAPI family as the receipts. Check it against a real
  account before relying on it.

Requests go through kept sessions (sessions.py): one request per recipient would otherwise open
a TCP and TLS connection per message.
"""

from __future__ import annotations

import threading
import time
from typing import Sequence
from urllib.parse import quote

import requests

from ussd_app.sms.gateways.interface import (MAX_TEXT, BadWebhook, DeliveryReport, GatewayUnavailable,
                                             InboundMessage, Outcome, SendResult, WebhookPayload, clip, field,
                                             not_sent)
from ussd_app.sms.gateways.sessions import SessionPool

DEFAULT_BASE_URL = "https://api.orange.com"
REQUEST_TIMEOUT_S = (3.05, 10)
DEFAULT_TOKEN_LIFETIME_S = 3600  # what the guide says a token lasts, when the answer does not say
TOKEN_MARGIN_S = 60  # fetch a new token this long before the old one expires
BLOCKED_CODES = frozenset({"POL0002"})
PERMANENT_CODES = frozenset({"SVC0002", "SVC0003", "SVC0004", "SVC0280"})
DELIVERY_STATUS = {"deliveredtoterminal": "delivered", "deliveryimpossible": "failed",
                   "deliveredtonetwork": "sent", "messagewaiting": "sent", "deliveryuncertain": "sent",
                   "deliverynotificationnotsupported": "sent"}


def tel(number: str) -> str:
    """"+22370000000", "22370000000" or "tel:+22370000000" as Orange writes it: "tel:+22370000000"."""
    digits = number.strip().removeprefix("tel:").lstrip("+")
    if not digits.isdigit():
        raise ValueError("an Orange address is a phone number in international form, e.g. +22370000000")
    return f"tel:+{digits}"


class TokenCache:
    """One access token for the process, fetched again shortly before it expires."""

    def __init__(self, base_url: str, client_id: str, client_secret: str, timeout, timer=time.monotonic,
                 sessions: SessionPool | None = None):
        self.sessions = sessions or SessionPool()
        self.url = f"{base_url}/oauth/v3/token"
        self.credentials = (client_id, client_secret)
        self.timeout = timeout
        self.timer = timer
        self._lock = threading.Lock()
        self._token: str | None = None
        self._renew_at = 0.0

    def get(self) -> str:
        with self._lock:  # one fetch, however many send threads need a token at once
            if self._token is None or self.timer() >= self._renew_at:
                self._token, lifetime = self._fetch()
                self._renew_at = self.timer() + lifetime - min(TOKEN_MARGIN_S, lifetime / 10)
            return self._token

    def drop(self, token: str) -> None:
        """The gateway refused `token`: the next `get` fetches another (unless one already did)."""
        with self._lock:
            if self._token == token:
                self._token = None

    def _fetch(self) -> tuple[str, int]:
        try:
            with self.sessions.session() as session:
                answer = session.post(self.url, auth=self.credentials, data={"grant_type": "client_credentials"},
                                      headers={"Accept": "application/json"}, timeout=self.timeout)
        except requests.RequestException as exc:
            raise GatewayUnavailable(f"token request failed: {type(exc).__name__}") from exc
        if answer.status_code != 200:
            raise GatewayUnavailable(f"token request answered {answer.status_code}")
        try:
            body = answer.json()
            token = body["access_token"]
        except (ValueError, KeyError, TypeError) as exc:
            raise GatewayUnavailable("token answer has no access_token") from exc
        try:
            lifetime = int(body.get("expires_in"))
        except (TypeError, ValueError):
            lifetime = DEFAULT_TOKEN_LIFETIME_S
        return str(token), max(0, lifetime)


class OrangeGateway:
    name = "orange"

    def __init__(self, client_id: str, client_secret: str, sender_address: str, sender_name: str | None = None,
                 base_url: str | None = None, timeout=REQUEST_TIMEOUT_S, timer=time.monotonic):
        if not (client_id and client_secret):
            raise ValueError("SMS_GATEWAY=orange needs ORANGE_CLIENT_ID and ORANGE_CLIENT_SECRET")
        base_url = (base_url or DEFAULT_BASE_URL).rstrip("/")
        self.sender = tel(sender_address)
        self.sender_name = sender_name or None
        self.url = f"{base_url}/smsmessaging/v1/outbound/{quote(self.sender, safe='')}/requests"
        self.timeout = timeout
        self.sessions = SessionPool()
        self.tokens = TokenCache(base_url, client_id, client_secret, timeout, timer, self.sessions)

    def longest_send_s(self, recipients: int) -> float:
        # A token request, then one request per recipient, each possibly refreshed once on 401.
        return sum(self.timeout) * (1 + 2 * recipients)

    def send(self, text: str, recipients: Sequence[str]) -> list[SendResult]:
        results = []
        for index, number in enumerate(recipients):
            try:
                results.append(self._send_one(text, number))
            except GatewayUnavailable as exc:
                # Unreachable: the next requests would only wait as long again; they go later.
                return results + not_sent(recipients[index:], str(exc))
        return results

    def _send_one(self, text: str, number: str) -> SendResult:
        request = {"address": tel(number), "senderAddress": self.sender,
                   "outboundSMSTextMessage": {"message": text}}
        if self.sender_name:
            request["senderName"] = self.sender_name
        body = {"outboundSMSMessageRequest": request}
        token = self.tokens.get()
        answer = self._post(token, body)
        if answer.status_code == 401:  # the token expired early or was revoked: once more, fresh
            self.tokens.drop(token)
            answer = self._post(self.tokens.get(), body)
        return result_of(number, answer)

    def _post(self, token: str, body: dict) -> requests.Response:
        try:
            with self.sessions.session() as session:
                return session.post(self.url, json=body, timeout=self.timeout,
                                    headers={"Authorization": f"Bearer {token}", "Accept": "application/json"})
        except requests.RequestException as exc:  # timeout, refused connection, broken answer
            raise GatewayUnavailable(f"gateway unreachable: {type(exc).__name__}") from exc


def _json(answer: requests.Response) -> dict:
    try:
        body = answer.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def result_of(number: str, answer: requests.Response) -> SendResult:
    status = answer.status_code
    if 200 <= status < 300:
        resource = (_json(answer).get("outboundSMSMessageRequest") or {}).get("resourceURL")
        message_id = resource.rstrip("/").rsplit("/", 1)[-1][:100] if isinstance(resource, str) else None
        # Taken, even without an id to match receipts by: sending it again would send it twice.
        return SendResult(number, Outcome.SENT, message_id or None, None, str(status))
    error = _json(answer).get("requestError") or {}
    exception = error.get("policyException") or error.get("serviceException") or {}
    code = str(exception.get("messageId") or "")
    detail = f"{status} {code} {exception.get('text') or ''}".strip()[:200]
    if code in BLOCKED_CODES:
        return SendResult(number, Outcome.BLOCKED, detail=detail)
    if code in PERMANENT_CODES or status == 400:
        return SendResult(number, Outcome.FAILED, detail=detail)
    return SendResult(number, Outcome.RETRY, detail=detail)  # 401 twice, 403 policy, 429, 5xx


def _object(value, name: str) -> dict:
    if not isinstance(value, dict):
        raise BadWebhook(f"{name} is required")
    return value


def delivery_reports(payload: WebhookPayload) -> list[DeliveryReport]:
    notification = _object(_object(payload.json, "a JSON body").get("deliveryInfoNotification"),
                           "deliveryInfoNotification")
    callback_data = notification.get("callbackData")
    message_id = field(str(callback_data) if isinstance(callback_data, int) else callback_data, "callbackData")
    info = _object(notification.get("deliveryInfo"), "deliveryInfo")
    status = field(info.get("deliveryStatus"), "deliveryStatus", limit=40)
    new = DELIVERY_STATUS.get(status.lower())
    return [DeliveryReport(message_id, new, status if new == "failed" else None)]


def inbound_message(payload: WebhookPayload) -> InboundMessage:
    notification = _object(_object(payload.json, "a JSON body").get("inboundSMSMessageNotification"),
                           "inboundSMSMessageNotification")
    message = _object(notification.get("inboundSMSMessage"), "inboundSMSMessage")
    text = message.get("message") if isinstance(message.get("message"), str) else ""
    if len(text) > MAX_TEXT:
        raise BadWebhook("message is too long")
    sender = field(message.get("senderAddress"), "senderAddress", limit=30)
    return InboundMessage(phone=sender.removeprefix("tel:"), text=text, provider_id=clip(message.get("messageId")),
                          received_at=clip(message.get("dateTime")))
