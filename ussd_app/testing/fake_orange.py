"""A local fake of Orange's SMS API (Africa and Middle East), for tests and runs without an account.

It answers what ussd_app/sms/gateways/orange.py uses, in the shapes documented there:
- `POST /oauth/v3/token` (HTTP Basic client id and secret, form `grant_type=client_credentials`):
  `{"token_type": "Bearer", "access_token": …, "expires_in": "3600"}`; a token stops working
  after its lifetime (on the fake's `timer`) or when `expire_tokens()` is called, and is then
  answered 401 like Orange's gateway does.
- `POST /smsmessaging/v1/outbound/tel%3A%2B<sender>/requests`: one `address` per request; 201
  with `outboundSMSMessageRequest.resourceURL` ending in the message id; per-number refusals as
  `requestError` bodies (`blacklist`: 403 POL0002; `recipient_errors`: any status and code).
Failures can be injected (ussd_app/testing/fake_http.py) on sends, and on token requests with
`fail_token_next`. Delivery receipts and incoming SMS are posted as JSON
(`deliveryInfoNotification`, `inboundSMSMessageNotification`).

Run it: `python -m ussd_app.testing.fake_orange --port 8766`, then point the service at it with
`SMS_GATEWAY=orange ORANGE_CLIENT_ID=any ORANGE_CLIENT_SECRET=any ORANGE_SENDER_ADDRESS=+22370000000
ORANGE_API_BASE_URL=http://127.0.0.1:8766` (or let `ussd-app serve --fake-gateway orange` do both).
"""

from __future__ import annotations

import argparse
import base64
import json
import re
import time
import uuid
from collections import deque
from urllib.parse import parse_qs, unquote

from ussd_app.testing.fake_http import FakeApi

SEND_PATH = re.compile(r"/smsmessaging/v1/outbound/([^/]+)/requests/?")
ADDRESS = re.compile(r"tel:\+[1-9]\d{6,14}")
EXPIRED = {"code": 42, "message": "Expired credentials",
           "description": "The requested service needs credentials, and the ones provided were out-of-date."}


def request_error(kind: str, code: str, text: str) -> dict:
    return {"requestError": {kind: {"messageId": code, "text": text}}}


PRIVACY_REFUSED = (403, "policyException", "POL0002")
NO_VALID_ADDRESS = (400, "serviceException", "SVC0004")
POLICY_ERROR = (403, "policyException", "POL0001")
NO_RESOURCES = (503, "serviceException", "SVC1000")


