"""Running a plan: one step of one interval against a target (what an Airflow task does), and whole ranges of
intervals in order (what `warehouse run` does). The runner only executes the statements `steps` builds, reads
back what they report, and binds the ledger's values."""

from __future__ import annotations

import copy
import json
import logging
import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from sqlglot import exp

from warehouse import catalog, claims, ledger, unrecorded
from warehouse.compile import Project
from warehouse.interval import Interval, intervals, utc_now
from warehouse.migrate import Change
from warehouse.plan import Layer, Step
from warehouse.results import (
    BadInput,
    Busy,
    CheckResult,
    ChecksFailed,
    DataError,
    LockHeld,
    Reject,
    StepFailed,
    StepResult,
)
from warehouse.sources.batch import Batch
from warehouse.sources.objects import store_for
from warehouse.sources.resolve import diagnosed, resolved, without
from warehouse.sql.statement import ROW, Action, Statement, Upload
from warehouse.steps import IntervalPlan, Options, SchemaDrift, StepSQL, Warehouse, failed, present, session_tables
from warehouse.targets.base import Target

log = logging.getLogger("warehouse.runner")


@dataclass(frozen=True)
class Retry:
    """How a transaction that lost a conflict with a concurrent one (Redshift's error 1023) is run again: at most
    `attempts` times in all, waiting about `first_wait` seconds, then twice as long each time (at most `max_wait`,
    less a random part, so that the transactions that collided do not meet again)."""

    attempts: int = 5
    first_wait: float = 2.0
    max_wait: float = 60.0
    sleep: Callable[[float], None] = time.sleep

    def wait(self, attempt: int) -> float:
        """Seconds to wait after failed attempt number `attempt` (1-based)."""
        return min(self.max_wait, self.first_wait * 2 ** (attempt - 1)) * random.uniform(0.5, 1.0)


@dataclass
class Execution:
    """What a step's statements reported: counts, kept rows, the flags that enable conditional statements."""

    counts: dict[str, int] = field(default_factory=dict)
    rows: dict[str, tuple[list[str], list[tuple]]] = field(default_factory=dict)  # by name, in order
    flags: set[str] = field(default_factory=set)


