"""A real Redis that dies and comes back (empty) in the middle of a session.

Each test starts its own redis-server on a free loopback port, with nothing kept on disk, so a
restart loses everything, as production Redis may. The session must cost the caller nothing:
a polite END while Redis is down, nothing half-written, and the same session carries on when
Redis is back, rebuilt from the gateway's `text`.
"""

from __future__ import annotations

import dataclasses
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass

import pytest
import redis as redis_lib

from tests.menus.test_engine import (
    LogRow,
    effect_meta,
    effect_rows,
    toy_screens,
    use_registry,
)
from ussd_app import create_app
from ussd_app.menus.engine import CHOOSE_LANGUAGE, MAIN, RESUME
from ussd_app.menus.registry import Registry
from ussd_app.menus.screens import Effect, End, Menu, Option, Raw
from ussd_app.text.i18n import N_

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(shutil.which("redis-server") is None, reason="needs redis-server")]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PrivateRedis:
    def __init__(self, port: int):
        self.port = port
        self.url = f"redis://127.0.0.1:{port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--daemonize", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        client = redis_lib.Redis.from_url(self.url)
        for _ in range(200):
            try:
                client.ping()
                return
            except redis_lib.ConnectionError:
                time.sleep(0.02)
            finally:
                client.close()
        self.kill()
        raise RuntimeError("redis-server did not start")

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        self.process = None

    def wait_stopped(self) -> None:
        if self.process is not None:
            self.process.wait(timeout=10)
            self.process = None


@pytest.fixture
def private_redis():
    server = PrivateRedis(free_port())
    server.start()
    try:
        yield server
    finally:
        server.kill()


@pytest.fixture
def faulty_app(settings, private_redis, app):
    """The app on the private Redis, answering with the small test menu graph."""
    faulty = create_app(dataclasses.replace(settings, redis_url=private_redis.url))
    faulty.config["TESTING"] = True
    engine = faulty.extensions["db_engine"]
    effect_meta.drop_all(engine)
    effect_meta.create_all(engine)
    use_registry(faulty, Registry(fault_screens(private_redis), entries=(CHOOSE_LANGUAGE, MAIN, RESUME)))
    try:
        yield faulty
    finally:
        effect_meta.drop_all(engine)
        engine.dispose()


@dataclass(frozen=True)
class ShutDownRedis(Effect):
    """Redis goes away in the middle of the hop: after the effects, before the session is saved."""

    port: int

    def apply(self, db, hop) -> None:
        # No retries: the lost connection is the expected answer to SHUTDOWN.
        redis_lib.Redis.from_url(f"redis://127.0.0.1:{self.port}/0").shutdown(nosave=True)


def fault_screens(server: PrivateRedis):
    """The small test graph, plus a main-menu entry (7) whose confirmation stops Redis."""
    screens = toy_screens()
    main = next(s for s in screens if s.id == MAIN)
    kill = Option(Raw("Kill"), "k.confirm")
    screens[screens.index(main)] = Menu(MAIN, N_("Main menu"), list(main.options) + [kill],
                                        resumable=False)
    return screens + [
        Menu("k.confirm", Raw("Confirm?"), [Option(
            Raw("Yes"), "k.done",
            effects=lambda ctx, s: (LogRow("confirmed"), ShutDownRedis(server.port)))]),
        End("k.done", Raw("Confirmed")),
    ]


def hop(client, text: str, sid: str = "fault-1", phone: str = "+22376123456") -> str:
    response = client.post("/ussd", data={"sessionId": sid, "serviceCode": "*384*123#",
                                          "phoneNumber": phone, "text": text})
    assert response.status_code == 200 and response.content_type == "text/plain; charset=utf-8"
    body = response.get_data(as_text=True)
    assert body.startswith(("CON ", "END ")) and len(body) <= 160
    return body


def test_redis_restart_mid_session_costs_nothing(faulty_app, private_redis):
    client = faulty_app.test_client()
    assert hop(client, "").startswith("CON ")
    assert "Menu principal" in hop(client, "2")
    assert "Step one" in hop(client, "2*3")
    assert "Step two" in hop(client, "2*3*5")
    assert [v for _, v in effect_rows(faulty_app)] == ["one=5"]

    private_redis.kill()
    down = hop(client, "2*3*5*7")
    assert down.startswith("END ") and "Désolé" in down  # the language stored in the database
    assert [v for _, v in effect_rows(faulty_app)] == ["one=5"]  # nothing half-written

    private_redis.start()  # back, and empty
    assert hop(client, "2*3*5*7") == "END Done 5+7"  # the gateway's retry goes through
    assert [v for _, v in effect_rows(faulty_app)] == ["one=5", "two=7"]


def test_redis_restart_between_hops_session_continues(faulty_app, private_redis):
    client = faulty_app.test_client()
    hop(client, "")
    hop(client, "2")
    assert "Step one" in hop(client, "2*3")
    private_redis.kill()
    private_redis.start()
    assert "Step two" in hop(client, "2*3*5")
    assert hop(client, "2*3*5*7") == "END Done 5+7"
    assert [v for _, v in effect_rows(faulty_app)] == ["one=5", "two=7"]


def test_redis_dies_during_the_hop_nothing_is_written(faulty_app, private_redis):
    client = faulty_app.test_client()
    hop(client, "")
    hop(client, "2")
    assert "Confirm?" in hop(client, "2*7")
    answer = hop(client, "2*7*1")  # the effect runs, then Redis is gone before the session is saved
    private_redis.wait_stopped()
    assert answer.startswith("END ") and "Désolé" in answer
    assert effect_rows(faulty_app) == []  # rolled back with the hop

    private_redis.start()  # back, empty: the caller's next dial starts cleanly
    assert "Menu principal" in hop(client, "", sid="fault-2")
    assert effect_rows(faulty_app) == []