class FakeOrange(FakeApi):
    name = "orange"
    callback_format = "json"

    def __init__(self, host: str = "127.0.0.1", port: int = 0, client_id: str | None = None,
                 client_secret: str | None = None, token_lifetime_s: int = 3600, timer=time.monotonic):
        super().__init__(host, port)
        self.credentials = (client_id, client_secret) if client_id and client_secret else None  # None: any
        self.token_lifetime_s = token_lifetime_s
        self.timer = timer
        self.tokens: dict[str, float] = {}  # token -> when it stops working
        self.token_requests = 0
        self.unauthorized = 0  # send requests answered 401 (no token, or an expired one)
        self._token_faults: deque[int] = deque()
        self.recipient_errors: dict[str, tuple[int, str, str]] = {}  # number -> (status, kind, code)
        self.blacklist: set[str] = set()  # numbers whose owner refuses us: 403 POL0002
        self.requests: list[dict] = []  # messages accepted: sender, address, message, sender_name, id
        self.refused: list[dict] = []  # send requests answered with an error body
        self.messages: dict[str, str] = {}  # message id -> number

    def expire_tokens(self) -> None:
        """Every token issued so far is answered 401 from now on."""
        with self._lock:
            self.tokens.clear()

    def fail_token_next(self, count: int = 1, status: int = 500) -> None:
        with self._lock:
            self._token_faults.extend([status] * count)

    def sent_to(self, number: str) -> list[str]:
        with self._lock:
            return [r["message"] for r in self.requests if r["address"] == f"tel:{number}"]

    def receipt(self, message_id: str, status: str) -> dict:
        """A delivery receipt as Orange posts it (DeliveredToTerminal, DeliveryImpossible…)."""
        return {"deliveryInfoNotification": {"callbackData": message_id, "deliveryInfo": {
            "address": f"tel:{self.messages.get(message_id, '')}", "deliveryStatus": status}}}

    def inbound(self, phone: str, text: str) -> dict:
        return {"inboundSMSMessageNotification": {"inboundSMSMessage": {
            "senderAddress": f"tel:{phone}", "destinationAddress": "tel:+22370000000", "message": text,
            "messageId": uuid.uuid4().hex, "dateTime": "2026-01-01T00:00:00Z"}}}

    def handle(self, method: str, path: str, headers, body: bytes) -> tuple[int, object]:
        path = path.split("?", 1)[0]
        if method == "POST" and path == "/oauth/v3/token":
            return self._token(headers, body)
        match = SEND_PATH.fullmatch(path)
        if method == "POST" and match:
            return self._send(unquote(match[1]), headers, body)
        return 404, {"code": 60, "message": "Resource not found"}

    def _token(self, headers, body: bytes) -> tuple[int, object]:
        with self._lock:
            self.token_requests += 1
            fault = self._token_faults.popleft() if self._token_faults else None
        if fault is not None:
            return fault, "Internal Server Error"
        form = parse_qs(body.decode("utf-8"))
        if form.get("grant_type") != ["client_credentials"]:
            return 400, {"error": "unsupported_grant_type"}
        if self.credentials and headers.get("Authorization") != basic(*self.credentials):
            return 401, {"error": "invalid_client", "error_description": "The requested service needs credentials"}
        token = uuid.uuid4().hex
        with self._lock:
            self.tokens[token] = self.timer() + self.token_lifetime_s
        return 200, {"token_type": "Bearer", "access_token": token, "expires_in": str(self.token_lifetime_s)}

    def _token_ok(self, headers) -> bool:
        token = (headers.get("Authorization") or "").removeprefix("Bearer ")
        with self._lock:
            return self.tokens.get(token, 0) > self.timer()

    def _send(self, sender: str, headers, body: bytes) -> tuple[int, object]:
        if not self._token_ok(headers):
            with self._lock:
                self.unauthorized += 1
            return 401, EXPIRED
        fault = self.faulted()
        if fault is not None:
            return fault
        try:
            request = json.loads(body)["outboundSMSMessageRequest"]
            address, message = request["address"], request["outboundSMSTextMessage"]["message"]
        except (ValueError, KeyError, TypeError):
            return self._refuse(400, "serviceException", "SVC0002", "Invalid input value for the body", {})
        if isinstance(address, list):
            if len(address) != 1:
                return self._refuse(403, "policyException", "POL0003", "Too many addresses specified", request)
            address = address[0]
        if request.get("senderAddress") != sender or not ADDRESS.fullmatch(sender):
            return self._refuse(400, "serviceException", "SVC0002", "Invalid senderAddress", request)
        if not isinstance(address, str) or not ADDRESS.fullmatch(address) or not message:
            return self._refuse(*NO_VALID_ADDRESS, "No valid addresses provided in message part address", request)
        number = address.removeprefix("tel:")
        refusal = PRIVACY_REFUSED if number in self.blacklist else self.recipient_errors.get(number)
        if refusal is not None:
            return self._refuse(*refusal, f"Refused for {address}", request)
        message_id = str(uuid.uuid4())
        with self._lock:
            self.requests.append({"sender": sender, "address": address, "message": message,
                                  "sender_name": request.get("senderName"), "id": message_id})
            self.messages[message_id] = number
        self.accepted(message_id)
        answer = {"address": [address], "senderAddress": sender, "outboundSMSTextMessage": {"message": message},
                  "resourceURL": f"{self.url}/smsmessaging/v1/outbound/{sender}/requests/{message_id}"}
        if request.get("senderName"):
            answer["senderName"] = request["senderName"]
        return 201, {"outboundSMSMessageRequest": answer}

    def _refuse(self, status: int, kind: str, code: str, text: str, request: dict) -> tuple[int, object]:
        with self._lock:
            self.refused.append({"status": status, "code": code, "address": request.get("address")})
        return status, request_error(kind, code, text)


def basic(client_id: str, client_secret: str) -> str:
    return "Basic " + base64.b64encode(f"{client_id}:{client_secret}".encode()).decode("ascii")


def main() -> None:
    parser = argparse.ArgumentParser(description="Local fake of Orange's SMS API")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8766)
    parser.add_argument("--client-id", default=None, help="With --client-secret: refuse other credentials")
    parser.add_argument("--client-secret", default=None)
    parser.add_argument("--token-lifetime", type=int, default=3600, help="Seconds a token works")
    parser.add_argument("--latency", type=float, default=0.0, help="Seconds to wait before answering a send")
    parser.add_argument("--callback-url", default=None,
                        help="Post a DeliveredToTerminal receipt here after each message")
    args = parser.parse_args()
    fake = FakeOrange(args.host, args.port, args.client_id, args.client_secret, args.token_lifetime)
    fake.latency_s = args.latency
    if args.callback_url:
        fake.callback_url, fake.auto_receipt = args.callback_url, "DeliveredToTerminal"
    print(f"fake Orange SMS API on {fake.url} (ORANGE_API_BASE_URL={fake.url})", flush=True)
    fake.serve_forever()


if __name__ == "__main__":
    main()