class StepRunner:
    """Runs the steps of one interval against one target. Each step commits its changes and its ledger row
    together, or rolls both back and records the failure."""

    def __init__(
        self,
        project: Project,
        interval: Interval,
        target: Target,
        options: Options | None = None,
        retry: Retry | None = None,
    ):
        self.plan = IntervalPlan(project, interval, target.engine, options)
        self.project, self.spec, self.interval, self.target = project, project.spec, interval, target
        self.options = self.plan.options
        self.steps = self.plan.steps
        self.retry = retry or Retry()
        self.found = Warehouse()  # what setup found in the warehouse

    def run_step(self, step: Step) -> StepResult:
        result = StepResult(step, self.interval)
        started, clock = utc_now(), time.perf_counter()
        if step.layer != Layer.SETUP:
            self._record_unrecorded()
        try:
            if step.layer == Layer.STAGE:
                self._stage(result, started)
            elif step.layer == Layer.SETUP:
                with self.target.locked([claims.SETUP]):  # one setup at a time: CREATE ... IF NOT EXISTS races
                    try:
                        built = self.plan.build(step, warehouse=self._warehouse())
                    except SchemaDrift as drift:
                        raise SchemaDrift(str(drift).replace("TARGET", self.target.description)) from None
                    self._run(result, built, started)
            else:
                self._run(result, self.plan.build(step), started)
        except Busy:
            raise
        except Exception as error:
            result.status, result.message = "failed", self.target.redact(_message(error))
            result.seconds = time.perf_counter() - clock
            self._record_failure(result, started)
            raise StepFailed(result) from error
        result.seconds = time.perf_counter() - clock
        return result

    def _warehouse(self) -> Warehouse:
        """What setup reads first: the catalogs and the recorded definitions."""
        self.found = found_in(self.target, self.plan)
        return self.found

    def migrate(self, allowed: frozenset[str]) -> list[Change]:
        """Apply the differences between the warehouse and the spec whose severity is `allowed` (SchemaDrift if
        there are others), and record the definitions; return every difference found."""
        with self.target.locked([claims.SETUP]):
            built = self.plan.setup(self._warehouse(), allowed)
            self._run(StepResult(Step(Layer.SETUP), self.interval), built, utc_now())
        return self.plan.changes(self.found)

    @contextmanager
    def claimed(self, steps: list[Step]) -> Iterator[None]:
        """Hold these steps of the interval for this run (PostgreSQL: a session lock per step): another run that
        holds one of them (another `warehouse run`, an Airflow task of another run) is refused with Busy, naming
        it, before anything is done."""
        try:
            with self.target.locked(claims.step_locks(self.spec.name, self.interval, steps), wait=False):
                yield
        except LockHeld as held:
            raise Busy(
                f"interval {self.interval} of {self.spec.name} is being loaded by another run ({held}): nothing "
                "was done; run it again once that run ends"
            ) from None

    def _stage(self, result: StepResult, started: datetime) -> None:
        """Find the source's batch, then stage it; when the engine refuses rows, find them: fail naming them, or
        stage again without them (on_bad_rows: reject)."""
        name = result.step.subject
        source = self.spec.sources[name]
        loaded = None
        for read in self.plan.reads(result.step):
            loaded = set(self.target.fetch(read)[1])
        where = self.plan.where
        with resolved(name, source, where, reads_files=self.target.engine.reads_files, loaded=loaded) as batch:
            result.counts.update(batch.counts, objects=len(batch.objects))
            result.warnings += batch.warnings
            try:
                self._run(result, self.plan.build(result.step, batch), started, batch)
            except DataError as refused:
                rejects = self.target.refused_rows() or diagnosed(batch)
                if not rejects:
                    raise
                if source.on_bad_rows == "fail":
                    raise BadInput(name, rejects) from refused
                records = sum(r.records for r in rejects)
                result.warnings.append(f"{records} bad record(s) set aside in {ledger.SCHEMA}.rejects")
                cleaned = without(batch, rejects, where.scratch(name))
                self._run(result, self.plan.build(result.step, cleaned), started, cleaned)

    def _run(self, result: StepResult, built: StepSQL, started: datetime, batch: Batch | None = None) -> None:
        """Execute a step's actions: the statements that cannot run in a transaction block first (setup's), then
        what it prepares in one transaction, then its lock, changes and ledger row in another; before its ledger
        row, read what its statements reported."""
        done = Execution()
        for action in built.publish:
            if isinstance(action, Statement) and action.alone:
                self.target.execute_alone(action)
        if built.prepare:
            self._transaction(result, built, built.prepare, done, started, batch)
        try:
            self._transaction(result, built, built.publish, done, started, batch)
        except Exception:
            self._discard(built)
            raise

    def _discard(self, built: StepSQL) -> None:
        """After a failed publish, drop the session tables its prepare committed (the publish drops them when it
        commits), so that the step can run again in this session."""
        session = session_tables(built.prepare)
        drops = [
            a for a in built.publish
            if isinstance(a, Statement) and isinstance(a.sql, exp.Drop)
            and all(t.name in session for t in a.sql.find_all(exp.Table))
        ]  # fmt: skip
        if not drops:
            return
        try:
            with self.target.transaction():
                for drop in drops:
                    self.target.execute(drop)
        except Exception as error:  # the step's own error is what matters; the session ends with the run
            log.warning("%s: could not drop its session tables: %s", built.step.name, self.target.redact(str(error)))

    def _transaction(
        self,
        result: StepResult,
        built: StepSQL,
        actions: list[Action],
        done: Execution,
        started: datetime,
        batch: Batch | None,
    ) -> None:
        """Run actions in one transaction, again (from what was known before it) when it loses a conflict."""

        def attempt() -> None:
            concluded = False
            with self.target.transaction():
                for action in actions:
                    if isinstance(action, Statement) and action.binds and not concluded:  # the ledger's writes
                        self._conclude(result, built, done, batch)
                        concluded = True
                    if isinstance(action, Statement) and action.binds == "step":
                        self.target.execute(action, ledger.row("steps", self._step_row(result, started)))
                    elif not (isinstance(action, Statement) and action.alone):
                        self._execute(action, result, done, batch)

        before = (copy.deepcopy(done), copy.deepcopy(result))

        def undo() -> None:
            saved_done, saved_result = copy.deepcopy(before)
            done.__dict__.update(saved_done.__dict__)
            result.__dict__.update(saved_result.__dict__)

        self._retried(result.step.name, attempt, undo)

    def _retried(self, what: str, attempt: Callable[[], None], undo: Callable[[], None]) -> None:
        """Run `attempt` (one transaction); when the target says it lost a conflict with a concurrent transaction,
        undo what it did to the step's state, log, wait and run it again, `retry.attempts` times at most."""
        for number in range(1, self.retry.attempts + 1):
            try:
                attempt()
                return
            except Exception as error:
                if number == self.retry.attempts or not self.target.conflict(error):
                    raise
                undo()
                wait = self.retry.wait(number)
                log.warning(
                    "%s %s: its transaction conflicted with a concurrent one (%s); running it again in %.1f s "
                    "(attempt %d of %d)",
                    what, self.interval, self.target.redact(str(error)), wait, number + 1, self.retry.attempts,
                )  # fmt: skip
                self.retry.sleep(wait)

    def _execute(self, action: Action, result: StepResult, done: Execution, batch: Batch | None) -> None:
        if isinstance(action, Upload):
            store_for(action.url, self.options.s3_client).write(action.url, action.content)
            return
        if not done.flags.issuperset(action.when) or action.unless in done.flags:
            return
        if action.binds:
            rows = self._bound(action, result, batch)
            self.target.execute_many(action, [ledger.row(table, row) for table, row in rows])
        elif action.rows or action.counts == ROW:
            names, rows = self.target.fetch(action)
            if action.rows:
                kept = done.rows.setdefault(action.rows, (names, []))[1]
                kept += rows
                done.flags |= FLAGS.get(action.rows, lambda rows: set())(rows)
            elif rows:
                done.counts.update({n: int(v or 0) for n, v in zip(names, rows[0], strict=True)})
        elif action.counts:
            done.counts[action.counts] = done.counts.get(action.counts, 0) + self.target.execute(action)
        else:
            self.target.execute(action)

    def _bound(self, action: Statement, result: StepResult, batch: Batch | None) -> list[tuple[str, dict[str, Any]]]:
        """The rows a bound statement inserts: the step's checks, rejects or staged objects."""
        if action.binds == "checks":
            return [("checks", self._check_row(c)) for c in result.checks]
        if action.binds == "rejects":
            return [("rejects", self._reject_row(result.step.subject, r)) for r in result.rejects]
        if action.binds == "definitions":
            now = {t: self.project.definition(t) for t in self.spec.tables}
            changed = [t for t, d in now.items() if self.found.recorded.get(t) != d]
            return [("definitions", ledger.definition_row(self.spec.name, t, now[t])) for t in changed]
        if action.binds == "objects" and batch is not None:
            source, consumers = result.step.subject, self.plan.consumers(result.step.subject)
            rows = ledger.object_rows(self.spec.name, source, self.interval.key, consumers, batch.objects, utc_now())
            return [("objects", row) for row in rows]
        raise ValueError(f"unknown values {action.binds!r}")

    def _conclude(self, result: StepResult, built: StepSQL, done: Execution, batch: Batch | None) -> None:
        """Read what the step's statements reported into its result; refuse the step if it went wrong."""
        result.counts.update(done.counts)
        CONCLUDE[result.step.layer](self, result, built, done, batch)

    def _staged(self, result: StepResult, built: StepSQL, done: Execution, batch: Batch | None) -> None:
        """The rows the engine set aside while staging (Redshift's COPY reports them): the step fails naming them,
        or records them (on_bad_rows: reject)."""
        assert batch is not None
        found = [Reject.of(row) for row in done.rows.get("rejects", ([], []))[1]]
        if found and batch.staged_as.on_bad_rows == "fail":
            raise BadInput(result.step.subject, found)
        result.rejects = [*batch.excluded, *found]
        result.counts.setdefault("staged", 0)
        result.counts["rejected"] = sum(r.records for r in result.rejects)
        outside = result.counts.get("outside_interval", 0)
        if outside:
            where = ", ".join(batch.urls)
            result.warnings.append(f"{outside} row(s) of {where} fall outside {self.interval}: no table loads them")

    def _merged(self, result: StepResult, built: StepSQL, done: Execution, batch: Batch | None) -> None:
        """A table that holds fewer of the batch's rows after the MERGE than the batch has lost rows: roll back
        rather than publish (counted from the batch table: not every driver reports MERGE's count)."""
        counts = result.counts
        merged = counts.pop("merged", None)
        expected = counts.get("inserted", 0) + counts.get("updated", 0)
        if merged is not None and merged != expected:
            raise RuntimeError(f"the table holds {merged} row(s) of a merged batch of {expected}: rolled back")

    def _fact_counts(self, result: StepResult, built: StepSQL, done: Execution, batch: Batch | None) -> None:
        """Say what the SELECT yielded that was not inserted: rows outside the interval, duplicates of a key (a fact
        merged by key reports as a dimension does)."""
        if "merged" in result.counts:
            return self._merged(result, built, done, batch)
        counts = result.counts
        selected, in_interval = counts.pop("selected", 0), counts.pop("in_interval", 0)
        outside, duplicates = selected - in_interval, in_interval - counts.get("inserted", 0)
        if outside:
            counts["outside_interval"] = outside
            result.warnings.append(f"{outside} row(s) fall outside {self.interval} and were not loaded")
        if duplicates:
            counts["duplicates"] = duplicates
            result.warnings.append(f"{duplicates} row(s) repeat the key of another row of the interval: merged")

    def _checked(self, result: StepResult, built: StepSQL, done: Execution, batch: Batch | None) -> None:
        """Each check's outcome; a failed check of severity `error` fails the step (its evidence is recorded)."""
        failures = {int(i): int(n) for i, n in done.rows.get("failures", ([], []))[1]}
        for check in built.checks:
            gone = check.staging is not None and present(check.staging.name) not in done.flags
            names, sample = done.rows.get(f"sample {check.index}", ([], []))
            outcome = CheckResult(result.step.subject, check.label, check.severity, failures.get(check.index, 0))
            outcome.columns, outcome.sample = names, sample
            if gone:
                outcome.skipped = (
                    f"the staged rows of {check.staging.name} were dropped when the interval finished "
                    f"(rerun the stage step)"
                )
            result.checks.append(outcome)
        failing = [c for c in result.checks if not c.passed]
        result.warnings += [c.describe() for c in failing if c.severity == "warn" or c.skipped]
        errors = [c for c in failing if c.outcome == "failed"]
        if errors:
            raise ChecksFailed("\n".join(c.describe() for c in errors))

    def _nothing(self, result: StepResult, built: StepSQL, done: Execution, batch: Batch | None) -> None:
        """Setup and finish report no more than their counts."""

    def _record_failure(self, result: StepResult, started: datetime) -> None:
        """The failed step's ledger row, and its checks' rows (the evidence of a failed check). A failure to record
        it (the connection lost) is logged and the rows kept in a local file that the next step records
        (warehouse/unrecorded.py): the step's own error is what the caller raises."""
        if result.step.layer == Layer.SETUP:
            return  # the ledger may not exist yet
        checks = [ledger.row("checks", self._check_row(c)) for c in result.checks]
        step = ledger.row("steps", self._step_row(result, started))
        try:
            self._insert_failure(result.step.name, step, checks)
        except Exception as error:
            kept = unrecorded.save(self.spec.name, self.target.description, step, checks)
            log.error(
                "%s %s failed (%s), and recording that in %s.steps failed too: %s; kept in %s, which the next run "
                "against this warehouse records",
                result.step.name, self.interval, result.message.splitlines()[0] if result.message else "",
                ledger.SCHEMA, self.target.redact(_message(error)), kept,
            )  # fmt: skip

    def _insert_failure(self, name: str, step: dict[str, Any], checks: list[dict[str, Any]]) -> None:
        def attempt() -> None:
            with self.target.transaction():
                for action in self.plan.failure(with_checks=bool(checks)):
                    if action.binds == "checks":
                        self.target.execute_many(action, checks)
                    elif action.binds == "step":
                        self.target.execute(action, step)
                    else:
                        self.target.execute(action)

        self._retried(name, attempt, lambda: None)

    def _record_unrecorded(self) -> None:
        """Record the failures an earlier run could not (warehouse/unrecorded.py), oldest first; those that still
        cannot be recorded stay kept."""
        for path in unrecorded.pending(self.spec.name, self.target.description):
            step, checks = unrecorded.read(path)
            try:
                self._insert_failure(step["step"], step, checks)
            except Exception as error:
                log.warning("a failure kept in %s is not recorded yet: %s", path, self.target.redact(_message(error)))
                return
            path.unlink()
            log.warning("recorded in %s.steps the failure of %s kept in %s", ledger.SCHEMA, step["step"], path)

    def _run_key(self) -> dict[str, Any]:
        return ledger.run_key(self.spec.name, self.interval, self.options.run_id)

    def _check_row(self, check: CheckResult) -> dict[str, Any]:
        return ledger.check_row(self._run_key(), check, self.target.redact)

    def _reject_row(self, source: str, reject: Reject) -> dict[str, Any]:
        return ledger.reject_row(self._run_key(), source, reject, self.target.redact)

    def _step_row(self, result: StepResult, started: datetime) -> dict[str, Any]:
        loads = result.step.layer in (Layer.DIMENSIONS, Layer.FACTS)
        definition = self.project.definition(result.step.subject)["fingerprint"] if loads else None
        return ledger.step_row(self._run_key(), result, started, definition)


