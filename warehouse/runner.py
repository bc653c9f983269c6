"""Running a plan: one step of one interval against a target (what an Airflow task does), and whole
ranges of intervals in order (what `warehouse run` does)."""

from __future__ import annotations

import functools
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlglot import exp

from warehouse import ledger
from warehouse.interval import Interval, intervals
from warehouse.plan import Step, plan
from warehouse.results import BadInput, CheckResult, ChecksFailed, StepFailed, StepResult
from warehouse.sources.database import as_json_source, extract
from warehouse.sources.files import interval_objects, location, new_objects
from warehouse.sources.objects import ObjectStore, SourceObject, default_s3_client, store_for
from warehouse.spec import STAGING, Check, Dimension, JsonSource, PostgresSource, Spec
from warehouse.sql.checks import Scope, check_name, count_and_sample, failures
from warehouse.sql.ddl import create_indexes, create_schema, create_table, drop_table
from warehouse.sql.load import dimension_replace, dimension_upsert, fact_replace
from warehouse.sql.names import Layout
from warehouse.sql.stage import staging_ddl
from warehouse.sql.statement import Statement
from warehouse.sql.transforms import bind
from warehouse.targets import Target, resolve_url
from warehouse.targets.base import DataError, Reject

LEDGER_SCHEMA = "ledger"


@dataclass
class Options:
    variables: dict[str, str] = field(default_factory=dict)
    full_refresh: bool = False
    tables: list[str] | None = None
    s3_client: Callable[[], Any] = default_s3_client
    connection: Callable[[str], str] = resolve_url  # a connection id → its URL (Airflow passes its own lookup)
    run_id: str = ""


def layout_for(spec: Spec, interval: Interval) -> Layout:
    return Layout(spec.warehouse_schema, spec.staging_schema, LEDGER_SCHEMA, interval.key)


class DialectOnly:
    """Stands in for a target where only the dialect matters: printing DDL and plans without a connection."""

    def __init__(self, dialect: str):
        self.dialect = dialect

    def redact(self, text: str) -> str:
        return text


