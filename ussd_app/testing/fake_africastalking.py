"""A local fake of the Africa's Talking SMS API, for tests and for runs without an account.

It answers `POST /version1/messaging` (form fields `username`, `to`, `message`, `from`,
`bulkSMSMode`, `enqueue`) the way the real API does: JSON `SMSMessageData` with one entry per
recipient (`statusCode` 101 "Success", `messageId` "ATXid_…", `cost`). Failures can be injected
(ussd_app/testing/fake_http.py): HTTP 500s, answers slower than the client's timeout, latency, and
a per-number statusCode (406 blacklisted, 403 invalid number, 500 …). Its callbacks are forms:
delivery reports (`id`, `status`, `phoneNumber`, `networkCode`, `failureReason`, `retryCount`)
and incoming messages (`from`, `to`, `text`, `date`, `id`, `linkId`).

The voice endpoint (`POST /voice/call`) and the gateway's side of a call (answer, digits, end
of call) are in ussd_app/testing/fake_at_voice.py.

Run it: `python -m ussd_app.testing.fake_africastalking --port 8765`, then point the service at
it with `SMS_GATEWAY=africastalking AT_API_KEY=anything AT_API_BASE_URL=http://127.0.0.1:8765`
(or let `ussd-app serve --fake-gateway africastalking` do both).
"""

from __future__ import annotations

import argparse
import uuid
from urllib.parse import parse_qs

from ussd_app.testing.fake_at_voice import FakeVoice
from ussd_app.testing.fake_http import FakeApi

STATUS_NAMES = {100: "Processed", 101: "Success", 102: "Queued", 401: "RiskHold", 402: "InvalidSenderId",
                403: "InvalidPhoneNumber", 404: "UnsupportedNumberType", 405: "InsufficientBalance",
                406: "UserInBlacklist", 407: "CouldNotRoute", 500: "InternalServerError",
                501: "GatewayError", 502: "RejectedByGateway"}
SENT = (100, 101, 102)
COST_PER_PART = "XOF 25.0000"
SHORT_CODE = "36010"


class FakeAfricasTalking(FakeVoice, FakeApi):
    name = "africastalking"
    callback_format = "form"

    def __init__(self, host: str = "127.0.0.1", port: int = 0, api_key: str | None = None):
        super().__init__(host, port)
        self.api_key = api_key  # None: any key is accepted
        self.recipient_codes: dict[str, int] = {}  # number -> statusCode to answer for it
        self.blacklist: set[str] = set()  # numbers answered with 406
        self.requests: list[dict] = []  # every messaging request answered, as form fields
        self.messages: dict[str, str] = {}  # messageId -> number, of the messages accepted
        self._voice_init()

    def sent_to(self, number: str) -> list[str]:
        """Messages accepted for `number` (requests that got a Success for it)."""
        with self._lock:
            return [r["message"] for r in self.requests
                    if number in r["to"].split(",") and r["codes"].get(number) in SENT]

    def receipt(self, message_id: str, status: str) -> dict:
        """A delivery report as Africa's Talking posts it (status: Success, Failed, Buffered…)."""
        report = {"id": message_id, "status": status, "phoneNumber": self.messages.get(message_id, ""),
                  "networkCode": "61002", "retryCount": "0"}
        if status in ("Failed", "Rejected"):
            report["failureReason"] = "DeliveryFailure"
        return report

    def inbound(self, phone: str, text: str) -> dict:
        return {"from": phone, "to": SHORT_CODE, "text": text, "date": "2026-01-01 00:00:00",
                "id": uuid.uuid4().hex, "linkId": uuid.uuid4().hex}

    def handle(self, method: str, path: str, headers, body: bytes) -> tuple[int, object]:
        if method != "POST" or path.rstrip("/") not in ("/version1/messaging", "/voice/call"):
            return 404, "Not Found"
        if self.api_key is not None and headers.get("apiKey") != self.api_key:
            return 401, "The supplied authentication is invalid"
        fault = self.faulted()
        if fault is not None:
            return fault
        form = {k: v[0] for k, v in parse_qs(body.decode("utf-8"), keep_blank_values=True).items()}
        if path.rstrip("/") == "/voice/call":
            return self._voice_call(form)
        return self._messaging(form)

    def _messaging(self, form: dict) -> tuple[int, object]:
        numbers = [n.strip() for n in form.get("to", "").split(",") if n.strip()]
        if not form.get("username") or not numbers or not form.get("message"):
            return 400, "Request is missing required form field"
        recipients, codes, accepted = [], {}, []
        for number in numbers:
            code = 406 if number in self.blacklist else self.recipient_codes.get(number, 101)
            codes[number] = code
            message_id = f"ATXid_{uuid.uuid4().hex}" if code in SENT else "None"
            if code in SENT:
                accepted.append((message_id, number))
            recipients.append({"statusCode": code, "number": number, "status": STATUS_NAMES.get(code, "Failed"),
                               "cost": COST_PER_PART if code in SENT else "0", "messageId": message_id})
        with self._lock:
            self.requests.append(dict(form, codes=codes))
            self.messages.update(accepted)
        for message_id, _ in accepted:
            self.accepted(message_id)
        return 201, {"SMSMessageData": {"Message": f"Sent to {len(accepted)}/{len(numbers)} "
                                                   f"Total Cost: XOF {25 * len(accepted)}",
                                        "Recipients": recipients}}


def main() -> None:
    parser = argparse.ArgumentParser(description="Local fake of the Africa's Talking SMS API")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--api-key", default=None, help="Refuse other keys (default: accept any)")
    parser.add_argument("--latency", type=float, default=0.0, help="Seconds to wait before answering")
    parser.add_argument("--callback-url", default=None, help="Post a Success report here after each message")
    parser.add_argument("--voice-callback-url", default=None,
                        help="Answer each call a moment after it is placed: post the voice callbacks here")
    parser.add_argument("--voice-events-url", default=None, help="Post the end of each call here")
    args = parser.parse_args()
    fake = FakeAfricasTalking(args.host, args.port, args.api_key)
    fake.latency_s = args.latency
    if args.callback_url:
        fake.callback_url, fake.auto_receipt = args.callback_url, "Success"
    if args.voice_callback_url:
        fake.voice_callback_url, fake.voice_events_url = args.voice_callback_url, args.voice_events_url
        fake.auto_calls = True
    print(f"fake Africa's Talking API on {fake.url} (AT_API_BASE_URL={fake.url})", flush=True)
    fake.serve_forever()


if __name__ == "__main__":
    main()
