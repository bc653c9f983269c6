"""The SELECTs behind tables (`sql/*.sql`, Redshift SQL): parsed, checked against the spec, rewritten per run.

A SELECT names a source's staged rows as `staging.<source>` and a table of the spec by its bare name.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

import sqlglot
from sqlglot import exp
from sqlglot.errors import OptimizeError, ParseError
from sqlglot.optimizer.normalize_identifiers import normalize_identifiers
from sqlglot.optimizer.qualify import qualify
from sqlglot.optimizer.qualify_columns import quote_identifiers
from sqlglot.schema import MappingSchema

from warehouse.spec import STAGING
from warehouse.sql.names import Layout, ident
from warehouse.yamlfile import Problem, SpecError, YamlDocument, display_path

if TYPE_CHECKING:
    from warehouse.spec import Spec

TABLES = "warehouse"  # the logical schema of the spec's tables while validating
READ_DIALECT = "redshift"


def load_selects(spec: Spec, doc: YamlDocument) -> tuple[dict[str, exp.Query], dict[str, list[str]]]:
    """Parse and check every table's SELECT; return them with each table's inputs (`staging.x` or a table)."""
    schema = MappingSchema(_logical_schema(spec), dialect=READ_DIALECT)
    selects: dict[str, exp.Query] = {}
    depends: dict[str, list[str]] = {}
    problems: list[Problem] = []
    for name, table in spec.tables.items():
        path = spec.file.parent / table.select
        display = display_path(path)
        try:
            query, inputs = _check(path, display, name, table.column_names, spec, schema)
        except SpecError as error:
            problems.extend(error.problems)
            continue
        selects[name], depends[name] = query, inputs
    problems.extend(_cycles(depends, doc))
    if problems:
        raise SpecError(problems)
    return selects, depends


def _logical_schema(spec: Spec) -> dict[str, dict[str, dict[str, str]]]:
    return {
        STAGING: {n: {c: col.type for c, col in s.columns.items()} for n, s in spec.sources.items()},
        TABLES: {n: {c: col.type for c, col in t.columns.items()} for n, t in spec.tables.items()},
    }


def _check(
    path: Path, display: str, name: str, declared: list[str], spec: Spec, schema: MappingSchema
) -> tuple[exp.Query, list[str]]:
    text = path.read_text(encoding="utf-8")

    def problem(node: exp.Expression | None, message: str) -> SpecError:
        line, col = _position(node, text)
        return SpecError([Problem(display, line, col, "", message)])

    try:
        statements = [s for s in sqlglot.parse(text, read=READ_DIALECT) if s is not None]
    except ParseError as error:
        first = error.errors[0] if error.errors else {}
        message = first.get("description") or str(error)
        raise SpecError([Problem(display, first.get("line", 1), first.get("col", 1), "", message)]) from None
    if len(statements) != 1 or not isinstance(statements[0], exp.Query):
        raise problem(None, "expected exactly one SELECT statement")
    query = statements[0]
    for node in query.walk():
        node.comments = None
    inputs = _inputs(query, spec, problem)
    try:
        qualified = qualify(
            query.copy(),
            schema=schema,
            db=TABLES,
            dialect=READ_DIALECT,
            validate_qualify_columns=True,
            quote_identifiers=False,
        )
    except OptimizeError as error:
        raise _column_problem(query, str(error), problem) from None
    selected = qualified.named_selects
    if "*" in selected or len(selected) != len(set(selected)):
        raise problem(query, f"the SELECT must name each column of {name} once (got: {', '.join(selected)})")
    extra = [c for c in selected if c not in declared]
    missing = [c for c in declared if c not in selected]
    if extra:
        raise problem(
            _projection(query, extra[0]),
            f"selects {extra[0]!r}, which is not a column of {name} (columns: {', '.join(declared)})",
        )
    if missing:
        raise problem(query, f"does not select column(s) {', '.join(missing)} of {name}")
    normalized = normalize_identifiers(query, dialect=READ_DIALECT)
    return quote_identifiers(normalized, dialect=READ_DIALECT, identify=True), inputs


def _inputs(query: exp.Query, spec: Spec, problem) -> list[str]:
    ctes = {cte.alias_or_name for cte in query.find_all(exp.CTE)}
    inputs: list[str] = []
    for ref in query.find_all(exp.Table):
        if not ref.db and ref.name in ctes:
            continue
        if ref.catalog or (ref.db and ref.db != STAGING):
            raise problem(ref, f"unknown table {ref.sql(READ_DIALECT)!r}: use staging.<source> or a table name")
        if ref.db == STAGING and ref.name not in spec.sources:
            known = ", ".join(f"staging.{s}" for s in spec.sources)
            raise problem(ref, f"unknown source table 'staging.{ref.name}' (known: {known})")
        if not ref.db and ref.name not in spec.tables:
            known = ", ".join(spec.tables)
            raise problem(ref, f"unknown table {ref.name!r} (known: {known}; sources are staging.<source>)")
        key = f"{STAGING}.{ref.name}" if ref.db else ref.name
        if key not in inputs:
            inputs.append(key)
    return inputs


def _column_problem(query: exp.Query, message: str, problem) -> SpecError:
    """Turn sqlglot's 'could not be resolved' into a message naming the column at its place."""
    found = re.search(r"[Cc]olumn[: ]+'?([\w.]+)'?", message)
    name = found.group(1) if found else ""
    node = next((c for c in query.find_all(exp.Column) if c.name == name), None)
    owner = re.search(r"for table: '(\w+)'", message)
    where = f" in {owner.group(1)}" if owner else ""
    return problem(node, f"unknown column {name!r}{where}" if name else message)


def _projection(query: exp.Query, name: str) -> exp.Expression | None:
    return next((e for e in query.selects if e.alias_or_name == name), None)


def _position(node: exp.Expression | None, text: str) -> tuple[int, int]:
    for sub in node.walk() if node is not None else ():
        meta = getattr(sub, "meta", None) or {}
        if "line" in meta:
            return meta["line"], meta["col"] - len(sub.name) + 1 if sub.name else meta["col"]
    return 1, 1


def _cycles(depends: dict[str, list[str]], doc: YamlDocument) -> list[Problem]:
    state: dict[str, str] = {}
    problems: list[Problem] = []

    def visit(name: str, trail: list[str]) -> None:
        if state.get(name) == "done":
            return
        if state.get(name) == "open":
            cycle = " → ".join([*trail[trail.index(name) :], name])
            section = "facts" if ("facts", name) in doc.keys else "dimensions"
            problems.append(doc.problem((section, name, "select"), f"tables depend on each other: {cycle}"))
            return
        state[name] = "open"
        for dep in depends.get(name, []):
            if dep in depends:
                visit(dep, [*trail, name])
        state[name] = "done"

    for name in depends:
        visit(name, [])
    return problems


def bind(query: exp.Query, layout: Layout) -> exp.Query:
    """The SELECT with logical names replaced by the run's tables: `staging.events` → this interval's staging
    table, `users` → the warehouse table. Each keeps its logical name as alias, so column references hold."""
    ctes = {cte.alias_or_name for cte in query.find_all(exp.CTE)}

    def swap(node: exp.Expression) -> exp.Expression:
        if not isinstance(node, exp.Table) or (not node.db and node.name in ctes):
            return node
        physical = layout.staging(node.name) if node.db == STAGING else layout.table(node.name)
        physical.set("alias", node.args.get("alias") or exp.TableAlias(this=ident(node.name)))
        return physical

    return query.transform(swap)  # a new tree: the spec's parsed SELECT stays as written
