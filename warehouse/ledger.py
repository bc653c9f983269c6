"""The ledger: tables in the warehouse that record what each run did, and which objects were loaded."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlglot import exp

from warehouse.interval import Interval, utc_now
from warehouse.plan import load, stage
from warehouse.results import CheckResult, Reject, StepResult
from warehouse.sources.objects import SourceObject
from warehouse.spec import Column
from warehouse.sql.ddl import create_schema, create_table
from warehouse.sql.names import Layout, column, columns, ident
from warehouse.sql.statement import Statement
from warehouse.sql.types import max_bytes

if TYPE_CHECKING:
    from warehouse.targets.engine import Engine

SCHEMA = "ledger"
ELLIPSIS = "…"  # marks text cut to fit its column


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
        definition="varchar(16)",  # a load step's: the fingerprint of its table's definition (stale when it changes)
        extract_kind="varchar(16)",  # a database source's stage step: its extract was "full" or "changes"
    ),
    # Each table's definition as it was set up or migrated (its `data` shapes the rows: their fingerprint).
    "definitions": _cols(
        spec="varchar(128)!",
        table_name="varchar(128)!",
        fingerprint="varchar(16)!",
        definition="varchar(65535)!",
        recorded_at="timestamp!",
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


# Columns whose value the plan writes into the statement (it knows them when it builds the step), not bound.
WRITTEN: dict[str, tuple[str, ...]] = {"steps": ("extract_kind",)}


def literal(value: Any) -> exp.Expression:
    """A Python value as a SQL literal built by sqlglot."""
    if value is None:
        return exp.null()
    if isinstance(value, bool):
        return exp.true() if value else exp.false()
    if isinstance(value, int | float):
        return exp.Literal.number(value)
    if isinstance(value, datetime):
        return exp.cast(exp.Literal.string(value.isoformat(sep=" ")), exp.DataType.build(exp.DataType.Type.TIMESTAMP))
    if isinstance(value, date):
        return exp.cast(exp.Literal.string(value.isoformat()), exp.DataType.build(exp.DataType.Type.DATE))
    return exp.Literal.string(str(value))


def _is(name: str, value: Any) -> exp.Expression:
    return column(name).eq(literal(value))


def ensure(layout: Layout, engine: Engine, present: dict[str, set[str]]) -> list[Statement]:
    """The ledger's schema and tables; a table that an earlier version created (`present`: its columns, by table)
    gains the columns it lacks (the ledger only ever adds nullable columns)."""
    statements = [Statement(create_schema(layout.ledger_schema))]
    for name, cols in TABLES.items():
        if name not in present:
            statements.append(Statement(create_table(name, cols, engine, schema=layout.ledger_schema)))
            continue
        for missing in (c for c in cols if c not in present[name]):
            added = exp.ColumnDef(this=ident(missing), kind=engine.column_type(cols[missing].datatype))
            statements.append(Statement(exp.Alter(this=layout.ledger(name), kind="TABLE", actions=[added])))
    return statements


def bound_insert(layout: Layout, name: str, binds: str, written: dict[str, Any] | None = None) -> Statement:
    """An INSERT of one row whose values the runner binds by column name (`binds`: which values), but for the
    `written` ones, literals in the statement."""
    names = list(TABLES[name])
    written = written or {}
    values = [literal(written.get(n)) if n in WRITTEN.get(name, ()) else exp.Placeholder(this=n) for n in names]
    into = exp.Schema(this=layout.ledger(name), expressions=[ident(n) for n in names])
    return Statement(exp.Insert(this=into, expression=exp.values([exp.Tuple(expressions=values)])), binds=binds)


def recorded_definitions(layout: Layout, spec: str) -> exp.Select:
    """Every definition recorded for the spec's tables, oldest first."""
    return (
        exp.select(*columns(["table_name", "fingerprint", "definition"]))
        .from_(layout.ledger("definitions"))
        .where(_is("spec", spec))
        .order_by(column("recorded_at"))
    )


def record_definitions(layout: Layout) -> Statement:
    """A row per table whose definition changed since the last one recorded."""
    return bound_insert(layout, "definitions", "definitions")


def record_step(layout: Layout, extract_kind: str | None = None) -> Statement:
    """The step's row: what it did and how it ended (a database source's stage step: which kind of extract)."""
    return bound_insert(layout, "steps", "step", {"extract_kind": extract_kind})


def row(name: str, values: dict[str, Any]) -> dict[str, Any]:
    """The bound values of a row of a ledger table: every column but the ones the statement writes itself, NULL
    where `values` has none, text cut to fit its column in bytes (as Redshift sizes VARCHAR:
    https://docs.aws.amazon.com/redshift/latest/dg/r_Character_types.html), so that a long message in a multibyte
    script never fails the insert."""
    full = {}
    for column_name, column_def in TABLES[name].items():
        if column_name in WRITTEN.get(name, ()):
            continue
        value = values.get(column_name)
        size = max_bytes(column_def.datatype)
        full[column_name] = fit(value, size) if isinstance(value, str) and size is not None else value
    return full


