"""What the fake gateway APIs share: a threaded loopback server, scripted faults, and callbacks.

Faults apply to the requests that send messages: HTTP errors, answers slower than the client's
timeout (for the next requests, or for a share of all requests at random), and a fixed latency.
Callbacks (delivery receipts, incoming messages) are posted to the app like the real gateway
would: when a test asks (`post_receipt`, `post_inbound`), or, with `auto_receipt` set, a moment
after each message the fake accepts (for local runs).
"""

from __future__ import annotations

import json
import random
import sys
import threading
import time
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import requests

CALLBACK_TIMEOUT_S = 10


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # socketserver's default backlog of 5 drops connections when a few workers each keep many
    # requests in flight (the client then times out connecting); a real gateway takes them.
    request_queue_size = 256

    def handle_error(self, request, client_address):
        if not isinstance(sys.exc_info()[1], ConnectionError):  # a client that gave up (a timeout) is no error
            super().handle_error(request, client_address)


class FakeApi:
    """The server; start() binds a free loopback port unless one is given. Subclasses answer
    `handle(method, path, headers, body)` and describe their callbacks."""

    name = "fake"
    callback_format = "form"  # or "json": how the gateway posts its callbacks

    def __init__(self, host: str = "127.0.0.1", port: int = 0):
        self.latency_s = 0.0
        self.received = 0  # send requests that reached the server, answered or not
        self.connections = 0  # TCP connections accepted (HTTP/1.1: a client may keep one open)
        self.callback_url: str | None = None  # where delivery receipts go
        self.auto_receipt: str | None = None  # a receipt status posted after each accepted message
        self.receipt_delay_s = 1.0
        self._faults: deque[tuple[str, float, object]] = deque()
        self._random_faults: tuple[float, float, random.Random] | None = None
        self._lock = threading.Lock()
        self._server = _Server((host, port), self._handler_class())

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self):
        threading.Thread(target=self._server.serve_forever, name=f"fake-{self.name}", daemon=True).start()
        return self

    def serve_forever(self) -> None:
        try:
            self._server.serve_forever()
        except KeyboardInterrupt:
            pass

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    # -- scripted faults ---------------------------------------------------------------------

    def fail_next(self, count: int = 1, status: int = 500, body: object = "Internal Server Error") -> None:
        """The next `count` send requests get this HTTP status (and body)."""
        with self._lock:
            self._faults.extend([("http", status, body)] * count)

    def hang_next(self, count: int = 1, seconds: float = 2.0) -> None:
        """The next `count` send requests answer only after `seconds` (the client times out first)."""
        with self._lock:
            self._faults.extend([("hang", seconds, None)] * count)

    def fail_randomly(self, share: float, hang_seconds: float = 2.0, seed: int = 0) -> None:
        """From now on, a `share` of send requests fail: half with HTTP 500, half answered too late."""
        with self._lock:
            self._random_faults = (share, hang_seconds, random.Random(seed)) if share > 0 else None

    def faulted(self) -> tuple[int, object] | None:
        """Called as a send request arrives: the scripted answer, if one is due (after any wait)."""
        if self.latency_s:
            time.sleep(self.latency_s)
        with self._lock:
            self.received += 1
            fault = self._faults.popleft() if self._faults else None
            if fault is None and self._random_faults is not None:
                share, hang_seconds, rng = self._random_faults
                if rng.random() < share:
                    late = rng.random() < 0.5
                    fault = ("hang", hang_seconds, None) if late else ("http", 500, "Internal Server Error")
        if fault is None:
            return None
        kind, value, body = fault
        if kind == "hang":
            time.sleep(value)  # the client has given up by now; nothing is sent
            return 504, "Gateway Timeout"
        return int(value), body

    # -- callbacks to the app ----------------------------------------------------------------

    def receipt(self, message_id: str, status: str) -> dict:
        raise NotImplementedError

    def post_receipt(self, message_id: str, status: str, url: str | None = None) -> int:
        """Post a delivery receipt for `message_id` to `url` (default: `callback_url`)."""
        return self._post(url or self.callback_url, self.receipt(message_id, status))

    def post_inbound(self, url: str, phone: str, text: str) -> int:
        return self._post(url, self.inbound(phone, text))

    def inbound(self, phone: str, text: str) -> dict:
        raise NotImplementedError

    def accepted(self, message_id: str) -> None:
        """A message was taken: with `auto_receipt`, its receipt follows a moment later."""
        if self.auto_receipt and self.callback_url:
            timer = threading.Timer(self.receipt_delay_s, self._post_quietly, (message_id, self.auto_receipt))
            timer.daemon = True
            timer.start()

    def _post_quietly(self, message_id: str, status: str) -> None:
        try:
            self.post_receipt(message_id, status)
        except requests.RequestException:
            pass  # the app is down: a real gateway would retry later, a local run can do without

    def _post(self, url: str | None, body: dict) -> int:
        if not url:
            raise ValueError("no callback URL: set callback_url or pass one")
        if self.callback_format == "json":
            return requests.post(url, json=body, timeout=CALLBACK_TIMEOUT_S).status_code
        return requests.post(url, data=body, timeout=CALLBACK_TIMEOUT_S).status_code

    # -- HTTP --------------------------------------------------------------------------------

    def handle(self, method: str, path: str, headers, body: bytes) -> tuple[int, object]:
        raise NotImplementedError

    def _handler_class(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            # Keep-alive, as real gateways answer: every answer states its Content-Length.
            protocol_version = "HTTP/1.1"

            def setup(self):  # once per connection
                super().setup()
                with fake._lock:
                    fake.connections += 1

            def log_message(self, *args):  # quiet: tests read the fake's records, not logs
                pass

            def _answer(self, method: str) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                status, body = fake.handle(method, self.path, self.headers, self.rfile.read(length))
                is_json = not isinstance(body, str)
                data = (json.dumps(body) if is_json else body).encode("utf-8")
                self.send_response(status)
                # Africa's Talking's SDK parses JSON only when the type is exactly "application/json".
                self.send_header("Content-Type", "application/json" if is_json else "text/plain")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self):
                self._answer("POST")

            def do_GET(self):
                self._answer("GET")

        return Handler
