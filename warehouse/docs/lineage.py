"""Column-level lineage: which columns each table column is computed from, traced with `sqlglot.lineage` through
its SELECT (the direct inputs: source or table columns) and on through the SELECTs of the tables it reads, down to
source columns (`staging.<source>.<column>`)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from sqlglot import exp
from sqlglot.lineage import Node, lineage

from warehouse.docs.model import SQL_DIALECT, Dictionary

TABLES = "tables"  # the logical schema of the spec's tables while tracing (SELECTs name them bare)


@dataclass(frozen=True)
class ColumnLineage:
    expression: str  # how the SELECT computes the column
    inputs: list[str]  # the columns it reads directly: `staging.<source>.<column>` or `<table>.<column>`
    sources: list[str]  # the source columns it comes from in the end: `staging.<source>.<column>`


def trace(project: Dictionary) -> dict[str, dict[str, ColumnLineage]]:
    """The lineage of every column of every table, by table and column."""
    schema = {
        project.staging: {n: {c.name: c.type for c in s.columns} for n, s in project.sources.items()},
        TABLES: {n: {c.name: c.type for c in t.columns} for n, t in project.tables.items()},
    }
    direct: dict[str, dict[str, tuple[str, list[str]]]] = {}
    for name, table in project.tables.items():
        nodes = lineage(None, table.select_sql, schema=schema, dialect=SQL_DIALECT, db=TABLES)
        direct[name] = {column: (_expression(node), _inputs(node, project.staging)) for column, node in nodes.items()}

    @cache
    def sources(column: str) -> tuple[str, ...]:
        """The source columns behind a `<table>.<column>` or `staging.<source>.<column>`."""
        if column.startswith(f"{project.staging}."):
            return (column,)
        table, name = column.split(".")
        return tuple(dict.fromkeys(s for i in direct[table][name][1] for s in sources(i)))

    return {
        table: {
            column: ColumnLineage(expression, inputs, list(dict.fromkeys(s for i in inputs for s in sources(i))))
            for column, (expression, inputs) in columns.items()
        }
        for table, columns in direct.items()
    }


def _inputs(node: Node, staging: str) -> list[str]:
    """The table columns at the leaves of a column's lineage, in a stable order."""
    found = []
    for leaf in node.walk():
        if leaf.downstream or not isinstance(leaf.expression, exp.Table):
            continue
        table = leaf.expression
        column = exp.maybe_parse(leaf.name, into=exp.Column, dialect=SQL_DIALECT).name
        found.append(f"{staging}.{table.name}.{column}" if table.db == staging else f"{table.name}.{column}")
    return sorted(set(found))


def _expression(node: Node) -> str:
    """The projection that computes the column, without its alias and quotes."""
    computed = node.expression.unalias().copy()
    for identifier in computed.find_all(exp.Identifier):
        identifier.set("quoted", False)
    return computed.sql(dialect=SQL_DIALECT)
