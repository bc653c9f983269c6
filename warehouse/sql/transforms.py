"""The SELECTs behind tables (`sql/*.sql`, Redshift SQL): parsed, checked against the spec, rewritten per run.

A SELECT names a source's staged rows as `staging.<source>` and a table of the spec by its bare name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
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
REFUSED = {("text", "number"), ("text", "time"), ("text", "boolean"), ("number", "time"), ("time", "number")}
READ_DIALECT = "redshift"


@dataclass
class CompiledSQL:
    """The spec's SQL, parsed and checked: each table's SELECT and inputs, and what its checks need."""

    selects: dict[str, exp.Query]
    depends: dict[str, list[str]]
    check_queries: dict[tuple[str, int], exp.Query] = field(default_factory=dict)
    conditions: dict[tuple[str, int], exp.Expression] = field(default_factory=dict)
    check_depends: dict[str, list[str]] = field(default_factory=dict)


def compile_sql(spec: Spec) -> CompiledSQL:
    """Parse and check every SQL the spec names; raise SpecError listing every problem."""
    doc = spec.document
    schema = MappingSchema(_logical_schema(spec), dialect=READ_DIALECT)
    compiled = CompiledSQL({}, {})
    problems: list[Problem] = []
    for name, table in spec.tables.items():
        try:
            declared = {c: table.columns[c].type for c in table.selected}
            query, inputs = _parse_file(spec.resolve(table.select), spec, schema, declared, name)
            compiled.selects[name], compiled.depends[name] = query, inputs
        except SpecError as error:
            problems.extend(error.problems)
        needs: list[str] = []
        for index, check in enumerate(table.checks):
            at = (spec.section(name), name, "checks", index, check.kind)
            try:
                needs += _check_sql(spec, schema, doc, name, index, check, at, compiled)
            except SpecError as error:
                problems.extend(error.problems)
        compiled.check_depends[name] = list(dict.fromkeys(n for n in needs if n != name))
    problems.extend(_cycles(compiled.depends, doc))
    if problems:
        raise SpecError(problems)
    return compiled


def _check_sql(spec, schema, doc, name, index, check, at, compiled: CompiledSQL) -> list[str]:
    """Parse what a check carries (custom SQL, a staged-count condition); return the tables it reads."""
    options = check.options
    if check.kind == "references":
        return [options.to]
    if check.kind == "sql":
        query, inputs = _parse_file(spec.resolve(options.query), spec, schema)
        compiled.check_queries[(name, index)] = query
        return [i for i in inputs if not i.startswith(STAGING + ".")]
    if check.kind == "row_count" and options.staged and options.staged.where:
        columns = spec.sources[options.staged.source].columns
        compiled.conditions[(name, index)] = _condition(
            options.staged.where, list(columns), doc, (*at, "staged", "where")
        )
    return []


def _condition(text: str, columns: list[str], doc: YamlDocument, at: tuple) -> exp.Expression:
    """A condition on a source's columns, written in the spec."""
    try:
        condition = sqlglot.parse_one(text, read=READ_DIALECT)
    except ParseError as error:
        raise SpecError([doc.problem(at, f"not a SQL condition: {error.errors[0]['description']}")]) from None
    for node in condition.find_all(exp.Column):
        if node.table or node.name not in columns:
            raise SpecError([doc.problem(at, f"unknown column {node.sql()!r} (columns: {', '.join(columns)})")])
    return quote_identifiers(normalize_identifiers(condition, dialect=READ_DIALECT), dialect=READ_DIALECT)


def _logical_schema(spec: Spec) -> dict[str, dict[str, dict[str, str]]]:
    return {
        STAGING: {n: {c: col.type for c, col in s.columns.items()} for n, s in spec.sources.items()},
        TABLES: {n: {c: col.type for c, col in t.columns.items()} for n, t in spec.tables.items()},
    }


def _parse_file(
    path: Path, spec: Spec, schema: MappingSchema, declared: dict[str, str] | None = None, name: str = ""
) -> tuple[exp.Query, list[str]]:
    """One SELECT from a file, its tables and columns checked against the spec (and, with `declared`, exactly
    those columns selected); identifiers normalized and quoted. Returns it with its inputs."""
    display = display_path(path)
    if not path.is_file():
        raise SpecError([Problem(display, 1, 1, "", "SQL file not found")])
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
    if declared is not None:
        _projections(query, qualified.named_selects, list(declared), name, problem)
        _projection_types(query, qualified, schema, declared, name, problem)
    normalized = normalize_identifiers(query, dialect=READ_DIALECT)
    return quote_identifiers(normalized, dialect=READ_DIALECT, identify=True), inputs


def _projections(query: exp.Query, selected: list[str], declared: list[str], name: str, problem) -> None:
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


def _projection_types(query: exp.Query, qualified: exp.Query, schema, declared: dict[str, str], name: str, problem):
    """Each selected expression's type fits its declared column: no text into a number or time column, no number
    into a time column (what the engines would refuse, or convert differently, at load time)."""
    from sqlglot.optimizer.annotate_types import annotate_types

    from warehouse.sql.types import category, parse_type

    typed = annotate_types(qualified, schema=schema, dialect=READ_DIALECT)
    for selected in typed.selects:
        try:
            found, wanted = category(selected.type), category(parse_type(declared[selected.alias_or_name]))
        except (KeyError, ValueError):  # an undeclared column or a bad type: reported apart
            continue
        if (found, wanted) in REFUSED:
            raise problem(
                _projection(query, selected.alias_or_name),
                f"selects {selected.alias_or_name!r} as {found} ({selected.type.sql(READ_DIALECT)}), but the column "
                f"is declared {declared[selected.alias_or_name]}: CAST it, or change its type in the spec",
            )


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


def bind(query: exp.Query, layout: Layout, values: dict[str, exp.Expression] | None = None) -> exp.Query:
    """The SELECT with logical names replaced by the run's tables: `staging.events` → this interval's staging
    table, `users` → the warehouse table. Each keeps its logical name as alias, so column references hold.
    Placeholders (`:interval_start`) become the given literals."""
    ctes = {cte.alias_or_name for cte in query.find_all(exp.CTE)}
    values = values or {}

    def swap(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Placeholder) and node.name in values:
            return values[node.name].copy()
        if not isinstance(node, exp.Table) or (not node.db and node.name in ctes):
            return node
        physical = layout.staging(node.name) if node.db == STAGING else layout.table(node.name)
        physical.set("alias", node.args.get("alias") or exp.TableAlias(this=ident(node.name)))
        return physical

    return query.transform(swap)  # a new tree: the spec's parsed SELECT stays as written
