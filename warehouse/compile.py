"""A spec compiled: its SQL files parsed and checked against the declared columns, and the graph of what each
table and check reads.

The graph is all that DAG parsing needs, and it is cached by content (the spec, its SQL files and this
library's version) so that loading an unchanged spec imports no sqlglot. The parsed SQL is built on first use.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from warehouse.spec import STAGING, Dimension, Spec, read_spec
from warehouse.yamlfile import Problem, SpecError

if TYPE_CHECKING:
    from sqlglot import exp

    from warehouse.sql.transforms import CompiledSQL

CACHE_VERSION = "5"  # bump when the deep checks change what they accept or return
FACT_LOADS = {"replace": "replace by time", "merge": "merge by key"}  # how a definition records a fact's load


@dataclass(frozen=True)
class Graph:
    """What each table's SELECT reads (`staging.<source>` or a table) and which other tables its checks read."""

    depends: dict[str, list[str]]
    check_depends: dict[str, list[str]]


@dataclass
class Project:
    """A spec with its SQL compiled. One per content: `compile_spec` returns the same object for the same files."""

    spec: Spec
    graph: Graph
    fingerprint: str

    @cached_property
    def sql(self) -> CompiledSQL:
        """Every SQL of the spec, parsed and checked (on first use: DAG parsing never needs it)."""
        from warehouse.sql.transforms import compile_sql

        return compile_sql(self.spec)

    def select(self, table: str) -> exp.Query:
        """The validated SELECT of a table, as written (logical table names)."""
        return self.sql.selects[table]

    def depends_on(self, table: str) -> list[str]:
        """Sources (`staging.<name>`) and tables that a table's SELECT reads, in a stable order."""
        return self.graph.depends[table]

    def sources_of(self, table: str) -> list[str]:
        """The sources whose staged rows a table's SELECT reads."""
        return [d.removeprefix(f"{STAGING}.") for d in self.depends_on(table) if d.startswith(f"{STAGING}.")]

    def checks_depend_on(self, table: str) -> list[str]:
        """Other tables that a table's checks read (references, custom SQL)."""
        return self.graph.check_depends[table]

    def definition(self, table: str) -> dict[str, Any]:
        """What defines a table, as plain data the ledger records: what shapes its rows (`data`: columns, key,
        how it loads, its SELECT) and what does not (layout, descriptions, checks). Built once per project (every
        load step records its fingerprint); not to be changed."""
        if table not in self._definitions:
            self._definitions[table] = self._define(table)
        return self._definitions[table]

    @cached_property
    def _definitions(self) -> dict[str, dict[str, Any]]:
        return {}

    def _define(self, table: str) -> dict[str, Any]:
        spec_table = self.spec.tables[table]
        data = {
            "columns": {n: {"type": c.type, "nullable": c.nullable} for n, c in spec_table.columns.items()},
            "key": list(spec_table.key),
            "load": spec_table.load if isinstance(spec_table, Dimension) else FACT_LOADS[spec_table.load],
            "latest_by": getattr(spec_table, "latest_by", None),
            "time_column": getattr(spec_table, "time_column", None),
            "select": self.select(table).sql(dialect="redshift"),
        }
        return {
            "data": data,
            "fingerprint": hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:16],
            "layout": {
                "distribution": spec_table.model_dump(mode="json")["distribution"],
                "sort": list(spec_table.sort),
                "encode": {n: c.encode for n, c in spec_table.columns.items() if c.encode},
            },
            "description": spec_table.description,
            "descriptions": {n: c.description for n, c in spec_table.columns.items() if c.description},
            "checks": [c.label for c in spec_table.checks],
        }


_PROJECTS: dict[str, Project] = {}


def load_project(path: Path | str) -> Project:
    """Load, validate and compile a spec; raise SpecError listing every problem, of every layer, at once."""
    spec, problems = read_spec(path)
    return compile_spec(spec, problems)


def compile_spec(spec: Spec, problems: list[Problem] | None = None) -> Project:
    """The spec's compiled project: types and SQL checked (cached by content), one object per content. `problems`
    found in the spec already are reported with those the compilation finds."""
    if problems:
        _deep_check(spec, problems)  # raises, with every problem
    key = fingerprint(spec)
    memo = f"{spec.file}:{key}"
    if memo not in _PROJECTS:
        graph = cached(key, lambda: _deep_check(spec, []))
        _PROJECTS[memo] = Project(spec, Graph(graph["depends"], graph["check_depends"]), key)
    return _PROJECTS[memo]


def _deep_check(spec: Spec, problems: list[Problem]) -> dict[str, dict[str, list[str]]]:
    """Column types, what depends on them, and SQL: check them all (adding to the spec's own `problems`), raise
    SpecError listing every one; else return what the tables and their checks read."""
    from warehouse.sql.transforms import compile_sql
    from warehouse.typecheck import type_problems

    problems = [*problems, *type_problems(spec)]
    try:
        compiled = compile_sql(spec)
    except SpecError as error:
        raise SpecError([*problems, *error.problems]) from None
    except (KeyError, ValueError):  # the SQL names what the spec's own problems leave undefined
        raise SpecError(problems) from None
    if problems:
        raise SpecError(problems)
    return {"depends": compiled.depends, "check_depends": compiled.check_depends}


def fingerprint(spec: Spec) -> str:
    """A digest of everything the deep checks read: the spec (as read, and as it is now: a copy changed in memory
    is another project), its SQL files and this library's version."""
    digest = hashlib.sha256(CACHE_VERSION.encode())
    digest.update(spec.file.read_bytes())
    digest.update(spec.model_dump_json().encode())
    for path in sorted(spec.sql_files()):
        digest.update(path.encode() + b"\0" + spec.resolve(path).read_bytes())
    return digest.hexdigest()


def cached(key: str, compute: Callable[[], dict]) -> dict:
    """`compute()`, remembered in $WAREHOUSE_CACHE_DIR (default ~/.cache/warehouse) by `key`; failures are
    never cached, and an unwritable cache only costs the recomputation."""
    folder = Path(os.environ.get("WAREHOUSE_CACHE_DIR") or Path.home() / ".cache" / "warehouse")
    entry = folder / f"spec-{key}.json"
    try:
        return json.loads(entry.read_text())
    except (OSError, ValueError):
        pass
    value = compute()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        partial = entry.with_suffix(f".{os.getpid()}.partial")
        partial.write_text(json.dumps(value))
        os.replace(partial, entry)
    except OSError:
        pass
    return value
