"""Fixtures on real services: Redis and each database backend.

Every test that uses `app` runs once per backend in TEST_DATABASES (default: sqlite,postgresql).
The run's Redis database and PostgreSQL database are its own (tests/isolation.py), so suites run
side by side; TEST_REDIS_URL and TEST_POSTGRES_URL choose them explicitly.

Time: the app, the SMS runtime and the tests read one `clock` (ussd_app/clock.py), which starts
at TEST_NOW (default below) and moves only when a test moves it. `scripts/test` runs the
date-sensitive tests again with TEST_NOW at awkward moments (month and year ends, 29 February,
Bamako midnight): a test must derive every date it expects from the clock.
"""

from __future__ import annotations

import os
import uuid
from datetime import datetime

import pytest
import redis as redis_lib
from sqlalchemy import create_engine, text

from tests.dialer import Dialer
from tests.isolation import RunResources
from ussd_app import create_app
from ussd_app.clock import ManualClock, parse_start
from ussd_app.config import Settings
from ussd_app.migrate import upgrade
from ussd_app.models import metadata
from ussd_app.testing.fake_africastalking import FakeAfricasTalking
from ussd_app.testing.fake_orange import FakeOrange

RUN = RunResources()
REDIS_URL = RUN.redis_url
# A Sunday morning in Bamako, inside the hours SMS may go out.
TEST_NOW = parse_start(os.environ.get("TEST_NOW") or "2026-11-22T10:00:00Z")
BACKENDS = [b.strip() for b in os.environ.get("TEST_DATABASES", "sqlite,postgresql").split(",") if b.strip()]


def pytest_unconfigure(config):
    RUN.release()


def pytest_generate_tests(metafunc):
    if "backend" in metafunc.fixturenames:
        metafunc.parametrize("backend", BACKENDS, scope="session")


@pytest.fixture(scope="session")
def database_url(backend, tmp_path_factory) -> str:
    """A freshly migrated database for the whole run, per backend."""
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"
    elif backend == "postgresql":
        url = RUN.postgres()
        engine = create_engine(url)
        with engine.begin() as conn:  # start from nothing: the migrations must build it all
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    else:
        raise ValueError(f"unknown backend {backend}")
    upgrade(url)
    return url


FAKE_AT_API_KEY = "test-api-key"


@pytest.fixture
def fake_at():
    """The local fake of the Africa's Talking API on a loopback port; the real SDK talks to it."""
    fake = FakeAfricasTalking(api_key=FAKE_AT_API_KEY).start()
    yield fake
    fake.stop()


FAKE_ORANGE_CLIENT_ID, FAKE_ORANGE_CLIENT_SECRET = "test-client-id", "test-client-secret"


@pytest.fixture
def fake_orange():
    """The local fake of Orange's SMS API on a loopback port, checking the client's credentials."""
    fake = FakeOrange(client_id=FAKE_ORANGE_CLIENT_ID, client_secret=FAKE_ORANGE_CLIENT_SECRET).start()
    yield fake
    fake.stop()


@pytest.fixture
def redis_client():
    client = redis_lib.Redis.from_url(REDIS_URL)
    client.flushdb()
    yield client
    client.flushdb()
    client.close()


def _empty_tables(engine) -> None:
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            # TRUNCATE: the append-only ledger's row triggers refuse DELETE (migration 0003).
            names = ", ".join(f'"{table.name}"' for table in metadata.sorted_tables)
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
            return
        for table in reversed(metadata.sorted_tables):
            conn.execute(table.delete())


@pytest.fixture
def settings(database_url, redis_client, tmp_path) -> Settings:
    return Settings.from_env(tmp_path / "instance", env={"DATABASE_URL": database_url, "REDIS_URL": REDIS_URL,
                                                          "SECRET_KEY": "test", "USSD_ENV": "development"})


@pytest.fixture
def clock() -> ManualClock:
    """The one clock of the app under test, its SMS runtime and the test itself."""
    return ManualClock(TEST_NOW)


@pytest.fixture
def app(settings, clock):
    app = create_app(settings, clock=clock)
    app.config["TESTING"] = True
    _empty_tables(app.extensions["db_engine"])
    yield app
    _empty_tables(app.extensions["db_engine"])
    app.extensions["db_engine"].dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def db(app):
    """A database session for arranging and checking data (the test commits what it arranges)."""
    with app.extensions["db_sessions"]() as session:
        yield session


@pytest.fixture
def dial(client):
    """`dial(phone=..., lang=...)` starts a USSD session like a handset would."""

    def start(phone: str = "+22376123456", service_code: str = "*384*123#") -> Dialer:
        return Dialer(client, phone=phone, service_code=service_code,
                      session_id="t-" + uuid.uuid4().hex[:12])

    return start


@pytest.fixture
def now(clock) -> datetime:
    return clock.now
