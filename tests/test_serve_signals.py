"""`ussd-app serve` stops the Redis it embedded however it is stopped: Ctrl-C in its terminal
(SIGINT to the whole process group) as well as SIGTERM, even while another client is connected."""

from __future__ import annotations

import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request

import pytest
import redis

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
            return fh.read().rpartition(")")[2].split()[0] != "Z"
    except OSError:
        return True


def wait_for(condition, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.mark.parametrize("stop", ["ctrl-c", "sigterm"])
def test_serve_stops_its_embedded_redis(tmp_path, stop):
    env = {**os.environ, "USSD_INSTANCE_PATH": str(tmp_path / "instance"),
           "DATABASE_URL": f"sqlite:///{tmp_path / 'serve.sqlite3'}"}
    env.pop("REDIS_URL", None)  # the embedded Redis, as a newcomer's `scripts/serve` has it
    port = free_port()
    serve = subprocess.Popen([sys.executable, "-m", "ussd_app.cli", "serve", "--port", str(port)], env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    lines: queue.Queue = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in serve.stdout], daemon=True).start()
    pid = None
    try:
        url = wait_for(lambda: next((line.split()[1] for line in iter_lines(lines) if line.startswith("redis: ")),
                                    None), 90, "serve to start Redis")
        wait_for(lambda: healthy(port), 60, "serve to answer /healthz")
        other = redis.Redis.from_url(url)  # another client stays connected (a simulator, say)
        pid = other.info("server")["process_id"]
        if stop == "ctrl-c":
            os.killpg(serve.pid, signal.SIGINT)  # what the terminal sends to serve and its worker
        else:
            serve.send_signal(signal.SIGTERM)
        assert serve.wait(timeout=60) == 0
        wait_for(lambda: not running(pid), 15, "the embedded Redis to stop")
    finally:
        if serve.poll() is None:
            os.killpg(serve.pid, signal.SIGKILL)
        if pid is not None and running(pid):
            os.kill(pid, signal.SIGKILL)  # never leave a server behind, even when the test fails


def iter_lines(lines: queue.Queue):
    while True:
        try:
            yield lines.get_nowait()
        except queue.Empty:
            return


def healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False