CONCLUDE: dict[Layer, Callable[[StepRunner, StepResult, StepSQL, Execution, Batch | None], None]] = {
    Layer.SETUP: StepRunner._nothing,
    Layer.STAGE: StepRunner._staged,
    Layer.DIMENSIONS: StepRunner._merged,
    Layer.FACTS: StepRunner._fact_counts,
    Layer.CHECKS: StepRunner._checked,
    Layer.FINISH: StepRunner._nothing,
}
FLAGS: dict[str, Callable[[list[tuple]], set[str]]] = {  # what kept rows tell the statements after them
    "present": lambda rows: {present(name) for (name,) in rows},
    "failures": lambda rows: {failed(int(i)) for i, n in rows if n},
}


def found_in(target: Target, plan: IntervalPlan) -> Warehouse:
    """What a warehouse holds: its catalogs (read with the plan's setup reads) and the recorded definitions."""
    engine, read = target.engine, {}
    for statement in plan.setup_reads():
        read[statement.rows] = target.fetch(statement)[1]
    tables = catalog.from_rows(engine, read["tables"], read.get("keys", []), read["comments"])
    found = Warehouse(tables, catalog.from_rows(engine, read["ledger"], []))
    if "definitions" in found.ledger:
        for table, _, text in target.fetch(plan.definitions_read())[1]:
            found.recorded[table] = json.loads(text)  # oldest first: the latest wins
    return found


