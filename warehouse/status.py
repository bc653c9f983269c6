"""What the ledger says: which intervals are loaded, failed or missing, and when each table was last loaded."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlglot import exp

from warehouse.interval import Interval, intervals
from warehouse.ledger import SCHEMA as LEDGER_SCHEMA
from warehouse.ledger import literal
from warehouse.spec import Spec
from warehouse.sql.names import table
from warehouse.targets.base import Target


@dataclass
class IntervalState:
    interval: Interval
    state: str  # loaded | failed | missing
    when: datetime | None = None
    detail: str = ""


@dataclass
class TableState:
    name: str
    last_loaded: datetime | None = None
    latest_interval: Interval | None = None
    inserted: int = 0
    updated: int = 0


@dataclass
class Status:
    intervals: list[IntervalState] = field(default_factory=list)
    tables: list[TableState] = field(default_factory=list)
    rejected: dict[str, int] = field(default_factory=dict)  # per source: rows set aside by the latest stagings


def status(spec: Spec, target: Target, start: datetime | None = None, end: datetime | None = None) -> Status:
    """The state of every interval in [start, end) (default: from the spec's start date to the latest interval
    the ledger knows) and of every table, from the ledger's step records."""
    rows = _steps(spec, target)
    begin = start or datetime.combine(spec.start_date, datetime.min.time())
    finish = end or max((r["interval_end"] for r in rows), default=begin)
    by_interval: dict[Interval, list[dict]] = {}
    for row in rows:
        by_interval.setdefault(Interval(row["interval_start"], row["interval_end"]), []).append(row)
    result = Status()
    for interval in intervals(spec.timetable, begin, finish):
        result.intervals.append(_interval_state(interval, by_interval.get(interval, [])))
    for name in spec.tables:
        loads = [r for r in rows if r["step"] == f"load_{name}" and r["status"] == "success"]
        state = TableState(name)
        if loads:
            last = max(loads, key=lambda r: r["finished_at"])
            state.last_loaded = last["finished_at"]
            state.latest_interval = max(Interval(r["interval_start"], r["interval_end"]) for r in loads)
            state.inserted, state.updated = last["inserted"] or 0, last["updated"] or 0
        result.tables.append(state)
    latest: dict[tuple[str, Interval], dict] = {}
    for row in sorted((r for r in rows if r["step"].startswith("stage_") and r["status"] == "success"),
                      key=lambda r: r["finished_at"]):  # fmt: skip
        latest[(row["table_name"], Interval(row["interval_start"], row["interval_end"]))] = row
    for (source, _), row in latest.items():
        result.rejected[source] = result.rejected.get(source, 0) + (row["rejected"] or 0)
    return result


def _interval_state(interval: Interval, rows: list[dict]) -> IntervalState:
    """Loaded if its last finish succeeded after every failure; failed if a step failed since; else missing."""
    finished = [r for r in rows if r["step"] == "finish" and r["status"] == "success"]
    failed = [r for r in rows if r["status"] == "failed"]
    last_finish = max((r["finished_at"] for r in finished), default=None)
    last_failure = max(failed, key=lambda r: r["finished_at"], default=None)
    if last_failure and (last_finish is None or last_failure["finished_at"] > last_finish):
        message = (last_failure["message"] or "").splitlines()[0] if last_failure["message"] else ""
        return IntervalState(interval, "failed", last_failure["finished_at"], f"{last_failure['step']}: {message}")
    if last_finish:
        return IntervalState(interval, "loaded", last_finish)
    return IntervalState(interval, "missing")


def _steps(spec: Spec, target: Target) -> list[dict]:
    steps = table("steps", LEDGER_SCHEMA)
    if not target.table_exists(steps):
        return []
    names = ["interval_start", "interval_end", "step", "table_name", "status", "inserted", "updated", "rejected",
             "message", "finished_at"]  # fmt: skip
    query = (
        exp.select(*(exp.column(n, quoted=True) for n in names))
        .from_(steps)
        .where(exp.column("spec", quoted=True).eq(literal(spec.name)))
    )
    return [dict(zip(names, row, strict=True)) for row in target.fetch(query)[1]]
