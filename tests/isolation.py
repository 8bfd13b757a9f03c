"""Each test run gets a Redis database and a PostgreSQL database of its own.

Two suites on one machine (two checkouts, a CI run beside a developer's) must never flush each
other's data: a run claims a free slot 1..15 in Redis db 0 (a key with an expiry, so a killed
run frees its slot later), then uses Redis db <slot> and the PostgreSQL database
`ussd_test_<slot>`, created from the machine's `test` database when missing.
TEST_REDIS_URL and TEST_POSTGRES_URL, when set, are used as they are and claim nothing.
"""

from __future__ import annotations

import os
import socket

import redis
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

REDIS_SERVER = os.environ.get("TEST_REDIS_SERVER", "redis://127.0.0.1:6379")
POSTGRES_ADMIN_URL = os.environ.get("TEST_POSTGRES_ADMIN_URL",
                                    "postgresql+psycopg://postgres@127.0.0.1:5432/test")
SLOTS = range(1, 16)
SLOT_TTL_S = 4 * 3600  # longer than any run; a run killed outright frees its slot after this
_SLOT_KEY = "ussd_app:test-run-slot:{}"


def claim_slot() -> int:
    client = redis.Redis.from_url(f"{REDIS_SERVER}/0")
    owner = f"{socket.gethostname()}:{os.getpid()}"
    try:
        for slot in SLOTS:
            if client.set(_SLOT_KEY.format(slot), owner, nx=True, ex=SLOT_TTL_S):
                return slot
    finally:
        client.close()
    raise RuntimeError("every test slot is taken: too many suites at once, or stale slots "
                       f"(delete the keys {_SLOT_KEY.format('*')} in Redis db 0)")


def release_slot(slot: int) -> None:
    client = redis.Redis.from_url(f"{REDIS_SERVER}/0")
    try:
        client.delete(_SLOT_KEY.format(slot))
    finally:
        client.close()


def ensure_postgres_database(name: str) -> str:
    """The URL of database `name` on the admin URL's server, created if missing."""
    engine = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            exists = conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name})
            if not exists:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        engine.dispose()
    return make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)


class RunResources:
    """The Redis URL and PostgreSQL URL this run uses, and the slot it holds (if any)."""

    def __init__(self) -> None:
        self.slot: int | None = None
        redis_url = os.environ.get("TEST_REDIS_URL")
        postgres_url = os.environ.get("TEST_POSTGRES_URL")
        if redis_url is None or postgres_url is None:
            self.slot = claim_slot()
        self.redis_url = redis_url or f"{REDIS_SERVER}/{self.slot}"
        self.postgres_url = postgres_url  # created lazily: SQLite-only runs never need it

    def postgres(self) -> str:
        if self.postgres_url is None:
            self.postgres_url = ensure_postgres_database(f"ussd_test_{self.slot}")
        return self.postgres_url

    def scratch_postgres(self, purpose: str) -> str:
        """A new, empty PostgreSQL database of this run's own for one test (dropped first if a
        killed run left it), beside the run's shared one."""
        name = f"{make_url(self.postgres()).database}_{purpose}"
        engine = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                conn.execute(text(f'CREATE DATABASE "{name}"'))
        finally:
            engine.dispose()
        return make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)

    def release(self) -> None:
        if self.slot is not None:
            release_slot(self.slot)
            self.slot = None