def fit(text: str, size: int) -> str:
    """`text`, or as much of it as fits in `size` bytes of UTF-8 with an ellipsis, never half a character."""
    data = text.encode()
    if len(data) <= size:
        return text
    return data[: size - len(ELLIPSIS.encode())].decode(errors="ignore") + ELLIPSIS


def loaded_source(layout: Layout, spec: str, source: str, tables: list[str]) -> exp.Select:
    """A row when every one of `tables` has loaded a database source before (a successful load of the table in an
    interval whose stage of the source succeeded); none when this is the source's first load into them."""
    staged = (
        exp.select("1")
        .from_(layout.ledger("steps").as_("staged", quoted=True))
        .where(
            exp.and_(
                *(column(c, "staged").eq(column(c, "loaded")) for c in ("spec", "interval_start", "interval_end")),
                column("step", "staged").eq(literal(stage(source))),
                column("status", "staged").eq(literal("success")),
            )
        )
    )
    tables_loaded = exp.Count(this=exp.Distinct(expressions=[column("table_name", "loaded")]))
    return (
        exp.select(tables_loaded.as_("tables", quoted=True))
        .from_(layout.ledger("steps").as_("loaded", quoted=True))
        .where(
            exp.and_(
                column("spec", "loaded").eq(literal(spec)),
                column("step", "loaded").isin(*(literal(load(t)) for t in tables)),
                column("status", "loaded").eq(literal("success")),
                exp.Exists(this=staged),
            )
        )
        .having(tables_loaded.copy().eq(len(tables)))
    )


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


def stage_objects(layout: Layout, spec: str, source: str) -> list[Statement]:
    """Replace this interval's 'staged' objects of a source: a row per object and table that will load it."""
    mine = exp.and_(
        _is("spec", spec), _is("source", source), _is("interval_key", layout.interval_key), _is("status", "staged")
    )
    return [Statement(exp.delete(layout.ledger("objects"), where=mine)), bound_insert(layout, "objects", "objects")]


def object_rows(
    spec: str, source: str, interval_key: str, tables: list[str], objects: list[SourceObject], now: datetime
) -> list[dict[str, Any]]:
    """The rows `stage_objects` inserts."""
    return [
        {"spec": spec, "source": source, "table_name": t, "url": o.url, "version": o.version,
         "interval_key": interval_key, "status": "staged", "recorded_at": now}
        for o in objects
        for t in tables
    ]  # fmt: skip


def mark_loaded(layout: Layout, spec: str) -> Statement:
    """Once an interval finished, the objects it staged count as loaded."""
    mine = exp.and_(_is("spec", spec), _is("interval_key", layout.interval_key), _is("status", "staged"))
    update = exp.update(layout.ledger("objects"), {"status": literal("loaded")}, where=mine)
    return Statement(update, "objects_loaded")


def record_checks(layout: Layout) -> Statement:
    """A row per check of the step."""
    return bound_insert(layout, "checks", "checks")


def record_rejects(layout: Layout, spec: str, source: str, interval_start: datetime) -> list[Statement]:
    """Replace the interval's rejects of a source (a rerun stages it again): a row per reject."""
    mine = exp.and_(_is("spec", spec), _is("source", source), _is("interval_start", interval_start))
    return [Statement(exp.delete(layout.ledger("rejects"), where=mine)), bound_insert(layout, "rejects", "rejects")]


# --- the rows a run writes ----------------------------------------------------------------------------------


def run_key(spec: str, interval: Interval, run_id: str) -> dict[str, Any]:
    """What every row of a run says about the run."""
    return {"spec": spec, "interval_start": interval.start, "interval_end": interval.end, "run_id": run_id or None}


def step_row(key: dict[str, Any], result: StepResult, started: datetime, definition: str | None) -> dict[str, Any]:
    counts = result.counts
    return {
        "definition": definition,
        **key,
        "step": result.step.name,
        "table_name": result.step.subject,
        "status": result.status,
        **{k: counts.get(k) for k in ("staged", "inserted", "updated", "deleted", "rejected")},
        "checks_passed": sum(c.passed for c in result.checks),
        "checks_failed": sum(not c.passed for c in result.checks),
        "message": result.message or "\n".join(result.warnings) or None,
        "started_at": started,
        "finished_at": utc_now(),
    }


def check_row(key: dict[str, Any], check: CheckResult, redact: Callable[[str], str]) -> dict[str, Any]:
    return {
        **key,
        "table_name": check.table,
        "check_name": check.name,
        "severity": check.severity,
        "status": check.outcome,
        "failures": check.failures,
        "sample": None if check.outcome == "passed" else redact(check.describe()),
        "checked_at": utc_now(),
    }


def definition_row(spec: str, table: str, definition: dict[str, Any]) -> dict[str, Any]:
    return {
        "spec": spec,
        "table_name": table,
        "fingerprint": definition["fingerprint"],
        "definition": json.dumps(definition, sort_keys=True),
        "recorded_at": utc_now(),
    }


def reject_row(key: dict[str, Any], source: str, reject: Reject, redact: Callable[[str], str]) -> dict[str, Any]:
    return {
        **key,
        "source": source,
        "url": reject.url,
        "line": reject.line,
        "reason": redact(reject.reason),
        "raw": reject.raw or None,
        "recorded_at": utc_now(),
    }
