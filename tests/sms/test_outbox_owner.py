"""The outbox has one owner: only ussd_app/sms/outbox.py writes rows or their status.

Every module of the package is parsed (not imported) and searched for: `OutboxMessage(...)`,
an INSERT, UPDATE or DELETE statement on OutboxMessage (or its table), and an assignment to the
`status` of a name bound to an outbox row (`row = db.get(OutboxMessage, ...)`, `for row in
db.scalars(select(OutboxMessage)...)`, a parameter annotated `OutboxMessage`).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import ussd_app

PACKAGE = Path(ussd_app.__file__).parent
OWNER = PACKAGE / "sms" / "outbox.py"
MODEL = "OutboxMessage"
WRITES = {"insert", "update", "delete"}


def _mentions_model(node: ast.AST | None) -> bool:
    return node is not None and any(isinstance(n, ast.Name) and n.id == MODEL for n in ast.walk(node))


def _bound_names(target: ast.AST) -> list[str]:
    return [n.id for n in ast.walk(target) if isinstance(n, ast.Name)]


def _row_names(scope: ast.AST) -> set[str]:
    """Names that hold outbox rows in this function or module (bound from an expression that
    names the model, or annotated with it)."""
    names: set[str] = set()
    for node in ast.walk(scope):
        if isinstance(node, ast.Assign) and _mentions_model(node.value):
            for target in node.targets:
                names.update(_bound_names(target))
        elif isinstance(node, (ast.AnnAssign, ast.arg)) and _mentions_model(node.annotation):
            names.update([node.arg] if isinstance(node, ast.arg) else _bound_names(node.target))
        elif isinstance(node, ast.AnnAssign) and _mentions_model(node.value):
            names.update(_bound_names(node.target))
        elif isinstance(node, (ast.For, ast.comprehension)) and _mentions_model(node.iter):
            names.update(_bound_names(node.target))
        elif isinstance(node, ast.withitem) and _mentions_model(node.context_expr) and node.optional_vars:
            names.update(_bound_names(node.optional_vars))
    return names


def _status_targets(node: ast.AST):
    """Attribute targets `<name>.status` assigned by this statement."""
    targets = list(node.targets if isinstance(node, ast.Assign) else [node.target])
    while targets:
        target = targets.pop()
        if isinstance(target, (ast.Tuple, ast.List)):
            targets.extend(target.elts)
        elif isinstance(target, ast.Starred):
            targets.append(target.value)
        elif isinstance(target, ast.Attribute) and target.attr == "status" and isinstance(target.value, ast.Name):
            yield target


def violations(source: str, filename: str = "<module>") -> list[str]:
    """Where `source` writes outbox rows or their status."""
    tree = ast.parse(source, filename)
    found = []
    scopes = [tree] + [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
    rows_in = {id(scope): _row_names(scope) for scope in scopes}
    for scope in scopes:
        for node in ast.walk(scope):
            if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
                for attr in _status_targets(node):
                    if attr.value.id in rows_in[id(scope)]:
                        found.append(f"{filename}:{node.lineno}: sets {attr.value.id}.status")
            elif isinstance(node, ast.Call) and scope is tree:  # calls: once, from the module walk
                func = node.func
                name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
                if name == MODEL:
                    found.append(f"{filename}:{node.lineno}: constructs {MODEL}")
                elif name in WRITES and node.args and _mentions_model(node.args[0]):
                    found.append(f"{filename}:{node.lineno}: {name}({MODEL})")
                elif name == "setattr" and len(node.args) >= 2 and isinstance(node.args[1], ast.Constant) \
                        and node.args[1].value == "status":
                    found.append(f"{filename}:{node.lineno}: setattr(..., 'status', ...)")
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and scope is tree:
                sql = " ".join(node.value.lower().split())
                if any(f"{verb} sms_outbox" in sql for verb in ("update", "insert into", "delete from")):
                    found.append(f"{filename}:{node.lineno}: SQL writing sms_outbox")
    return found


def test_only_the_outbox_module_writes_outbox_rows_and_their_status():
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path != OWNER:
            found += violations(path.read_text(encoding="utf-8"), str(path.relative_to(PACKAGE)))
    assert found == []


@pytest.mark.parametrize("source", [
    "row = OutboxMessage(recipient='x')",
    "db.execute(update(OutboxMessage).values(status='sent'))",
    "db.execute(insert(OutboxMessage).from_select(names, rows))",
    "db.execute(sa.delete(OutboxMessage))",
    "db.execute(text('UPDATE sms_outbox SET status = 1'))",
    "def f(db):\n    row = db.get(OutboxMessage, 1)\n    row.status = 'sent'",
    "def f(db):\n    for row in db.scalars(select(OutboxMessage)):\n        row.status, row.x = 'failed', 1",
    "def f(row: OutboxMessage):\n    row.status = 'failed'",
    "def f(row):\n    setattr(row, 'status', 'failed')",
])
def test_the_check_finds_each_kind_of_write(source):
    assert violations(source) != []


@pytest.mark.parametrize("source", [
    "def f(db, campaign):\n    campaign.status = 'cancelled'\n    db.scalar(select(OutboxMessage.id))",
    "def f(db):\n    for reminder in db.scalars(select(Reminder)):\n        reminder.status = 'queued'",
    "counts = select(OutboxMessage.status, func.count())",
    "def f(db, outcome):\n    for row in db.scalars(select(OutboxMessage)):\n        outcome[row.status] += 1",
])
def test_the_check_leaves_reads_and_other_models_alone(source):
    assert violations(source) == []
