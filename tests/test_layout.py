"""The shape of the library: no module imports another that imports it back (at any depth, lazy and
type-checking imports included). That DAG parsing imports no sqlglot is tested in tests/airflow/test_dags.py."""

from __future__ import annotations

import ast

from helpers import ROOT


def imports() -> dict[str, set[str]]:
    """Each module of `warehouse` and the `warehouse` modules it imports anywhere in its code."""
    modules = {}
    for path in (ROOT / "warehouse").rglob("*.py"):
        name = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        modules[name] = path
    found: dict[str, set[str]] = {}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        targets = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                targets |= {a.name for a in node.names}
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    base = ".".join([*package.split(".")[: len(package.split(".")) - node.level + 1], base]).strip(".")
                targets |= {f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base for a in node.names}
        found[name] = {t for t in targets if t in modules and t != name}
    return found


def test_no_module_imports_another_that_imports_it_back() -> None:
    graph = imports()
    cycles = []
    for start in graph:
        stack, seen = [(start, [start])], set()
        while stack:
            module, trail = stack.pop()
            for nxt in graph[module]:
                if nxt == start:
                    cycles.append(" → ".join([*trail, start]))
                elif nxt not in seen:
                    seen.add(nxt)
                    stack.append((nxt, [*trail, nxt]))
    assert not cycles, "import cycles:\n" + "\n".join(sorted(set(cycles)))
