"""Every callback is answered within the hop deadline, whatever hangs behind it.

A real server that accepts connections and never says a word stands in for PostgreSQL (and
Redis); a hop stuck in its own effects stands in for a slow argon2 or a lock that is never
released. The caller gets a polite END in time, and a hop abandoned at its deadline writes
nothing, even when it finishes later.
"""

from __future__ import annotations

import dataclasses
import socket
import threading
import time
from dataclasses import dataclass

import pytest
import requests

from tests.faults.test_worker_killed import wait_until
from tests.http_server import serving
from tests.test_engine import effect_meta, effect_rows, toy_screens
from ussd_app import create_app
from ussd_app.config import Settings
from ussd_app.menus.engine import CHOOSE_LANGUAGE, MAIN, RESUME
from ussd_app.menus.host import UssdHost
from ussd_app.menus.registry import Registry
from ussd_app.menus.screens import Effect, End, Menu, Option, Raw
from ussd_app.menus.store import SessionStore
from ussd_app.text.i18n import N_
from tests.conftest import REDIS_URL

pytestmark = pytest.mark.slow
DEADLINE_S = 1.0
MARGIN_S = 0.6  # thread hand-over and HTTP on a loaded machine; far below any timeout behind


class SilentServer:
    """Accepts TCP connections and never answers them."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.sock.settimeout(0.1)
        self.port = self.sock.getsockname()[1]
        self.held: list[socket.socket] = []
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._accept, daemon=True)

    def _accept(self) -> None:
        while not self.stopped.is_set():
            try:
                self.held.append(self.sock.accept()[0])
            except OSError:
                continue  # the accept timeout: look at `stopped` again

    def __enter__(self) -> "SilentServer":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stopped.set()
        self.thread.join(timeout=5)
        for conn in self.held:
            conn.close()
        self.sock.close()


def timed_post(url: str, text: str = "") -> tuple[requests.Response, float]:
    started = time.monotonic()
    response = requests.post(url + "/ussd", timeout=30, data={
        "sessionId": "late-1", "serviceCode": "*384*123#", "phoneNumber": "+22376123456",
        "networkCode": "61002", "text": text})
    return response, time.monotonic() - started


def drill_app(tmp_path, **env):
    # The deadline comes from the environment, as in production.
    settings = Settings.from_env(tmp_path / "instance", env={"SECRET_KEY": "test",
                                                             "USSD_HOP_DEADLINE": str(DEADLINE_S), **env})
    app = create_app(settings)
    app.config["TESTING"] = True
    return app


def assert_polite_end_in_time(response, elapsed) -> None:
    body = response.text
    assert response.status_code == 200 and response.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert body.startswith("END ") and "Désolé" in body and "Hakèto" in body, body  # both languages
    assert elapsed < DEADLINE_S + MARGIN_S, elapsed


def test_a_database_that_never_answers_gets_a_polite_end_in_time(tmp_path, redis_client):
    with SilentServer() as database:
        app = drill_app(tmp_path, DATABASE_URL=f"postgresql://app@127.0.0.1:{database.port}/app",
                        REDIS_URL=REDIS_URL)
        with serving(app) as url:
            response, elapsed = timed_post(url)
    assert_polite_end_in_time(response, elapsed)


def test_database_and_redis_that_never_answer_get_a_polite_end_in_time(tmp_path):
    with SilentServer() as database, SilentServer() as redis_server:
        app = drill_app(tmp_path, DATABASE_URL=f"postgresql://app@127.0.0.1:{database.port}/app",
                        REDIS_URL=f"redis://127.0.0.1:{redis_server.port}/0")
        with serving(app) as url:
            response, elapsed = timed_post(url, "2")
    assert_polite_end_in_time(response, elapsed)


RELEASE = threading.Event()


@dataclass(frozen=True)
class WriteThenHang(Effect):
    """Writes a row, then hangs until the test lets it go (a slow argon2, a lock never freed)."""

    def apply(self, db, hop) -> None:
        from tests.test_engine import effect_log

        db.execute(effect_log.insert().values(hop_key=hop.key("hang"), value="late"))
        RELEASE.wait(timeout=30)


def test_a_hop_stuck_past_its_deadline_ends_politely_and_writes_nothing(app, settings, redis_client):
    engine = app.extensions["db_engine"]
    effect_meta.drop_all(engine)
    effect_meta.create_all(engine)
    screens = toy_screens()
    main = next(s for s in screens if s.id == MAIN)
    screens[screens.index(main)] = Menu(MAIN, N_("Main menu"), list(main.options) + [
        Option(Raw("Hang"), "h.confirm")])
    screens += [Menu("h.confirm", Raw("Confirm?"), [
                    Option(Raw("Yes"), "h.done", effects=lambda ctx, s: (WriteThenHang(),))]),
                End("h.done", Raw("Done"))]
    store = SessionStore(redis_client, settings.session_ttl_seconds, settings.resume_window_seconds)
    app.extensions["ussd_host"] = UssdHost(
        Registry(screens, entries=(CHOOSE_LANGUAGE, MAIN, RESUME)), store,
        app.extensions["db_sessions"], dataclasses.replace(settings, hop_deadline_seconds=DEADLINE_S))
    RELEASE.clear()
    try:
        with serving(app) as url:
            timed_post(url)
            timed_post(url, "2")
            assert "Confirm?" in timed_post(url, "2*7")[0].text
            response, elapsed = timed_post(url, "2*7*1")
            body = response.text
            assert body.startswith("END ") and "Désolé" in body and "Hakèto" not in body, body
            assert elapsed < DEADLINE_S + MARGIN_S, elapsed
            RELEASE.set()  # the stuck hop now runs to its end: it must write nothing
            wait_until(lambda: not redis_client.exists(SessionStore.lock_key("late-1", "+22376123456")),
                       10, "the abandoned hop to end")
            assert effect_rows(app) == []
            assert "Confirm?" in timed_post(url, "2*7")[0].text  # the session is where it was
            assert "Done" in timed_post(url, "2*7*1")[0].text and len(effect_rows(app)) == 1
    finally:
        RELEASE.set()
        effect_meta.drop_all(engine)
