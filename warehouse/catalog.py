"""The shape of a warehouse's tables, in one vocabulary for what a spec asks for and what a warehouse holds:
`expected` is what a fresh setup of the spec creates on an engine; `read` is what the engine's catalog says."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from warehouse import ledger
from warehouse.spec import Column

if TYPE_CHECKING:
    from warehouse.compile import Project
    from warehouse.targets.base import Target
    from warehouse.targets.engine import Engine


@dataclass(frozen=True)
class ColumnShape:
    type: str  # as the engine declares it, rendered in its dialect (e.g. VARCHAR(256), BIGINT)
    nullable: bool


@dataclass
class TableShape:
    columns: dict[str, ColumnShape] = field(default_factory=dict)
    key: tuple[str, ...] | None = None  # where the catalog shows it: the key's index (PostgreSQL)
    description: str | None = None  # COMMENT ON TABLE
    descriptions: dict[str, str] = field(default_factory=dict)  # COMMENT ON COLUMN, by column


Catalog = dict[str, TableShape]  # by table name, within one schema


def expected(project: Project, engine: Engine) -> Catalog:
    """The spec's tables as a fresh setup creates them on `engine`."""
    return {
        name: TableShape(
            {c: _shape(col, engine) for c, col in table.columns.items()},
            tuple(table.key) if engine.indexes else None,
            table.description or None,
            {c: col.description for c, col in table.columns.items() if col.description},
        )
        for name, table in project.spec.tables.items()
    }


def expected_ledger(engine: Engine) -> Catalog:
    """The ledger's tables as setup creates them."""
    return {
        name: TableShape({c: _shape(col, engine) for c, col in cols.items()}) for name, cols in ledger.TABLES.items()
    }


def _shape(column: Column, engine: Engine) -> ColumnShape:
    return ColumnShape(engine.column_type(column.datatype).sql(dialect=engine.name), column.nullable)


def read(target: Target, schema: str) -> Catalog:
    """The tables of a schema as the engine's catalog describes them (types in the engine's own terms)."""
    engine = target.engine
    keys = engine.key_query(schema)
    return from_rows(
        engine,
        target.fetch(engine.catalog_query(schema))[1],
        target.fetch(keys)[1] if keys else [],
        target.fetch(engine.comment_query(schema))[1],
    )


def from_rows(engine: Engine, rows: list[tuple], key_rows: list[tuple], comments: list[tuple] = ()) -> Catalog:
    """A catalog from the rows of `Engine.catalog_query`, `Engine.key_query` and `Engine.comment_query` (an empty
    comment is none)."""
    found: Catalog = {}
    for table, name, type_text, nullable, _ in sorted(rows, key=lambda row: (row[0], int(row[4]))):
        shape = ColumnShape(engine.catalog_type(type_text), bool(nullable))
        found.setdefault(table, TableShape()).columns[name] = shape
    for table, columns in _grouped(key_rows).items():
        if table in found:
            found[table].key = tuple(columns)
    for table, column_name, text in comments:
        if table not in found or not text:
            continue
        if column_name is None:
            found[table].description = text
        else:
            found[table].descriptions[column_name] = text
    return found


def _grouped(rows: list[tuple]) -> dict[str, list[str]]:
    """(table, column, position) rows → each table's columns in position order."""
    grouped: dict[str, list[tuple[int, str]]] = {}
    for table, column, position in rows:
        grouped.setdefault(table, []).append((int(position), column))
    return {table: [c for _, c in sorted(columns)] for table, columns in grouped.items()}
