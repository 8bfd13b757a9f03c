"""Database engine, session factory and the declarative base shared by every model."""

from __future__ import annotations

from datetime import timezone

from sqlalchemy import DateTime, MetaData, create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, sessionmaker
from sqlalchemy.types import TypeDecorator

# Stable constraint names so Alembic migrations do not depend on the backend's choices.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC datetimes on every backend (SQLite stores naive values)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(timezone.utc)

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value


def make_engine(url: str, statement_timeout_s: float | None = None) -> Engine:
    """An engine for `url`. `statement_timeout_s` (PostgreSQL) cuts any statement, lock waits
    included, after that long: the web app passes its hop deadline, so a hop never waits on a
    stuck query for longer than its caller would."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 15})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):
            # WAL lets the web app and the worker read while the other writes.
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=15000")
            cur.close()

        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    # connect_timeout bounds the whole connection set-up (a server that accepts and never
    # answers); tcp_user_timeout drops a connection whose server stopped acknowledging.
    connect_args = {"connect_timeout": 2, "tcp_user_timeout": 5000, "keepalives_idle": 30}
    if statement_timeout_s is not None:
        connect_args["options"] = f"-c statement_timeout={int(statement_timeout_s * 1000)}"
    return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=5, pool_timeout=2,
                         connect_args=connect_args)


# Where a session carries the key of the phone hashes (ussd_app.sms.blocklist).
PHONE_HASH_KEY = "phone_hash_key"


def make_session_factory(engine: Engine, phone_hash_key: bytes | None = None) -> sessionmaker:
    info = {PHONE_HASH_KEY: phone_hash_key} if phone_hash_key else {}
    return sessionmaker(bind=engine, expire_on_commit=False, info=info)