class IntervalRun:
    """The steps of one interval against one target. Each step commits its changes and its ledger row
    together, or rolls both back and records the failure."""

    def __init__(self, spec: Spec, interval: Interval, target: Target | DialectOnly, options: Options | None = None):
        self.spec, self.interval, self.target = spec, interval, target
        self.options = options or Options()
        self.variables = spec.variables(self.options.variables)
        self.layout = layout_for(spec, interval)
        self.dialect = target.dialect
        self.steps = plan(spec, self.options.tables)

    def run_step(self, step: Step) -> StepResult:
        result = StepResult(step, self.interval)
        started, clock = _now(), time.perf_counter()
        handler: Callable[[StepResult], None] = getattr(self, f"_{step.layer}")
        try:
            handler(result)
        except Exception as error:
            result.status, result.message = "failed", self.target.redact(_message(error))
            result.seconds = time.perf_counter() - clock
            self._record_failure(result, started)
            raise StepFailed(result) from error
        result.seconds = time.perf_counter() - clock
        return result

    # --- layers -------------------------------------------------------------------------------------

    def _setup(self, result: StepResult) -> None:
        self._commit(result, self.setup_statements(), started=_now())

    def _stage(self, result: StepResult) -> None:
        name = result.step.subject
        source = self.spec.sources[name]
        started = _now()
        prefix_source = isinstance(source, JsonSource) and not source.partitioned  # its objects go in the ledger
        if isinstance(source, PostgresSource):
            staged_as, objects, store = self._extract(name, source, result)
        else:
            staged_as = source
            objects, store = self._objects(name, source, result)
        result.warnings += _duplicated(objects)
        with tempfile.TemporaryDirectory(prefix="warehouse-") as scratch:
            stage = functools.partial(self._stage_into, result, name, staged_as, objects, store, Path(scratch))
            try:
                stage(started, prefix_source, ())
            except DataError as refused:
                rejects = self.target.diagnose(staged_as, objects, store, Path(scratch))
                if not rejects:
                    raise
                if source.on_bad_rows == "fail":
                    raise BadInput(name, rejects) from refused
                result.warnings.append(f"{len(rejects)} bad row(s) set aside in {LEDGER_SCHEMA}.rejects")
                stage(started, prefix_source, tuple(rejects))

    def _stage_into(
        self,
        result: StepResult,
        name: str,
        source: JsonSource,
        objects: list[SourceObject],
        store: ObjectStore,
        scratch: Path,
        started: datetime,
        prefix_source: bool,
        exclude: tuple[Reject, ...],
    ) -> None:
        """One attempt at the staging table, with its ledger rows, in one transaction."""
        staging = self.layout.staging(name)
        with self.target.transaction():
            for statement in staging_ddl(staging, source, self.dialect):
                self.target.execute(statement)
            staged = self.target.stage_json(staging, source, objects, store, scratch, self.manifest_url(name), exclude)
            result.counts.update(staged=staged.rows, objects=staged.objects, rejected=len(staged.rejects))
            result.warnings += staged.warnings
            statements = ledger.record_rejects(
                self.layout, self.spec.name, name, (self.interval.start, self.interval.end),
                [self._reject_row(name, r) for r in staged.rejects],
            )  # fmt: skip
            if prefix_source:
                consumers = self._consumers(name)
                statements += ledger.stage_objects(self.layout, self.spec.name, name, consumers, objects, started)
            self._commit(result, statements, started)

    def _objects(self, name: str, source: JsonSource, result: StepResult) -> tuple[list[SourceObject], ObjectStore]:
        """A JSON source's objects for this run: its interval's days, or the prefix's objects not loaded yet."""
        store = store_for(location(source, self.variables, self.interval.start.date()), self.options.s3_client)
        if source.partitioned:
            objects, missing = interval_objects(source, self.variables, self.interval, store)
            if missing and source.on_missing == "error":
                raise FileNotFoundError(f"source {name!r}: no object for {', '.join(missing)} (on_missing: error)")
            result.warnings += [f"no object for {url}: loaded as empty (on_missing: empty)" for url in missing]
            return objects, store
        loaded: set[tuple[str, str]] = set()
        if not self.options.full_refresh:
            query = ledger.loaded_objects(self.layout, self.spec.name, name, self._consumers(name))
            loaded = set(self.target.fetch(query)[1])
        prefix = location(source, self.variables)
        objects = new_objects(store.list(prefix), loaded)
        if not objects and not loaded:
            result.warnings.append(f"no object under {prefix}")
        return objects, store

    def _extract(
        self, name: str, source: PostgresSource, result: StepResult
    ) -> tuple[JsonSource, list[SourceObject], ObjectStore]:
        """Extract a database source's interval to files under the run's files; stage those like JSON."""
        prefix = self.extract_prefix(name)
        store = store_for(prefix, self.options.s3_client)
        objects, rows = extract(source, self.options.connection(source.connection), self.interval, store, prefix)
        result.counts["extracted"] = rows
        if not rows:
            result.warnings.append(f"no row of {source.table or 'the query'} changed in {self.interval}")
        return as_json_source(source, prefix), objects, store

    def _dimensions(self, result: StepResult) -> None:
        self._commit(result, self.load_statements(result.step.subject), _now(), verify=_merged_all)

    def _facts(self, result: StepResult) -> None:
        self._commit(result, self.load_statements(result.step.subject), _now(), verify=self._fact_counts)

    def _fact_counts(self, result: StepResult) -> None:
        """Say what the SELECT yielded that was not inserted: rows outside the interval, duplicates of a key."""
        counts = result.counts
        selected, in_interval = counts.pop("selected", 0), counts.pop("in_interval", 0)
        outside, duplicates = selected - in_interval, in_interval - counts.get("inserted", 0)
        if outside:
            counts["outside_interval"] = outside
            result.warnings.append(f"{outside} row(s) fall outside {self.interval} and were not loaded")
        if duplicates:
            counts["duplicates"] = duplicates
            result.warnings.append(f"{duplicates} row(s) repeat the key of another row of the interval: merged")

    def _checks(self, result: StepResult) -> None:
        name = result.step.subject
        started = _now()
        for check, failing in self.check_queries(name):
            label, severity = check_name(check), check.options.severity
            gone = self._staging_gone(check)
            if gone:
                result.checks.append(CheckResult(name, label, severity, 0, skipped=gone))
                continue
            total, sample = count_and_sample(failing)
            count = int(self.target.scalar(total) or 0)
            names, examples = self.target.fetch(sample) if count else ([], [])
            result.checks.append(CheckResult(name, label, severity, count, names, examples))
        failed = [c for c in result.checks if not c.passed]
        result.warnings += [c.describe() for c in failed if c.severity == "warn" or c.skipped]
        recorded = ledger.record_checks(self.layout, [self._check_row(c) for c in result.checks])
        errors = [c for c in failed if c.outcome == "failed"]
        if errors:
            self.target.run(recorded)  # the failure's evidence stays in the ledger
            raise ChecksFailed("\n".join(c.describe() for c in errors))
        self._commit(result, recorded, started)

    def _finish(self, result: StepResult) -> None:
        self._commit(result, self.finish_statements(), _now())

    # --- statements -----------------------------------------------------------------------------------

    def run_files(self) -> str | None:
        """Where this spec's runs write files (manifests, extracts): the spec's staging_location, resolved."""
        location = self.spec.staging_location
        return f"{location.format(**self.variables).rstrip('/')}/{self.spec.name}" if location else None

    def extract_prefix(self, source: str) -> str:
        root = self.run_files()
        if root is None:
            raise ValueError(f"source {source!r} is extracted to files: the spec needs a staging_location")
        return f"{root}/extracts/{source}/{self.layout.interval_key}"

    def manifest_url(self, source: str) -> str | None:
        root = self.run_files()
        return f"{root}/manifests/{source}/{self.layout.interval_key}.manifest" if root else None

    def setup_statements(self) -> list[Statement]:
        """Schemas, the ledger and every table (IF NOT EXISTS)."""
        statements = [Statement(create_schema(self.spec.staging_schema))]
        if self.spec.warehouse_schema:
            statements.append(Statement(create_schema(self.spec.warehouse_schema)))
        statements += ledger.ensure(self.layout, self.dialect)
        schema = self.spec.warehouse_schema
        for name, table in self.spec.tables.items():
            statements.append(Statement(create_table(name, table.columns, self.dialect, schema=schema, table=table)))
            statements += [Statement(index) for index in create_indexes(name, table, self.dialect, schema)]
        return statements

    def load_statements(self, name: str) -> list[Statement]:
        """A dimension's merge (or rebuild) or a fact's replacement of the interval."""
        table = self.spec.tables[name]
        select = bind(self.spec.select_of(name), self.layout)
        if not isinstance(table, Dimension):
            return fact_replace(name, table, select, self.layout, self.interval, self.dialect)
        if table.load == "replace" or (self.options.full_refresh and self._from_prefixes_only(name)):
            return dimension_replace(name, table, select, self.layout, self.dialect)
        return dimension_upsert(name, table, select, self.layout, self.dialect)

    def check_queries(self, name: str) -> list[tuple[Check, exp.Query]]:
        """Each check of a table with the query returning its offending rows (a fact's: in the interval)."""
        scope = Scope(self.spec, name, self.layout, self.interval)
        return [(check, failures(check, i, scope)) for i, check in enumerate(self.spec.tables[name].checks)]

    def finish_statements(self) -> list[Statement]:
        """Mark the objects this interval staged as loaded, and drop its staging tables."""
        statements = [ledger.mark_loaded(self.layout, self.spec.name)]
        staged = [s.subject for s in self.steps if s.layer == "stage"]
        return statements + [
            Statement(drop_table(self.layout.staging_name(s), self.spec.staging_schema)) for s in staged
        ]

    # --- helpers ------------------------------------------------------------------------------------

    def _from_prefixes_only(self, table: str) -> bool:
        inputs = [d.removeprefix(STAGING + ".") for d in self.spec.depends_on(table) if d.startswith(STAGING)]
        sources = [self.spec.sources[s] for s in inputs]
        return bool(sources) and all(isinstance(s, JsonSource) and not s.partitioned for s in sources)

    def _commit(
        self,
        result: StepResult,
        statements: list[Statement],
        started: datetime,
        verify: Callable[[StepResult], None] | None = None,
    ) -> None:
        """Run the step's statements and its ledger row in one transaction (`verify` may still refuse it)."""
        with self.target.transaction():
            result.counts.update(self.target.run(statements))
            if verify:
                verify(result)
            self.target.execute(ledger.record_step(self.layout, self._ledger_row(result, started)))

    def _record_failure(self, result: StepResult, started: datetime) -> None:
        if result.step.layer == "setup":
            return  # the ledger may not exist yet
        try:
            with self.target.transaction():
                self.target.execute(ledger.record_step(self.layout, self._ledger_row(result, started)))
        except Exception:  # the original error matters more than a failed record of it
            pass

    def _consumers(self, source: str) -> list[str]:
        """The tables of this run that read a source."""
        return [s.subject for s in self.steps if f"stage_{source}" in s.needs]

    def _staging_gone(self, check: Check) -> str:
        """Why a check of staged rows cannot run: they were dropped when the interval finished."""
        staged = getattr(check.options, "staged", None)
        if staged is None or self.target.table_exists(self.layout.staging(staged.source)):
            return ""
        return (
            f"the staged rows of {staged.source} were dropped when the interval finished (rerun stage_{staged.source})"
        )

    def _check_row(self, check: CheckResult) -> dict[str, Any]:
        return {
            **self._run_key(),
            "table_name": check.table,
            "check_name": check.name,
            "severity": check.severity,
            "status": check.outcome,
            "failures": check.failures,
            "sample": None if check.outcome == "passed" else self.target.redact(check.describe())[:4000],
            "checked_at": _now(),
        }

    def _reject_row(self, source: str, reject: Reject) -> dict[str, Any]:
        return {
            **self._run_key(),
            "source": source,
            "url": reject.url,
            "line": reject.line,
            "reason": self.target.redact(reject.reason)[:1000],
            "raw": reject.raw[:4000] or None,
            "recorded_at": _now(),
        }

    def _run_key(self) -> dict[str, Any]:
        return {
            "spec": self.spec.name,
            "interval_start": self.interval.start,
            "interval_end": self.interval.end,
            "run_id": self.options.run_id or None,
        }

    def _ledger_row(self, result: StepResult, started: datetime) -> dict[str, Any]:
        counts = result.counts
        return {
            **self._run_key(),
            "step": result.step.name,
            "table_name": result.step.subject,
            "status": result.status,
            **{k: counts.get(k) for k in ("staged", "inserted", "updated", "deleted", "rejected")},
            "checks_passed": sum(c.passed for c in result.checks),
            "checks_failed": sum(not c.passed for c in result.checks),
            "message": (result.message or "\n".join(result.warnings))[:4000] or None,
            "started_at": started,
            "finished_at": _now(),
        }


