"""A local fake of the Africa's Talking SMS API, for tests and for runs without an account.

It answers `POST /version1/messaging` (form fields `username`, `to`, `message`, `from`,
`bulkSMSMode`, `enqueue`) the way the real API does: JSON `SMSMessageData` with one entry per
recipient (`statusCode` 101 "Success", `messageId` "ATXid_…", `cost`). Failures can be injected:
HTTP 500s, answers slower than the client's timeout (for the next requests, or for a share of all
requests at random), a per-number statusCode (406 blacklisted, 403 invalid number, 500 …) and
latency.

Run it: `python -m ussd_app.sms.fake_at --port 8765`, then point the service at it with
`SMS_GATEWAY=africastalking AT_API_KEY=anything AT_API_BASE_URL=http://127.0.0.1:8765`.
"""

from __future__ import annotations

import argparse
import json
import random
import threading
import time
import uuid
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

STATUS_NAMES = {100: "Processed", 101: "Success", 102: "Queued", 401: "RiskHold", 402: "InvalidSenderId",
                403: "InvalidPhoneNumber", 404: "UnsupportedNumberType", 405: "InsufficientBalance",
                406: "UserInBlacklist", 407: "CouldNotRoute", 500: "InternalServerError",
                501: "GatewayError", 502: "RejectedByGateway"}
COST_PER_PART = "XOF 25.0000"


class FakeAfricasTalking:
    """The fake server; start() binds a free loopback port unless one is given."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, api_key: str | None = None):
        self.api_key = api_key  # None: any key is accepted
        self.latency_s = 0.0
        self.recipient_codes: dict[str, int] = {}  # number -> statusCode to answer for it
        self.blacklist: set[str] = set()  # numbers answered with 406
        self._faults: deque[tuple[str, float]] = deque()  # ("http", status) or ("hang", seconds)
        self.requests: list[dict] = []  # every messaging request, as form fields
        self.received = 0  # requests that reached the server, answered or not
        self._random_faults: tuple[float, float, random.Random] | None = None
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer((host, port), self._handler_class())
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> "FakeAfricasTalking":
        self._thread = threading.Thread(target=self._server.serve_forever, name="fake-at", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def fail_next(self, count: int = 1, status: int = 500) -> None:
        """The next `count` requests get this HTTP status (e.g. 500, 502, 401)."""
        with self._lock:
            self._faults.extend([("http", status)] * count)

    def hang_next(self, count: int = 1, seconds: float = 2.0) -> None:
        """The next `count` requests answer only after `seconds` (the client times out first)."""
        with self._lock:
            self._faults.extend([("hang", seconds)] * count)

    def fail_randomly(self, share: float, hang_seconds: float = 2.0, seed: int = 0) -> None:
        """From now on, a `share` of requests fail: half with HTTP 500, half answered too late."""
        with self._lock:
            self._random_faults = (share, hang_seconds, random.Random(seed)) if share > 0 else None

    def sent_to(self, number: str) -> list[str]:
        """Messages accepted for `number` (requests that got a Success for it)."""
        with self._lock:
            return [r["message"] for r in self.requests
                    if number in r["to"].split(",") and r["codes"].get(number) in (100, 101, 102)]

    def _next_fault(self):
        with self._lock:
            self.received += 1
            if self._faults:
                return self._faults.popleft()
            if self._random_faults is not None:
                share, hang_seconds, rng = self._random_faults
                if rng.random() < share:
                    return ("hang", hang_seconds) if rng.random() < 0.5 else ("http", 500)
            return None

    def _answer(self, form: dict) -> tuple[int, dict | str]:
        numbers = [n.strip() for n in form.get("to", "").split(",") if n.strip()]
        if not form.get("username") or not numbers or not form.get("message"):
            return 400, "Request is missing required form field"
        recipients, codes = [], {}
        for number in numbers:
            code = 406 if number in self.blacklist else self.recipient_codes.get(number, 101)
            codes[number] = code
            ok = code in (100, 101, 102)
            recipients.append({"statusCode": code, "number": number, "status": STATUS_NAMES.get(code, "Failed"),
                               "cost": COST_PER_PART if ok else "0",
                               "messageId": f"ATXid_{uuid.uuid4().hex}" if ok else "None"})
        with self._lock:
            self.requests.append(dict(form, codes=codes))
        accepted = sum(1 for c in codes.values() if c in (100, 101, 102))
        return 201, {"SMSMessageData": {"Message": f"Sent to {accepted}/{len(numbers)} Total Cost: XOF {25 * accepted}",
                                        "Recipients": recipients}}

    def _handler_class(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet: tests read `requests`, not logs
                pass

            def _reply(self, status: int, body) -> None:
                is_json = not isinstance(body, str)
                data = (json.dumps(body) if is_json else body).encode("utf-8")
                self.send_response(status)
                # The SDK parses JSON only when the type is exactly "application/json".
                self.send_header("Content-Type", "application/json" if is_json else "text/plain")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length).decode("utf-8")
                if self.path.rstrip("/") != "/version1/messaging":
                    return self._reply(404, "Not Found")
                if fake.api_key is not None and self.headers.get("apiKey") != fake.api_key:
                    return self._reply(401, "The supplied authentication is invalid")
                if fake.latency_s:
                    time.sleep(fake.latency_s)
                fault = fake._next_fault()
                if fault is not None and fault[0] == "hang":
                    time.sleep(fault[1])  # the client has given up by now; nothing is sent
                    return self._reply(504, "Gateway Timeout")
                if fault is not None:
                    return self._reply(int(fault[1]), "Internal Server Error")
                form = {k: v[0] for k, v in parse_qs(raw, keep_blank_values=True).items()}
                status, body = fake._answer(form)
                return self._reply(status, body)

        return Handler


def main() -> None:
    parser = argparse.ArgumentParser(description="Local fake of the Africa's Talking SMS API")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--api-key", default=None, help="Refuse other keys (default: accept any)")
    parser.add_argument("--latency", type=float, default=0.0, help="Seconds to wait before answering")
    args = parser.parse_args()
    fake = FakeAfricasTalking(args.host, args.port, args.api_key)
    fake.latency_s = args.latency
    print(f"fake Africa's Talking API on {fake.url} (AT_API_BASE_URL={fake.url})")
    try:
        fake._server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
