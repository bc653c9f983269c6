"""What a target says of each table: its row count, and from the ledger its latest loaded interval, the intervals
whose load or checks still fail, and the latest result of each check (see warehouse/status.py and ledger.py)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlglot import exp

Fetch = Callable[[exp.Expression], tuple[list[str], list[tuple]]]
STEPS, CHECKS = "steps", "checks"  # ledger tables (warehouse/ledger.py)


@dataclass(frozen=True, order=True)
class Span:
    start: datetime
    end: datetime

    def __str__(self) -> str:
        return f"{self.start:%Y-%m-%d %H:%M} to {self.end:%Y-%m-%d %H:%M}"


@dataclass(frozen=True)
class Failure:
    interval: Span
    step: str
    message: str
    when: datetime


@dataclass(frozen=True)
class CheckRun:
    name: str
    severity: str
    status: str  # passed | warned | failed | skipped
    failures: int
    sample: str
    interval: Span
    when: datetime


@dataclass
class TableState:
    rows: int | None = None  # None: the table does not exist yet
    latest_interval: Span | None = None
    last_loaded: datetime | None = None
    failed: list[Failure] = field(default_factory=list)
    checks: dict[str, CheckRun] = field(default_factory=dict)  # by check name, the latest run of each


@dataclass
class TargetState:
    where: str  # the target's URL without its password
    read_at: datetime  # UTC, as the ledger's times
    tables: dict[str, TableState]


def read_state(
    spec: str,
    tables: list[str],
    schema: str | None,
    ledger_schema: str,
    fetch: Fetch,
    table_exists: Callable[[exp.Table], bool],
    where: str,
) -> TargetState:
    """Each table's state in a target: `fetch` runs a query and returns (column names, rows)."""
    states = {name: TableState() for name in tables}
    for name, state in states.items():
        if table_exists(_table(name, schema)):
            state.rows = int(fetch(exp.select(exp.Count(this=exp.Star())).from_(_table(name, schema)))[1][0][0])
    steps, checks = _table(STEPS, ledger_schema), _table(CHECKS, ledger_schema)
    if table_exists(steps):
        _read_steps(states, _rows(fetch, _steps_query(spec, tables, steps)))
    if table_exists(checks):
        for row in _rows(fetch, _latest_checks_query(spec, tables, checks)):
            run = CheckRun(
                row["check_name"], row["severity"], row["status"], int(row["failures"]), row["sample"] or "",
                Span(row["interval_start"], row["interval_end"]), row["checked_at"],
            )  # fmt: skip
            known = states[row["table_name"]].checks.get(run.name)
            if known is None or (run.when, run.interval) > (known.when, known.interval):
                states[row["table_name"]].checks[run.name] = run
    return TargetState(where, datetime.now(UTC), states)


def _steps_of(table: str) -> tuple[str, str]:
    """The ledger's step names of a table's load and checks (as warehouse/plan.py names them)."""
    return f"load_{table}", f"check_{table}"


def _read_steps(states: dict[str, TableState], rows: list[dict]) -> None:
    latest: dict[tuple[str, str, Span], dict] = {}
    for row in sorted(rows, key=lambda r: r["finished_at"]):
        table = row["table_name"]
        if row["step"] not in _steps_of(table):
            continue
        span = Span(row["interval_start"], row["interval_end"])
        latest[(table, row["step"], span)] = row
        state = states[table]
        if row["step"] == _steps_of(table)[0] and row["status"] == "success":
            state.latest_interval = span if state.latest_interval is None else max(state.latest_interval, span)
            state.last_loaded = row["finished_at"]
    for (table, step, span), row in sorted(latest.items(), key=lambda item: item[0][2]):
        if row["status"] == "failed":
            message = (row["message"] or "").strip().splitlines()
            states[table].failed.append(Failure(span, step, message[0] if message else "", row["finished_at"]))


def _steps_query(spec: str, tables: list[str], steps: exp.Table) -> exp.Select:
    names = ["interval_start", "interval_end", "step", "table_name", "status", "message", "finished_at"]
    return (
        exp.select(*(_column(n) for n in names))
        .from_(steps)
        .where(_column("spec").eq(exp.Literal.string(spec)))
        .where(_column("table_name").isin(*(exp.Literal.string(t) for t in tables)))
    )


def _latest_checks_query(spec: str, tables: list[str], checks: exp.Table) -> exp.Select:
    """Each check's rows at its latest `checked_at`."""
    mine = exp.and_(
        _column("spec").eq(exp.Literal.string(spec)),
        _column("table_name").isin(*(exp.Literal.string(t) for t in tables)),
    )
    by = [_column("table_name"), _column("check_name")]
    latest = (
        exp.select(*by, exp.Max(this=_column("checked_at")).as_("latest", quoted=True))
        .from_(checks.copy())
        .where(mine)
        .group_by(*by)
        .subquery(exp.to_identifier("latest", quoted=True))
    )
    match = exp.and_(
        *(_column(n, "c").eq(_column(n, "latest")) for n in ("table_name", "check_name")),
        _column("checked_at", "c").eq(_column("latest", "latest")),
    )
    names = ["table_name", "check_name", "severity", "status", "failures", "sample", "interval_start", "interval_end",
             "checked_at"]  # fmt: skip
    return (
        exp.select(*(_column(n, "c") for n in names))
        .from_(checks.copy().as_("c", quoted=True))
        .join(latest, on=match)
        .where(_column("spec", "c").eq(exp.Literal.string(spec)))
    )


def _rows(fetch: Fetch, query: exp.Select) -> list[dict]:
    names, rows = fetch(query)
    return [dict(zip(names, row, strict=True)) for row in rows]


def _table(name: str, schema: str | None) -> exp.Table:
    return exp.Table(
        this=exp.to_identifier(name, quoted=True), db=exp.to_identifier(schema, quoted=True) if schema else None
    )


def _column(name: str, owner: str | None = None) -> exp.Column:
    return exp.column(name, table=owner, quoted=True)