def _merged_all(result: StepResult) -> None:
    """An engine that merged fewer rows than the batch holds has lost rows: roll back rather than publish."""
    counts = result.counts
    merged = counts.pop("merged", None)
    expected = counts.get("inserted", 0) + counts.get("updated", 0)
    if merged is not None and merged >= 0 and merged != expected:
        raise RuntimeError(f"the engine merged {merged} row(s) of a batch of {expected}: rolled back")


def _duplicated(objects: list[SourceObject]) -> list[str]:
    """Objects with the same content as an earlier one: their rows are loaded once per key."""
    first: dict[tuple[str, int], str] = {}
    warnings = []
    for obj in objects:
        seen = first.setdefault((obj.version, obj.size), obj.url)
        if seen != obj.url:
            warnings.append(f"{obj.url} has the same content as {seen}: its rows merge by key")
    return warnings


def run(
    spec: Spec,
    start: datetime,
    end: datetime,
    target: Target,
    options: Options | None = None,
    progress: Callable[[StepResult], None] | None = None,
) -> list[StepResult]:
    """Run every interval of the schedule in [start, end) in order, step by step; stop at the first failure."""
    results: list[StepResult] = []
    for interval in intervals(spec.schedule, start, end):
        runner = IntervalRun(spec, interval, target, options)
        for step in runner.steps:
            try:
                result = runner.run_step(step)
            except StepFailed as failed:
                results.append(failed.result)
                if progress:
                    progress(failed.result)
                raise
            results.append(result)
            if progress:
                progress(result)
    return results


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _message(error: BaseException) -> str:
    text = str(error).strip() or type(error).__name__
    return (
        text if isinstance(error, ChecksFailed | FileNotFoundError | ValueError) else f"{type(error).__name__}: {text}"
    )
