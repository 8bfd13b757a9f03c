"""Alembic migrations: one head, build an empty database, and match the models exactly."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from tests.conftest import BACKENDS, RUN
from ussd_app.db import make_engine
from ussd_app.migrate import alembic_config, upgrade
from ussd_app.models import metadata


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
    yield RUN.scratch_postgres("migrations")


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


def _index_sql(engine, name: str) -> str:
    query = ("SELECT indexdef FROM pg_indexes WHERE indexname = :n" if engine.dialect.name == "postgresql"
             else "SELECT sql FROM sqlite_master WHERE type = 'index' AND name = :n")
    with engine.connect() as conn:
        return conn.execute(text(query), {"n": name}).scalar_one()


def test_outbox_indexes_skip_the_rows_that_have_no_value(empty_database):
    """A planned row has no provider id and no lock: the indexes on them leave it out, so a
    campaign's big INSERT does not write index entries nobody looks up (benchmarks/README.md)."""
    upgrade(empty_database)
    engine = make_engine(empty_database)
    try:
        for column in ("provider_message_id", "lock_token"):
            sql = _index_sql(engine, f"ix_sms_outbox_{column}").replace('"', "").lower()
            assert f"where {column} is not null" in sql or f"where ({column} is not null)" in sql, sql
    finally:
        engine.dispose()


def test_campaign_links_move_onto_their_outbox_rows_and_back(empty_database):
    """0006 moves each campaign link onto its outbox row; its downgrade puts the links back."""
    from alembic import command

    upgrade(empty_database, "0005")
    engine = make_engine(empty_database)
    stamp = "2026-11-22 08:00:00"
    try:
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO clinic_campaigns (id, title, audience_kind, audience_params, "
                              "message_fr, message_bm, created_by, idempotency_key, send_at, status, "
                              "audience_total, planned_count, created_at) VALUES (7, 'T', 'centre', '{}', "
                              f"'fr', 'bm', 'x', 'k', '{stamp}', 'planned', 1, 1, '{stamp}')"))
            for outbox_id in (1, 2):
                conn.execute(text("INSERT INTO sms_outbox (id, recipient, language, body, parts, kind, "
                                  "dedupe_key, status, attempts, due_at, created_at, updated_at) VALUES "
                                  f"({outbox_id}, '+22376000001', 'fr', 'b', 1, 'campaign', 'k{outbox_id}', "
                                  f"'pending', 0, '{stamp}', '{stamp}', '{stamp}')"))
            conn.execute(text("INSERT INTO clinic_campaign_messages (campaign_id, outbox_id) VALUES (7, 1)"))
        upgrade(empty_database, "0006")
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT id, campaign_id FROM sms_outbox ORDER BY id")).all()
        assert [tuple(r) for r in rows] == [(1, 7), (2, None)]
        command.downgrade(alembic_config(empty_database), "0005")
        with engine.connect() as conn:
            links = conn.execute(text("SELECT campaign_id, outbox_id FROM clinic_campaign_messages")).all()
        assert [tuple(r) for r in links] == [(7, 1)]
    finally:
        engine.dispose()


