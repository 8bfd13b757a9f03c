"""Backup and restore of PostgreSQL (pg_dump custom format) and of the instance's files.

The database tests run on PostgreSQL, in a database of their own: pg_dump and pg_restore are
PostgreSQL's tools and production runs on PostgreSQL; SQLite (local runs) is refused with a
clear message instead.
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.conftest import BACKENDS, REDIS_URL, RUN
from ussd_app import backup
from ussd_app.cli import main
from ussd_app.db import make_engine, make_session_factory
from ussd_app.migrate import upgrade
from ussd_app.savings import ledger
from ussd_app.savings.groups import add_member, create_group, current_cycle


# Skipped only in a run without PostgreSQL (TEST_DATABASES=sqlite): there is nothing to dump then.
needs_postgresql = pytest.mark.skipif("postgresql" not in BACKENDS,
                                      reason="pg_dump/pg_restore back up PostgreSQL (production); "
                                             "this run has SQLite only")


@pytest.fixture
def database_url():
    """A migrated PostgreSQL database of this test's own (the shared one stays undisturbed)."""
    url = make_url(RUN.postgres())
    name = f"{url.database}_backup"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    target = url.set(database=name).render_as_string(hide_password=False)
    upgrade(target)
    yield target
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def db(database_url):
    engine = make_engine(database_url)
    with make_session_factory(engine, b"test")() as session:
        yield session
    engine.dispose()


@pytest.fixture
def savings(db, clock):
    """A group at a centre with three ledger entries (one a reversal)."""
    now = clock.now
    group = create_group(db, name="Benkadi", share_value=500, health_fund_per_meeting=250, commune="Commune I",
                         facility_code="BKO-C1-SOTUBA", now=now - timedelta(days=10))
    awa = add_member(db, group, phone="+22370000101", name="Awa Traoré", number=1, now=now - timedelta(days=10))
    cycle = current_cycle(db, group.id)
    shares = ledger.add_entry(db, member=awa, cycle_id=cycle.id, kind="shares", amount=1500, shares=3,
                              idempotency_key="backup-1", now=now)
    ledger.add_entry(db, member=awa, cycle_id=cycle.id, kind="health_fund", amount=250,
                     idempotency_key="backup-2", now=now)
    ledger.reverse_entry(db, shares, idempotency_key="backup-1-undo", now=now)
    db.commit()
    return group, awa, cycle


@pytest.fixture
def instance(tmp_path):
    uploads = tmp_path / "instance" / "uploads"
    uploads.mkdir(parents=True)
    (uploads / "consent-awa.txt").write_text("signed")
    return tmp_path / "instance"


def scratch_databases(database_url: str) -> list[str]:
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            name = make_url(database_url).database
            return list(conn.scalars(text("SELECT datname FROM pg_database WHERE datname LIKE :p"),
                                     {"p": f"{name}_check_%"}))
    finally:
        engine.dispose()


@needs_postgresql
def test_a_backup_restores_with_the_same_rows_and_ledger_sums(database_url, savings, instance, tmp_path, clock):
    made = backup.create(database_url, tmp_path / "backups", now=clock.now, instance_path=instance)
    assert made.dump.name == f"ussd_app-{clock.now:%Y%m%dT%H%M%SZ}.dump" and made.tables["savings_ledger"] == 3
    manifest = json.loads(made.manifest.read_text())
    group_id = savings[0].id
    assert manifest["ledger"] == {f"group {group_id} shares": [2, 0, 0], f"group {group_id} health_fund": [1, 250, 0]}
    report = backup.check(database_url, tmp_path / "backups")
    assert report.ok, report.problems
    rows = {table: (restored, recorded, live) for table, restored, recorded, live in report.rows}
    assert rows["savings_ledger"] == (3, 3, 3) and rows["savings_members"] == (1, 1, 1)
    assert rows["alembic_version"] == (1, 1, 1)
    restored, recorded, live = report.ledger
    assert restored == recorded == live
    assert report.files == 2  # the uploads folder and its file
    assert scratch_databases(database_url) == []


@needs_postgresql
def test_the_check_tells_changes_since_the_backup_from_damage(database_url, db, savings, tmp_path, clock):
    made = backup.create(database_url, tmp_path / "backups", now=clock.now)
    _group, awa, cycle = savings
    ledger.add_entry(db, member=awa, cycle_id=cycle.id, kind="shares", amount=500, shares=1,
                     idempotency_key="backup-after", now=clock.now)
    db.commit()
    report = backup.check(database_url, made.dump)
    assert report.ok, report.problems  # the live ledger grew since: that is no damage
    assert [row for row in report.rows if row[0] == "savings_ledger"] == [("savings_ledger", 3, 3, 4)]

    manifest = json.loads(made.manifest.read_text())
    manifest["tables"]["savings_ledger"] = 5
    made.manifest.write_text(json.dumps(manifest))
    report = backup.check(database_url, made.dump)
    assert not report.ok and "table savings_ledger: 3 rows restored, the backup recorded 5" in report.problems

    made.dump.write_bytes(made.dump.read_bytes()[:200])
    with pytest.raises(backup.BackupError, match="pg_restore failed"):
        backup.check(database_url, made.dump)
    assert scratch_databases(database_url) == []


def test_a_live_ledger_with_fewer_entries_than_the_backup_is_a_problem():
    report = backup.CheckReport(dump=None)
    backup._check_ledger(report, {"group 1 shares": [3, 0, 0]}, {"group 1 shares": [3, 0, 0]}, {"group 1 shares": [2, 0, 0]})
    assert report.problems == ["ledger group 1 shares: the live database has fewer entries than the backup"]


@needs_postgresql
def test_the_cli_makes_and_checks_a_backup(database_url, savings, tmp_path, clock):
    extra = tmp_path / "recordings"
    extra.mkdir()
    (extra / "welcome-bm.mp3").write_bytes(b"ID3")
    env = {"DATABASE_URL": database_url, "REDIS_URL": REDIS_URL, "USSD_INSTANCE_PATH": str(tmp_path / "i"),
           "USSD_CLOCK_START": clock.now.isoformat()}
    made = CliRunner().invoke(main, ["backup", "create", str(tmp_path / "b"), "--path", str(extra)], env=env)
    assert made.exit_code == 0, made.output
    assert "dump: " in made.output and "files: " in made.output
    checked = CliRunner().invoke(main, ["backup", "check", str(tmp_path / "b")], env=env)
    assert checked.exit_code == 0, checked.output
    assert "savings_ledger" in checked.output and checked.output.rstrip().endswith("backup ok")
    missing = CliRunner().invoke(main, ["backup", "create", str(tmp_path / "c"), "--path", str(tmp_path / "nope")],
                                 env=env)
    assert missing.exit_code == 1 and "no such path" in missing.output


def test_sqlite_is_refused_with_the_reason(tmp_path, clock):
    with pytest.raises(backup.BackupError, match="backups need PostgreSQL"):
        backup.create(f"sqlite:///{tmp_path / 'x.sqlite3'}", tmp_path / "b", now=clock.now)