def run(
    project: Project,
    start: datetime,
    end: datetime,
    target: Target,
    options: Options | None = None,
    progress: Callable[[StepResult], None] | None = None,
    only: Layer | None = None,
    skip: Layer | None = None,
) -> list[StepResult]:
    """Run every interval of the schedule in [start, end) in order, step by step (`only` the steps of a layer, or
    all but those of `skip`); stop at the first failure."""
    results: list[StepResult] = []
    for interval in intervals(project.spec.timetable, start, end):
        runner = StepRunner(project, interval, target, options)
        steps = [s for s in runner.steps if (only is None or s.layer == only) and s.layer != skip]
        with runner.claimed(steps):
            for step in steps:
                try:
                    result = runner.run_step(step)
                except StepFailed as failed_step:
                    results.append(failed_step.result)
                    if progress:
                        progress(failed_step.result)
                    raise
                results.append(result)
                if progress:
                    progress(result)
    return results


def _message(error: BaseException) -> str:
    text = str(error).strip() or type(error).__name__
    plain = ChecksFailed | FileNotFoundError | ValueError | SchemaDrift
    return text if isinstance(error, plain) else f"{type(error).__name__}: {text}"


def rebuild(
    project: Project,
    table: str,
    start: datetime,
    end: datetime,
    target: Target,
    options: Options | None = None,
    progress: Callable[[StepResult], None] | None = None,
) -> list[StepResult]:
    """Load one table anew from its sources over [start, end) into its shadow (every object of prefix sources
    staged again), then swap the shadow in, in one transaction: readers see the old table until it commits. The
    loads count in the ledger once the swap is recorded (their run id names the rebuild)."""
    options = options or Options()
    if table not in project.spec.tables:
        raise ValueError(f"unknown table {table!r} (tables: {', '.join(project.spec.tables)})")
    chosen = replace(options, tables=[table], full_refresh=True, rebuild=table, run_id=rebuild_id(table))
    spans = intervals(project.spec.timetable, start, end)
    results = run(project, start, spans[0].end, target, replace(chosen, rebuild=None), progress, only=Layer.SETUP)
    first = StepRunner(project, spans[0], target, chosen)
    with target.transaction():
        for statement in first.plan.shadow_statements():
            target.execute(statement)
    results += run(project, start, end, target, chosen, progress, skip=Layer.SETUP)
    swap = StepRunner(project, Interval(spans[0].start, spans[-1].end), target, chosen)
    result = StepResult(Step(Layer.FACTS if table in project.spec.facts else Layer.DIMENSIONS, table), swap.interval)
    with target.transaction():
        for statement in swap.plan.swap_statements():
            target.execute(statement)
        row = ledger.step_row(swap._run_key(), result, utc_now(), None) | {"step": f"rebuild_{table}"}
        target.execute(ledger.record_step(swap.plan.layout), ledger.row("steps", row))
    return results


def rebuild_id(table: str) -> str:
    """The run id of a rebuild's loads (the ledger counts them once the swap that ends it is recorded)."""
    return f"rebuild-{table}-{utc_now():%Y%m%dT%H%M%S%f}"


def reload_stale(
    project: Project,
    start: datetime,
    end: datetime,
    target: Target,
    options: Options | None = None,
    progress: Callable[[StepResult], None] | None = None,
) -> list[StepResult]:
    """Reload, in order, the stale tables of each stale interval in [start, end) (`warehouse status` says why)."""
    from warehouse.status import status

    options = options or Options()
    results: list[StepResult] = []
    for state in status(project, target, start, end).intervals:
        if state.state == "stale":
            tables = [t for t in project.spec.tables if t in state.stale]
            chosen = replace(options, tables=tables)
            results += run(project, state.interval.start, state.interval.end, target, chosen, progress)
    return results
