"""The ledger: tables in the warehouse that record what each run did, and which objects were loaded."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlglot import exp

from warehouse.sources.objects import SourceObject
from warehouse.spec import Column
from warehouse.sql.ddl import create_schema, create_table
from warehouse.sql.names import Layout, column, columns, ident
from warehouse.sql.statement import Statement


def _cols(**types: str) -> dict[str, Column]:
    return {name: Column(type=t.rstrip("!"), nullable=not t.endswith("!")) for name, t in types.items()}


TABLES: dict[str, dict[str, Column]] = {
    # One row per step of a run: what it loaded and how it ended.
    "steps": _cols(
        spec="varchar(128)!",
        interval_start="timestamp!",
        interval_end="timestamp!",
        step="varchar(128)!",
        table_name="varchar(128)",
        status="varchar(16)!",
        staged="bigint",
        inserted="bigint",
        updated="bigint",
        deleted="bigint",
        rejected="bigint",
        checks_passed="int",
        checks_failed="int",
        message="varchar(4096)",
        started_at="timestamp!",
        finished_at="timestamp!",
        run_id="varchar(256)",
    ),
    # Objects of prefix sources, per table that reads them: 'staged' by a run, 'loaded' once that run finished.
    "objects": _cols(
        spec="varchar(128)!",
        source="varchar(128)!",
        table_name="varchar(128)!",
        url="varchar(1024)!",
        version="varchar(128)!",
        interval_key="varchar(32)!",
        status="varchar(16)!",
        recorded_at="timestamp!",
    ),
    # Every check of every run, passed or not, with a few offending rows.
    "checks": _cols(
        spec="varchar(128)!",
        interval_start="timestamp!",
        interval_end="timestamp!",
        table_name="varchar(128)!",
        check_name="varchar(512)!",
        severity="varchar(8)!",
        status="varchar(8)!",
        failures="bigint!",
        sample="varchar(4096)",
        checked_at="timestamp!",
        run_id="varchar(256)",
    ),
    # Rows set aside by sources with on_bad_rows: reject (the latest load of each interval).
    "rejects": _cols(
        spec="varchar(128)!",
        interval_start="timestamp!",
        interval_end="timestamp!",
        source="varchar(128)!",
        url="varchar(1024)!",
        line="bigint",
        reason="varchar(1024)!",
        raw="varchar(4096)",
        recorded_at="timestamp!",
        run_id="varchar(256)",
    ),
}


def literal(value: Any) -> exp.Expression:
    """A Python value as a SQL literal built by sqlglot."""
    if value is None:
        return exp.null()
    if isinstance(value, bool):
        return exp.true() if value else exp.false()
    if isinstance(value, int | float):
        return exp.Literal.number(value)
    if isinstance(value, datetime):
        return exp.cast(exp.Literal.string(value.isoformat(sep=" ")), exp.DataType.build("timestamp"))
    if isinstance(value, date):
        return exp.cast(exp.Literal.string(value.isoformat()), exp.DataType.build("date"))
    return exp.Literal.string(str(value))


def insert_rows(table: exp.Table, names: list[str], rows: list[tuple]) -> exp.Insert:
    values = exp.values([exp.Tuple(expressions=[literal(v) for v in row]) for row in rows])
    return exp.Insert(this=exp.Schema(this=table.copy(), expressions=[ident(n) for n in names]), expression=values)


def _is(name: str, value: Any) -> exp.Expression:
    return column(name).eq(literal(value))


def ensure(layout: Layout, dialect: str) -> list[Statement]:
    statements = [Statement(create_schema(layout.ledger_schema))]
    for name, cols in TABLES.items():
        statements.append(Statement(create_table(name, cols, dialect, schema=layout.ledger_schema)))
    return statements


def _inserts(layout: Layout, name: str, rows: list[dict[str, Any]], chunk: int = 1000) -> list[Statement]:
    """INSERTs of rows (dicts by column; missing columns are NULL) into a ledger table, `chunk` at a time;
    none for no rows."""
    names = list(TABLES[name])
    values = [tuple(row.get(n) for n in names) for row in rows]
    return [
        Statement(insert_rows(layout.ledger(name), names, values[start : start + chunk]))
        for start in range(0, len(values), chunk)
    ]


def record_step(layout: Layout, values: dict[str, Any]) -> Statement:
    (statement,) = _inserts(layout, "steps", [values])
    return statement


def loaded_objects(layout: Layout, spec: str, source: str, tables: list[str]) -> exp.Select:
    """Objects of a source that every one of `tables` has loaded (an object new to any of them is staged)."""
    mine = exp.and_(
        _is("spec", spec), _is("source", source), _is("status", "loaded"),
        column("table_name").isin(*(literal(t) for t in tables)),
    )  # fmt: skip
    everyone = exp.Count(this=exp.Distinct(expressions=[column("table_name")])).eq(len(tables))
    return (
        exp.select(*columns(["url", "version"]))
        .from_(layout.ledger("objects"))
        .where(mine)
        .group_by(*columns(["url", "version"]))
        .having(everyone)
    )


def stage_objects(
    layout: Layout, spec: str, source: str, tables: list[str], objects: list[SourceObject], now: datetime
) -> list[Statement]:
    """Replace this interval's 'staged' objects of a source, one row per table that will load them."""
    mine = exp.and_(
        _is("spec", spec), _is("source", source), _is("interval_key", layout.interval_key), _is("status", "staged")
    )
    rows = [
        {"spec": spec, "source": source, "table_name": t, "url": o.url, "version": o.version,
         "interval_key": layout.interval_key, "status": "staged", "recorded_at": now}
        for o in objects
        for t in tables
    ]  # fmt: skip
    return [Statement(exp.delete(layout.ledger("objects"), where=mine)), *_inserts(layout, "objects", rows)]


def mark_loaded(layout: Layout, spec: str) -> Statement:
    """Once an interval finished, the objects it staged count as loaded."""
    mine = exp.and_(_is("spec", spec), _is("interval_key", layout.interval_key), _is("status", "staged"))
    update = exp.update(layout.ledger("objects"), {"status": literal("loaded")}, where=mine)
    return Statement(update, "objects_loaded")


def record_checks(layout: Layout, rows: list[dict[str, Any]]) -> list[Statement]:
    return _inserts(layout, "checks", rows)


def record_rejects(
    layout: Layout, spec: str, source: str, interval: tuple[datetime, datetime], rows: list[dict[str, Any]]
) -> list[Statement]:
    """Replace the interval's rejects of a source (a rerun stages it again)."""
    mine = exp.and_(_is("spec", spec), _is("source", source), _is("interval_start", interval[0]))
    return [Statement(exp.delete(layout.ledger("rejects"), where=mine)), *_inserts(layout, "rejects", rows)]
