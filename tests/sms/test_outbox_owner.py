"""The outbox has one owner: only ussd_app/sms/outbox.py writes rows or their status.

Every module of the package is parsed (not imported) and searched for: `OutboxMessage(...)`,
an INSERT, UPDATE or DELETE statement on OutboxMessage (or its table), and an assignment to the
`status` of a name bound to an outbox row (`row = db.get(OutboxMessage, ...)`, `for row in
db.scalars(select(OutboxMessage)...)`, a parameter annotated `OutboxMessage`).
"""

from __future__ import annotations

import ast
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import ussd_app
from tests.conftest import TEST_NOW
from ussd_app.sms import outbox
from ussd_app.sms.outbox import RANK, STATUSES, OutboxMessage, queue_sms

PACKAGE = Path(ussd_app.__file__).parent
# The outbox module and its parts split out for size (calls, many rows at once).
OWNERS = {PACKAGE / "sms" / name for name in ("outbox.py", "outbox_calls.py", "outbox_bulk.py")}
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
        elif (isinstance(node, ast.AnnAssign) and _mentions_model(node.value)) or \
                (isinstance(node, (ast.For, ast.comprehension)) and _mentions_model(node.iter)):
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
        if path not in OWNERS:
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


# -- the transitions themselves ----------------------------------------------------------------

def _row(status: str) -> OutboxMessage:
    return OutboxMessage(id=1, recipient="+22376123456", status=status, last_error=None)


def test_each_status_is_reached_only_from_the_ones_before_it():
    assert outbox.sources_of("queued") == ("pending",)
    assert outbox.sources_of("sent") == ("queued",)
    assert outbox.sources_of("delivered") == ("sent",)
    assert outbox.sources_of("failed") == outbox.sources_of("rejected") == ("pending", "queued", "sent")
    for status in ("pending", "cancelled", "nonsense"):
        with pytest.raises(outbox.IllegalTransition):
            outbox.sources_of(status)


def test_a_row_must_be_claimed_before_it_is_recorded_sent_and_a_final_row_stays_final():
    with pytest.raises(outbox.IllegalTransition):
        outbox.record_sent(_row("pending"), TEST_NOW, "ATXid_1", None)
    row = _row("queued")
    row.lock_token = "token"
    outbox.record_sent(row, TEST_NOW, "ATXid_1", "XOF 25")
    assert (row.status, row.provider_message_id, row.lock_token) == ("sent", "ATXid_1", None)
    for final in ("delivered", "failed", "rejected"):
        with pytest.raises(outbox.IllegalTransition):
            outbox.close(_row(final), "failed", TEST_NOW, "late")
    with pytest.raises(outbox.IllegalTransition):
        outbox.close(_row("queued"), "sent", TEST_NOW)  # close only fails or rejects


STEPS = {"sent": lambda row: outbox.record_sent(row, TEST_NOW, "ATXid_1", None),
         "failed": lambda row: outbox.close(row, "failed", TEST_NOW, "x"),
         "rejected": lambda row: outbox.close(row, "rejected", TEST_NOW, "x")}


@given(start=st.sampled_from(STATUSES), steps=st.lists(st.sampled_from(sorted(STEPS)), max_size=6))
def test_any_sequence_of_changes_only_moves_a_row_forward(start, steps):
    row = _row(start)
    for step in steps:
        before = row.status
        try:
            STEPS[step](row)
        except outbox.IllegalTransition:
            assert row.status == before and step not in outbox.TRANSITIONS[before]
        else:
            assert RANK[row.status] > RANK[before] and row.status in outbox.TRANSITIONS[before]


def test_bulk_changes_leave_held_and_gone_rows_alone(db, clock):
    ids = [queue_sms(db, recipient=f"+2237612300{n}", language="fr", message="x", kind="reminder",
                     purpose="reminder", dedupe_key=f"bulk:{n}", now=clock.now).id for n in range(4)]
    first, held, sent, second = (db.get(OutboxMessage, i) for i in ids)
    outbox.claim(db, [held.id, sent.id], clock.now, token="t", max_attempts=4,
                 hold_until=clock.now + timedelta(seconds=30))
    db.refresh(sent)
    outbox.record_sent(sent, clock.now, "ATXid_9", None)
    db.flush()
    assert outbox.apply_report(db, "ATXid_9", "delivered", clock.now)
    db.expire_all()  # bulk statements leave the session's copies as they were
    assert not outbox.apply_report(db, "ATXid_9", "failed", clock.now)  # final stays final
    outbox.hand_out(db, ids, clock.now)
    assert outbox.cancel(db, OutboxMessage.id.in_(ids), "stopped: test", clock.now) == 2
    db.commit()
    got = {i: (db.get(OutboxMessage, i).status, db.get(OutboxMessage, i).last_error) for i in ids}
    assert got == {first.id: ("failed", "stopped: test"), held.id: ("queued", None),
                   sent.id: ("delivered", None), second.id: ("failed", "stopped: test")}
