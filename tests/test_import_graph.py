"""Imports go downhill: the import graph of ussd_app, function-level imports included, has no cycle."""

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "ussd_app"


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(path: Path, modules: set[str]) -> set[str]:
    """Every ussd_app module `path` imports, at module level or inside a function."""
    this = module_name(path)
    package = this if path.name == "__init__.py" else this.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            names = [f"{base}.{alias.name}" for alias in node.names] + [base]
        else:
            continue
        for name in names:
            while name and name not in modules:
                name = name.rpartition(".")[0]
            if name and name != this and not this.startswith(name + "."):
                found.add(name)
    return found


def import_graph() -> dict[str, set[str]]:
    paths = {module_name(p): p for p in PACKAGE.rglob("*.py")}
    modules = set(paths)
    return {name: imported_modules(path, modules) for name, path in paths.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []
    counter = [0]

    def visit(node):
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for nxt in graph.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_import_cycle_counting_imports_inside_functions():
    assert cycles(import_graph()) == []


# Layers, bottom first: a module may import its own layer and the ones below, never above.
LAYERS = [
    ("ussd_app.clock", "ussd_app.config", "ussd_app.db", "ussd_app.redact", "ussd_app.redis_conn",
     "ussd_app.text", "ussd_app.effects", "ussd_app.ussd_request", "ussd_app.testing",
     "ussd_app.callback_auth", "ussd_app.web_input"),
    ("ussd_app.subscribers", "ussd_app.sms", "ussd_app.voice", "ussd_app.savings", "ussd_app.health", "ussd_app.audit"),
    ("ussd_app.menus", "ussd_app.clinic", "ussd_app.dhis2", "ussd_app.ops", "ussd_app.backup"),
]


def layer_of(module: str) -> int | None:
    for depth, prefixes in enumerate(LAYERS):
        if any(module == p or module.startswith(p + ".") for p in prefixes):
            return depth
    return None  # the top: create_app, the CLI, the webhook, jobs, demo data


def test_imports_go_downhill():
    upward = []
    for module, imported in import_graph().items():
        here = layer_of(module)
        for other in imported:
            there = layer_of(other)
            if here is not None and (there is None or there > here):
                upward.append(f"{module} -> {other}")
    assert sorted(upward) == []
