"""HTTP sessions kept open between sends, so that a send reuses a keep-alive connection.

`requests.post` builds a session and opens a TCP connection for every call, which cost the
workers three quarters of their CPU per personalised message (benchmarks/README.md). A send
borrows a `requests.Session` here instead and gives it back after its answer: each session
serves one thread at a time (requests does not promise a session is thread-safe), and the pool
grows to as many sessions as sends ever ran at once. Sessions outlive a job's thread pool, so the
next job's sends reuse the same connections.

A connection the server closed while idle is noticed by urllib3 before reuse and replaced. A send
is never repeated on another connection: a request that fails mid-way is the caller's
`GatewayUnavailable`, retried later like any other, as without keep-alive.
"""

from __future__ import annotations

import threading
from contextlib import contextmanager
from typing import Iterator

import requests


class SessionPool:
    def __init__(self):
        self._lock = threading.Lock()
        self._idle: list[requests.Session] = []

    @contextmanager
    def session(self) -> Iterator[requests.Session]:
        with self._lock:
            session = self._idle.pop() if self._idle else None
        if session is None:
            session = requests.Session()
        try:
            yield session
        finally:
            with self._lock:
                self._idle.append(session)

