"""What the ledger says: which intervals are loaded, stale, failed or missing, when each table was last loaded, and
which staging tables runs left behind."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime

from sqlglot import exp

from warehouse.catalog import read
from warehouse.compile import Project
from warehouse.interval import Interval, intervals
from warehouse.ledger import SCHEMA as LEDGER_SCHEMA
from warehouse.ledger import literal, recorded_definitions
from warehouse.spec import Spec
from warehouse.sql.names import Layout, table
from warehouse.targets.base import Target


@dataclass
class IntervalState:
    interval: Interval
    state: str  # loaded | stale | failed | missing
    when: datetime | None = None
    detail: str = ""
    stale: dict[str, str] = field(default_factory=dict)  # table → why its rows of the interval are out of date


@dataclass
class TableState:
    name: str
    last_loaded: datetime | None = None
    latest_interval: Interval | None = None
    inserted: int = 0
    updated: int = 0


@dataclass
class StagingTable:
    """A staging table in the warehouse, and what the ledger says of its interval: `failed` or `loaded` (the
    interval's last step failed, or finished: its tables are left behind), `running` (its last step succeeded
    and more are to come), or `no record` (staged by a step that never recorded its end)."""

    name: str
    source: str
    interval_start: datetime
    state: str

    @property
    def orphaned(self) -> bool:
        return self.state != "running"


@dataclass
class Status:
    intervals: list[IntervalState] = field(default_factory=list)
    tables: list[TableState] = field(default_factory=list)
    rejected: dict[str, int] = field(default_factory=dict)  # per source: rows set aside by the latest stagings
    staging: list[StagingTable] = field(default_factory=list)  # the spec's staging tables in the warehouse

    @property
    def orphans(self) -> list[StagingTable]:
        """Staging tables no run will use or drop: what `warehouse clean` drops."""
        return [t for t in self.staging if t.orphaned]


def status(project: Project, target: Target, start: datetime | None = None, end: datetime | None = None) -> Status:
    """The state of every interval in [start, end) (default: from the spec's start date to the latest interval
    the ledger knows) and of every table, from the ledger's step records. A loaded interval is stale when a table
    was last loaded in it under another definition than the spec's (or not at all)."""
    spec = project.spec
    rows = _counted(_steps(spec, target))
    history = _definitions(spec, target)
    begin = start or datetime.combine(spec.start_date, datetime.min.time())
    finish = end or max((r["interval_end"] for r in rows), default=begin)
    by_interval: dict[Interval, list[dict]] = {}
    for row in rows:
        by_interval.setdefault(Interval(row["interval_start"], row["interval_end"]), []).append(row)
    result = Status()
    for interval in intervals(spec.timetable, begin, finish):
        state = _interval_state(interval, by_interval.get(interval, []))
        if state.state == "loaded":
            state.stale = _stale(project, by_interval.get(interval, []), history)
            if state.stale:
                state.state, state.detail = "stale", "; ".join(state.stale.values())
        result.intervals.append(state)
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
    result.staging = staging_tables(spec, target, rows)
    return result


def staging_tables(spec: Spec, target: Target, rows: list[dict]) -> list[StagingTable]:
    """The spec's staging tables (`<source>_<interval key>`) in its staging schema, each with its interval's state
    by its last step recorded."""
    query = (
        exp.select(exp.column("table_name"))
        .from_(exp.table_("tables", db="information_schema"))
        .where(exp.column("table_schema").eq(exp.Literal.string(spec.staging_schema)))
    )
    pattern = re.compile(rf"^({'|'.join(map(re.escape, spec.sources))})_(\d{{8}})(t\d{{4}})?$")
    found = []
    for (name,) in sorted(target.fetch(query)[1]) if spec.sources else []:
        match = pattern.match(name)
        if not match:
            continue
        start = datetime.strptime(match[2] + (match[3] or "t0000"), "%Y%m%dt%H%M")
        last = max((r for r in rows if r["interval_start"] == start), key=lambda r: r["finished_at"], default=None)
        if last is None:
            state = "no record"
        elif last["status"] == "failed":
            state = "failed"
        else:
            state = "loaded" if last["step"] == "finish" else "running"
        found.append(StagingTable(name, match[1], start, state))
    return found


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


def _stale(project: Project, rows: list[dict], history: dict[str, list[tuple[str, dict]]]) -> dict[str, str]:
    """The tables whose rows of an interval were loaded under another definition, with what changed since."""
    stale = {}
    for name in project.spec.tables:
        current = project.definition(name)
        loads = [r for r in rows if r["step"] == f"load_{name}" and r["status"] == "success"]
        if not loads:
            stale[name] = f"{name} was not loaded in this interval"
            continue
        fingerprint = max(loads, key=lambda r: r["finished_at"]).get("definition")
        recorded = history.get(name, [])
        if fingerprint is None:  # loaded before definitions were recorded: under the first one recorded
            fingerprint = recorded[0][0] if recorded else current["fingerprint"]
        if fingerprint != current["fingerprint"]:
            old = next((d for f, d in recorded if f == fingerprint), None)
            stale[name] = f"{name}: " + (
                "; ".join(definition_changes(old["data"], current["data"])) if old else "an older definition"
            )
    return stale


def definition_changes(old: dict, new: dict) -> list[str]:
    """What changed between two recorded definitions (their `data`), in words."""
    said = []
    before, after = old["columns"], new["columns"]
    said += [f"column {c} added" for c in after if c not in before]
    said += [f"column {c} dropped" for c in before if c not in after]
    said += [f"column {c}: {before[c]['type']} → {after[c]['type']}" for c in after if c in before
             and before[c]["type"] != after[c]["type"]]  # fmt: skip
    said += [f"{part} {old[part]} → {new[part]}" for part in ("key", "load", "latest_by", "time_column")
             if old.get(part) != new.get(part)]  # fmt: skip
    if old["select"] != new["select"]:
        said.append("its SELECT changed")
    return said or ["its definition changed"]


def _steps(spec: Spec, target: Target) -> list[dict]:
    steps = table("steps", LEDGER_SCHEMA)
    if not target.table_exists(steps):
        return []
    names = ["interval_start", "interval_end", "step", "table_name", "status", "inserted", "updated", "rejected",
             "message", "finished_at", "run_id"]  # fmt: skip
    if "definition" in read(target, LEDGER_SCHEMA)["steps"].columns:  # a ledger set up by an earlier version lacks it
        names.append("definition")
    query = (
        exp.select(*(exp.column(n, quoted=True) for n in names))
        .from_(steps)
        .where(exp.column("spec", quoted=True).eq(literal(spec.name)))
    )
    return [dict(zip(names, row, strict=True)) for row in target.fetch(query)[1]]


def _counted(rows: list[dict]) -> list[dict]:
    """The step records that count: a rebuild's loads only once the swap that ends it is recorded."""
    swapped = {r["run_id"] for r in rows if r["step"].startswith("rebuild_") and r["status"] == "success"}
    return [r for r in rows if not (r["run_id"] or "").startswith("rebuild-") or r["run_id"] in swapped]


def _definitions(spec: Spec, target: Target) -> dict[str, list[tuple[str, dict]]]:
    """Every definition recorded for each table, oldest first: (fingerprint, definition)."""
    if not target.table_exists(table("definitions", LEDGER_SCHEMA)):
        return {}
    layout = Layout(None, spec.staging_schema, LEDGER_SCHEMA, "")
    history: dict[str, list[tuple[str, dict]]] = {}
    for name, fingerprint, text in target.fetch(recorded_definitions(layout, spec.name))[1]:
        history.setdefault(name, []).append((fingerprint, json.loads(text)))
    return history
