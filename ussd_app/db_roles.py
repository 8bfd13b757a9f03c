"""The application's own PostgreSQL role: least privilege, and the ledger stays append-only.

Production runs two roles. The owner (who ran `CREATE DATABASE`) applies the migrations and owns
every table; the app role, which gunicorn and the workers connect as, may read and write rows and
nothing more. On `savings_ledger` and `audit_log` it may only SELECT and INSERT: it cannot UPDATE
or DELETE an entry, and as it owns no table it can neither TRUNCATE one nor ALTER TABLE ... DISABLE
TRIGGER (the triggers of migrations 0003 and 0018 are their last line of defence).
"""

from __future__ import annotations

import re

# A loan's terms are written once, like the ledger entries they go with; the audit log is never
# rewritten. (A phone's history is not here: erasure on request deletes it.)
APPEND_ONLY_TABLES = ("savings_ledger", "savings_loans", "audit_log")
MIGRATION_TABLES = ("alembic_version",)  # the owner's alone
ROLE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


class RoleError(ValueError):
    pass


def _quote(literal: str) -> str:
    return "'" + literal.replace("'", "''") + "'"


def app_role_statements(role: str, tables: list[str], *, create: bool, password: str | None = None) -> list[str]:
    """The SQL that makes `role` the app's least-privileged role on `tables` (safe to run again)."""
    if not ROLE_NAME.match(role):
        raise RoleError("role name: lower-case letters, digits and _ (at most 63), not starting with a digit")
    statements = []
    if create:
        statements.append(f'CREATE ROLE "{role}" LOGIN' + (f" PASSWORD {_quote(password)}" if password else ""))
    elif password:
        statements.append(f'ALTER ROLE "{role}" PASSWORD {_quote(password)}')
    statements += [
        f'REVOKE ALL ON ALL TABLES IN SCHEMA public FROM "{role}"',
        f'REVOKE CREATE ON SCHEMA public FROM "{role}"',
        f'GRANT USAGE ON SCHEMA public TO "{role}"',
    ]
    for table in sorted(set(tables) - set(MIGRATION_TABLES)):
        rights = "SELECT, INSERT" if table in APPEND_ONLY_TABLES else "SELECT, INSERT, UPDATE, DELETE"
        statements.append(f'GRANT {rights} ON "{table}" TO "{role}"')
    statements.append(f'GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO "{role}"')
    return statements


def apply_app_role(engine, role: str, *, password: str | None = None) -> list[str]:
    """Create (when missing) and grant the app role, as the owner connected through `engine`."""
    from sqlalchemy import inspect, text

    if engine.dialect.name != "postgresql":
        raise RoleError("database roles are a PostgreSQL matter (SQLite has none)")
    with engine.begin() as conn:
        exists = conn.scalar(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}) is not None
        tables = inspect(conn).get_table_names(schema="public")
        statements = app_role_statements(role, tables, create=not exists, password=password)
        for statement in statements:
            conn.execute(text(statement))
    return [re.sub(r"PASSWORD '.*'", "PASSWORD '…'", s) for s in statements]