def test_campaign_texts_move_into_their_own_table_and_back(empty_database):
    """0013 keeps each campaign's French and Bambara texts as rows of clinic_campaign_texts and
    widens language columns to any BCP 47 tag; its downgrade puts the two columns back."""
    from alembic import command

    upgrade(empty_database, "0012")
    engine = make_engine(empty_database)
    stamp = "2026-11-22 08:00:00"
    try:
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO clinic_campaigns (id, title, audience_kind, audience_params, "
                              "message_fr, message_bm, created_by, idempotency_key, send_at, status, "
                              "audience_total, planned_count, created_at) VALUES (7, 'T', 'centre', '{}', "
                              f"'Venez samedi.', 'Aw ka na sibiri.', 'x', 'k', '{stamp}', 'planned', 1, 1, "
                              f"'{stamp}')"))
            # Rows pointing at the tables the migration rebuilds on SQLite.
            conn.execute(text("INSERT INTO sms_outbox (id, recipient, language, body, parts, kind, purpose, "
                              "dedupe_key, status, attempts, due_at, created_at, updated_at, campaign_id) "
                              "VALUES (1, '+22376000001', 'fr', 'b', 1, 'campaign', 'campaign', 'k1', "
                              f"'pending', 0, '{stamp}', '{stamp}', '{stamp}', 7)"))
        upgrade(empty_database, "0013")
        with engine.begin() as conn:
            rows = conn.execute(text("SELECT campaign_id, language, body FROM clinic_campaign_texts "
                                     "ORDER BY language")).all()
            assert [tuple(r) for r in rows] == [(7, "bm", "Aw ka na sibiri."), (7, "fr", "Venez samedi.")]
            assert "message_fr" not in {c["name"] for c in inspect(conn).get_columns("clinic_campaigns")}
            # Songhai has no two-letter code; a tag with a script subtag is longer still.
            conn.execute(text("INSERT INTO subscribers (phone, language, created_at) VALUES "
                              f"('+22376000009', 'ses', '{stamp}')"))
            conn.execute(text("INSERT INTO clinic_campaign_texts (campaign_id, language, body) VALUES "
                              "(7, 'ff-Adlm', 'x')"))
        command.downgrade(alembic_config(empty_database), "0012")
        with engine.connect() as conn:
            texts = conn.execute(text("SELECT message_fr, message_bm FROM clinic_campaigns")).all()
            language = conn.execute(text("SELECT language FROM subscribers")).scalar_one()
            outbox = conn.execute(text("SELECT campaign_id FROM sms_outbox")).all()
        assert [tuple(r) for r in texts] == [("Venez samedi.", "Aw ka na sibiri.")]
        assert [tuple(r) for r in outbox] == [(7,)]
        assert language == "fr"
    finally:
        engine.dispose()


def test_health_fund_moves_into_each_next_cycle_and_back(empty_database):
    """0020 closes each ended cycle's health fund into the next cycle (carries chained in cycle
    order); the sum over every cycle is unchanged; its downgrade removes the carry entries."""
    from alembic import command

    upgrade(empty_database, "0019")
    engine = make_engine(empty_database)
    stamp = "2026-11-22 08:00:00"
    entries = [(1, "health_fund", 300), (1, "health_payout", 100), (1, "carry_out", 0),
               (2, "health_fund", 50), (2, "carry_out", 0), (3, "health_fund", 25)]
    try:
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO savings_groups (id, name, share_value, "
                              "health_fund_per_meeting, min_shares, max_shares, created_at) "
                              f"VALUES (1, 'Benkadi', 500, 100, 1, 5, '{stamp}')"))
            conn.execute(text("INSERT INTO savings_members (id, group_id, phone, name, number, role, "
                              f"joined_at) VALUES (4, 1, '+22376000001', 'Awa', 1, 'president', '{stamp}')"))
            for number, ended in ((1, "'2025-11-01'"), (2, "'2026-11-01'"), (3, "NULL")):
                conn.execute(text("INSERT INTO savings_cycles (id, group_id, number, started_on, "
                                  f"ended_on) VALUES ({number}, 1, {number}, '2025-01-01', {ended})"))
            for n, (cycle, kind, amount) in enumerate(entries):
                conn.execute(text("INSERT INTO savings_ledger (group_id, cycle_id, member_id, kind, "
                                  "shares, amount, idempotency_key, created_at) VALUES "
                                  f"(1, {cycle}, 4, '{kind}', 0, {amount}, 'k{n}', '{stamp}')"))
        upgrade(empty_database, "0020")
        carries = ("SELECT cycle_id, kind, amount, member_id FROM savings_ledger "
                   "WHERE kind LIKE 'health_carry%' ORDER BY id")
        with engine.connect() as conn:
            rows = [tuple(r) for r in conn.execute(text(carries))]
        assert rows == [(1, "health_carry_out", 200, 4), (2, "health_carry_in", 200, 4),
                        (2, "health_carry_out", 250, 4), (3, "health_carry_in", 250, 4)]
        from ussd_app.db import make_session_factory
        from ussd_app.savings.ledger import group_balance
        with make_session_factory(engine)() as db:
            assert [group_balance(db, 1, c).health_fund for c in (1, 2, 3)] == [0, 0, 275]
        command.downgrade(alembic_config(empty_database), "0019")
        with engine.connect() as conn:
            assert conn.execute(text(carries)).all() == []
            assert conn.execute(text("SELECT COUNT(*) FROM savings_ledger")).scalar() == len(entries)
    finally:
        engine.dispose()
