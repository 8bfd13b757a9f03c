"""The app's PostgreSQL role (`ussd-app db create-app-role`): it writes ledger entries and can
never change, delete, truncate them or switch the ledger's triggers off."""

from __future__ import annotations

import uuid

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ProgrammingError

from tests.conftest import RUN, TEST_NOW
from ussd_app.cli import main
from ussd_app.db import make_session_factory
from ussd_app.migrate import upgrade
from ussd_app.savings import ledger
from ussd_app.savings.groups import add_member, create_group, current_cycle


@pytest.fixture
def owner_url() -> str:
    """A PostgreSQL database of the run's own, migrated, reached as its owner (whatever
    TEST_DATABASES says: roles are a PostgreSQL matter)."""
    url = RUN.scratch_postgres("roles")
    upgrade(url)
    return url


@pytest.fixture
def app_role(owner_url, monkeypatch):
    role, password = f"ussd_app_test_{uuid.uuid4().hex[:8]}", uuid.uuid4().hex
    monkeypatch.setenv("DATABASE_URL", owner_url)
    monkeypatch.setenv("TEST_APP_ROLE_PASSWORD", password)
    result = CliRunner().invoke(main, ["db", "create-app-role", role, "--password-env", "TEST_APP_ROLE_PASSWORD",
                                       "--execute"])
    assert result.exit_code == 0, result.output
    assert password not in result.output and 'GRANT SELECT, INSERT ON "savings_ledger"' in result.output
    engine = create_engine(make_url(owner_url).set(username=role, password=password))
    yield engine
    engine.dispose()
    owner = create_engine(owner_url)
    with owner.begin() as conn:
        conn.execute(text(f'DROP OWNED BY "{role}"'))
        conn.execute(text(f'DROP ROLE "{role}"'))
    owner.dispose()


def test_the_app_role_appends_to_the_ledger_and_can_do_nothing_else_to_it(app_role):
    key = uuid.uuid4().hex[:8]
    with make_session_factory(app_role, b"test")() as db:  # the app's own code, as the app role
        group = create_group(db, name=f"Role test {key}", share_value=500, health_fund_per_meeting=100, now=TEST_NOW)
        member = add_member(db, group, phone="+2237" + str(uuid.uuid4().int)[:7], name="Awa", now=TEST_NOW)
        entry = ledger.add_entry(db, member=member, cycle_id=current_cycle(db, group.id).id, kind="shares",
                                 amount=1000, shares=2, idempotency_key=f"role:{key}", now=TEST_NOW)
        db.commit()
        entry_id = entry.id
    refused = {
        "update": f"UPDATE savings_ledger SET amount = 1 WHERE id = {entry_id}",
        "delete": f"DELETE FROM savings_ledger WHERE id = {entry_id}",
        "truncate": "TRUNCATE savings_ledger",
        "disable trigger": "ALTER TABLE savings_ledger DISABLE TRIGGER ALL",
        "drop trigger": "DROP TRIGGER savings_ledger_no_update ON savings_ledger",
        "new table": "CREATE TABLE escape_hatch (id integer)",
    }
    for what, statement in refused.items():
        with app_role.connect() as conn, pytest.raises(ProgrammingError, match="permission denied|must be owner"):
            conn.execute(text(statement))
            pytest.fail(f"the app role could {what}")
    with app_role.connect() as conn:
        assert conn.scalar(text(f"SELECT amount FROM savings_ledger WHERE id = {entry_id}")) == 1000
        conn.execute(text("UPDATE sms_outbox SET attempts = attempts WHERE false"))  # other tables: rows as usual


def test_without_execute_the_statements_are_printed_and_a_bad_name_is_refused(monkeypatch):
    runner = CliRunner()
    printed = runner.invoke(main, ["db", "create-app-role", "ussd_app"])
    assert printed.exit_code == 0
    assert 'CREATE ROLE "ussd_app" LOGIN;' in printed.output
    assert 'GRANT SELECT, INSERT ON "savings_ledger" TO "ussd_app";' in printed.output
    assert 'GRANT SELECT, INSERT, UPDATE, DELETE ON "sms_outbox" TO "ussd_app";' in printed.output
    assert "TRUNCATE" not in printed.output and "alembic_version" not in printed.output
    bad = runner.invoke(main, ["db", "create-app-role", 'x"; DROP TABLE savings_ledger; --'])
    assert bad.exit_code != 0 and "role name" in bad.output
