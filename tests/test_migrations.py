"""Alembic migrations: one head, build an empty database, and match the models exactly."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from ussd_app.db import make_engine
from ussd_app.migrate import alembic_config, upgrade
from ussd_app.models import metadata

from tests.conftest import BACKENDS, POSTGRES_URL


def test_single_head():
    heads = ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads()
    assert len(heads) == 1, f"several heads, merge them (alembic merge heads): {sorted(heads)}"


def test_every_revision_descends_from_the_foundation():
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    bases = script.get_bases()
    assert bases == ["0001"], bases


@pytest.fixture(params=BACKENDS)
def empty_database(request, tmp_path) -> str:
    """A database with nothing in it: a new SQLite file, or a PostgreSQL database of its own
    (not the one other tests share, so they are not disturbed)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.sqlite3'}"
        return
    url = make_url(POSTGRES_URL)
    name = f"{url.database}_migrations"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield url.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def differences(url: str) -> list:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True,
                                                             "compare_server_default": False})
            return compare_metadata(context, metadata)
    finally:
        engine.dispose()


def test_upgrade_from_empty_builds_every_table(empty_database):
    upgrade(empty_database)
    engine = make_engine(empty_database)
    try:
        tables = set(inspect(engine).get_table_names())
    finally:
        engine.dispose()
    assert set(metadata.tables) <= tables
    assert "alembic_version" in tables


def test_models_match_migrations(empty_database):
    upgrade(empty_database)
    diff = differences(empty_database)
    assert diff == [], "models and migrations differ (autogenerate would write):\n" + \
        "\n".join(map(str, diff))


def test_the_comparison_sees_a_missing_table(empty_database):
    """The check above can fail: with no migration applied, every model table is missing."""
    diff = differences(empty_database)
    missing = {d[1].name for d in diff if d[0] == "add_table"}
    assert set(metadata.tables) <= missing
