"""Every statement of every step of one interval on one engine, built without a connection. `warehouse plan`
prints exactly these; the runner executes them and binds the values only it knows (the ledger's counts)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from sqlglot import exp

from warehouse import ledger, migrate
from warehouse.catalog import Catalog
from warehouse.compile import Project
from warehouse.interval import Interval
from warehouse.migrate import Change
from warehouse.plan import Layer, Step, plan
from warehouse.sources.batch import Batch, Where
from warehouse.sources.objects import default_s3_client
from warehouse.spec import Check, Dimension, Fact, FileSource, PostgresSource
from warehouse.sql.checks import Scope, failure_counts, failures, sample
from warehouse.sql.ddl import (
    comments,
    create_indexes,
    create_schema,
    create_table,
    drop_table,
    release_references,
    restore_references,
    staging_ddl,
)
from warehouse.sql.history import inferred_members, lookups_of, repoint, runs_ddl, with_lookups
from warehouse.sql.load import Load, in_interval, insert, merged_rows, strategy, touched_keys
from warehouse.sql.names import Layout, column, columns, shadow
from warehouse.sql.names import table as table_ref
from warehouse.sql.required import interval_column, needs
from warehouse.sql.statement import Action, Statement
from warehouse.sql.strategies import STRATEGIES
from warehouse.sql.transforms import bind
from warehouse.targets import open_source
from warehouse.targets.base import Target
from warehouse.targets.engine import Engine


@dataclass
class Options:
    variables: dict[str, str] = field(default_factory=dict)
    full_refresh: bool = False
    tables: list[str] | None = None
    s3_client: Callable[[], Any] = default_s3_client
    connect: Callable[[str], Target] = open_source  # a source's connection id → a read-only target (Airflow: hooks)
    run_id: str = ""
    rebuild: str | None = None  # a table loaded into its shadow, to take its place at the end (`rebuild`)


@dataclass(frozen=True)
class CheckStep:
    """A check as its step runs it: its place in the table's list, label and severity, and the staged rows it
    reads (those are gone once the interval finished: it is skipped)."""

    index: int
    check: Check
    staging: exp.Table | None
    keys: exp.Table | None = None  # the keys the load touched, which it reads (once they are gone: every row)

    @property
    def label(self) -> str:
        return self.check.label

    @property
    def severity(self) -> str:
        return self.check.options.severity


@dataclass
class Warehouse:
    """What setup found: the catalog of the spec's schema and of the ledger's, and the definitions the ledger
    recorded (the latest per table)."""

    tables: Catalog = field(default_factory=dict)
    ledger: Catalog = field(default_factory=dict)
    recorded: dict[str, dict[str, Any]] = field(default_factory=dict)


class SchemaDrift(Exception):
    """The warehouse's tables differ from the spec in ways a run does not apply by itself."""


@dataclass
class StepSQL:
    """What a step runs, in order: `prepare` in a transaction of its own that takes no lock (staging, a load's
    batch, the check queries), then `lock` and `actions` in one transaction, its ledger row last: the step's
    changes and its record commit together, or neither. `notes` say what the plan cannot show as SQL (the
    objects, an extract)."""

    step: Step
    actions: list[Action]
    notes: list[str] = field(default_factory=list)
    checks: list[CheckStep] = field(default_factory=list)
    prepare: list[Action] = field(default_factory=list)
    lock: list[Statement] = field(default_factory=list)

    @property
    def publish(self) -> list[Action]:
        """The step's last transaction: its lock, then its actions."""
        return [*self.lock, *self.actions]


class IntervalPlan:
    """The steps of one interval on one engine, and the statements of each."""

    def __init__(self, project: Project, interval: Interval, engine: Engine, options: Options | None = None):
        self.project, self.spec, self.interval, self.engine = project, project.spec, interval, engine
        self.options = options or Options()
        self.variables = self.spec.variables(self.options.variables)
        self.layout = Layout(
            self.spec.warehouse_schema, self.spec.staging_schema, ledger.SCHEMA, interval.key, self.options.rebuild
        )
        self.steps = plan(project, self.options.tables)
        location = self.spec.staging_location
        files_root = f"{location.format(**self.variables).rstrip('/')}/{self.spec.name}" if location else None
        self.where = Where(
            self.spec.name, interval, interval.key, self.variables, files_root,
            self.options.s3_client, self.options.connect, lambda source: needs(project, source),
        )  # fmt: skip

    def step(self, name: str) -> Step:
        return next(s for s in self.steps if s.name == name)

    def consumers(self, source: str) -> list[str]:
        """The tables of this run that read a source."""
        loads = [s.subject for s in self.steps if s.layer in (Layer.DIMENSIONS, Layer.FACTS)]
        return [t for t in loads if source in self.project.sources_of(t)]

    def prefix_source(self, name: str) -> bool:
        """A source whose objects are tracked in the ledger: a prefix, staged for what is new."""
        source = self.spec.sources[name]
        return isinstance(source, FileSource) and not source.partitioned

    def reads(self, step: Step) -> list[Statement]:
        """What a stage step reads before it builds its statements: a prefix source's objects loaded before; for a
        database source with `initial_load: full`, whether the tables reading it have loaded it before (if not,
        its extract is full). A full refresh reads neither: every object is new, every extract full."""
        if step.layer != Layer.STAGE or self.options.full_refresh:
            return []
        name, source = step.subject, self.spec.sources[step.subject]
        if self.prefix_source(name):
            query = ledger.loaded_objects(self.layout, self.spec.name, name, self.consumers(name))
        elif isinstance(source, PostgresSource) and source.initial_load == "full":
            query = ledger.loaded_source(self.layout, self.spec.name, name, self.consumers(name))
        else:
            return []
        return [Statement(query, rows="loaded")]

    def build(self, step: Step, batch: Batch | None = None, warehouse: Warehouse | None = None) -> StepSQL:
        """The step's statements (a stage step's from its batch; setup's from what the warehouse holds, by
        default nothing), its ledger row last."""
        if step.layer == Layer.SETUP:
            built = self.setup(warehouse or Warehouse(), AUTOMATIC[self.spec.on_schema_change])
        else:
            built = BUILDERS[step.layer](self, step, batch)
        built.actions.append(ledger.record_step(self.layout, batch.extract_kind if batch else None))
        if self.engine.single_writer:  # no concurrent writer to hold a lock against: one commit per step
            built.actions, built.prepare = [*built.prepare, *built.actions], []
        if step.layer != Layer.SETUP:  # setup creates what it writes; an ALTER TABLE locks its table itself
            built.lock = self.locks(built.actions, session_tables([*built.prepare, *built.actions]))
        return built

    def failure(self, with_checks: bool) -> list[Statement]:
        """What records a failed step, in a transaction of its own: its checks' rows (the evidence of a failed
        check) and its step row, each bound by the runner; its lock first."""
        actions = [ledger.record_checks(self.layout)] if with_checks else []
        actions.append(ledger.record_step(self.layout))
        return [*self.locks(actions, set()), *actions]

    def locks(self, actions: list[Action], session: set[str]) -> list[Statement]:
        """The engine's lock of the tables a transaction touches (every one, where the engine asks for it; else the
        warehouse tables it writes), in one order for every transaction: by schema, then name. Tables of the
        session (`session`) and tables the transaction creates are its own."""
        every = self.engine.locks_every_table
        statements = [a.sql for a in actions if isinstance(a, Statement)]
        created = {_key(t) for s in statements if isinstance(s, exp.Create) and (t := s.find(exp.Table)) is not None}
        found: dict[tuple[str, str], exp.Table] = {}
        for sql in statements:
            for table in sql.find_all(exp.Table) if every else _written(sql):
                if not table.name or table.name in session or _key(table) in created or _system(table):
                    continue
                if every or table.db != self.layout.ledger_schema:
                    key = (table.db or self.engine.default_schema, table.name)
                    found[key] = table_ref(table.name, table.db or None)
        return self.engine.lock([found[key] for key in sorted(found)])

    @property
    def schema(self) -> str:
        return self.spec.warehouse_schema or self.engine.default_schema

    def shadow_statements(self) -> list[Statement]:
        """A fresh shadow of the table being rebuilt (dropped first: a rebuild that stopped leaves one)."""
        name = self.options.rebuild
        table, shadow_name = self.spec.tables[name], shadow(name)
        schema = self.spec.warehouse_schema
        keys = self.spec.foreign_keys(name)
        creates = [create_table(shadow_name, table.columns, self.engine, schema=schema, table=table, foreign_keys=keys)]
        creates += create_indexes(shadow_name, table, self.engine, schema)
        statements = [Statement(drop_table(shadow_name, schema)), *(Statement(c) for c in creates)]
        if isinstance(table, Dimension) and table.scd2:  # its history before the range, rebuilt from the range's runs
            names = table.column_names
            rows = exp.select(*columns(names)).from_(table_ref(name, schema))
            statements.append(Statement(insert(table_ref(shadow_name, schema), names, rows)))
        return statements

    def swap_statements(self) -> list[Statement]:
        """The shadow takes the table's place (with its indexes' names), in one transaction."""
        name, schema = self.options.rebuild, self.spec.warehouse_schema
        renames = [(table_ref(shadow(name), schema), table_ref(name))]
        renames += [
            (table_ref(index.this.name, schema), table_ref(index.this.name.replace(shadow(name), name, 1)))
            for index in create_indexes(shadow(name), self.spec.tables[name], self.engine, schema)
        ]
        referencing = self.spec.referencing(name) if self.engine.informational_keys else []
        statements = [Statement(s) for s in release_references(referencing, schema)]
        table = self.spec.tables[name]
        if isinstance(table, Dimension) and table.scd2:  # the facts' keys follow, in the same transaction
            rebuilt = table_ref(shadow(name), schema)
            for fact, lookup in lookups_of(self.spec, name):
                statements.append(Statement(repoint(table_ref(fact, schema), lookup, rebuilt, table), "repointed"))
        statements.append(Statement(drop_table(name, schema)))
        for kind, (old, new) in zip(["TABLE"] + ["INDEX"] * (len(renames) - 1), renames, strict=True):
            statements.append(Statement(exp.Alter(this=old, kind=kind, actions=[exp.AlterRename(this=new)])))
        after = [*restore_references(referencing, schema), *comments(name, self.spec.tables[name], schema)]
        return statements + [Statement(s) for s in after]

    def setup_reads(self) -> list[Statement]:
        """What setup reads first: the catalog of the spec's schema (and where the engine shows keys, of their
        indexes; the tables' and columns' descriptions) and of the ledger's."""
        keys = self.engine.key_query(self.schema)
        return [
            Statement(self.engine.catalog_query(self.schema), rows="tables"),
            *([Statement(keys, rows="keys")] if keys is not None else []),
            Statement(self.engine.comment_query(self.schema), rows="comments"),
            Statement(self.engine.catalog_query(self.layout.ledger_schema), rows="ledger"),
        ]

    def definitions_read(self) -> Statement:
        """The definitions the ledger recorded (read when it has the table)."""
        return Statement(ledger.recorded_definitions(self.layout, self.spec.name), rows="definitions")

    def changes(self, warehouse: Warehouse) -> list[Change]:
        return migrate.changes(self.project, self.engine, warehouse.tables, warehouse.recorded)

    # --- one builder per layer ------------------------------------------------------------------------

    def setup_statements(self) -> list[Statement]:
        """Schemas, the ledger and every table (IF NOT EXISTS): `create_tables.sql` holds them for Redshift."""
        return [a for a in self.setup(Warehouse(), frozenset()).actions if isinstance(a, Statement) and not a.binds]

    def setup(self, warehouse: Warehouse, allowed: frozenset[str]) -> StepSQL:
        """Schemas, the ledger's tables (and the columns a newer ledger has), the spec's tables that are missing,
        the changes of the `allowed` severities, and the definitions that changed. Any other difference between
        the warehouse's tables and the spec stops here, before any data moves (SchemaDrift)."""
        step = Step(Layer.SETUP)
        spec, schema = self.spec, self.spec.warehouse_schema
        actions: list[Action] = [Statement(create_schema(spec.staging_schema))]
        if schema:
            actions.append(Statement(create_schema(schema)))
        present = {name: set(shape.columns) for name, shape in warehouse.ledger.items()}
        actions += ledger.ensure(self.layout, self.engine, present)
        found = self.changes(warehouse)
        exempt = migrate.NEEDS_NO_DDL | migrate.METADATA | {"add_table"}
        blocking = [c for c in found if c.kind not in exempt]
        if any(c.severity not in allowed for c in blocking):
            raise SchemaDrift(migrate.drift_message(spec, blocking))
        for migration in migrate.migrations(self.project, self.engine, found, schema):
            actions += [replace(s, alone=migration.alone) for s in migration.statements]
        actions += [Statement(runs_ddl(n, d, self.engine, schema)) for n, d in spec.dimensions.items() if d.scd2]
        actions.append(ledger.record_definitions(self.layout))
        return StepSQL(step, actions, [str(c) for c in found])

    def _stage(self, step: Step, batch: Batch | None) -> StepSQL:
        """A fresh staging table, the engine's bulk load of the batch, the rows it set aside and (for a prefix
        source) the objects it staged, in the ledger."""
        assert batch is not None, "a stage step is built from its batch"
        name, staging = step.subject, self.layout.staging(step.subject)
        if batch.objects:
            self.engine.check_objects([*batch.urls, *filter(None, [batch.manifest_url])], self.options.s3_client)
        prepare: list[Action] = [Statement(s) for s in staging_ddl(staging, batch.staged_as.columns, self.engine)]
        prepare += [
            *self.engine.stage(staging, batch),
            *self._outside_interval(name, staging),
            *self.engine.statistics(staging),
        ]
        actions: list[Action] = [*ledger.record_rejects(self.layout, self.spec.name, name, self.interval.start)]
        if self.prefix_source(name):
            actions += ledger.stage_objects(self.layout, self.spec.name, name)
        notes = [*batch.notes, *(self.engine.staging_notes() if batch.objects else [])]
        return StepSQL(step, actions, notes, prepare=prepare)

    def _outside_interval(self, name: str, staging: exp.Table) -> list[Action]:
        """A day's object may hold rows of another day: delete them from staging (counted), so that no table of the
        interval loads them."""
        source = self.spec.sources[name]
        time = interval_column(self.project, name) if isinstance(source, FileSource) and source.partitioned else None
        if time is None:
            return []
        outside = exp.not_(in_interval(column(time), self.interval))
        return [Statement(exp.delete(staging, where=outside), "outside_interval")]

    def _load(self, step: Step, batch: Batch | None) -> StepSQL:
        """A dimension's merge (or rebuild) or a fact's replacement of the interval."""
        name = step.subject
        table = self.spec.tables[name]
        kind = strategy(table)
        if self.options.full_refresh and kind == "upsert" and self._from_prefixes_only(name):
            kind = "replace"
        select = bind(self.project.select(name), self.layout)
        if isinstance(table, Fact):
            replaced = self.interval if kind == "fact_by_time" else None
            select = with_lookups(select, table, self.spec, self.layout, self.engine, replaced)
        keeps = Scope(self.project, name, self.layout, self.interval).keeps_keys
        load = Load(name, table, select, self.layout, self.interval, self.engine, self.spec, keeps)
        built = STRATEGIES[kind](load)
        publish = list(built.publish)
        if isinstance(table, Fact) and built.batch is not None:
            inferred = inferred_members(table, built.batch, self.spec, self.layout)
            publish = [*(Statement(i, "inferred") for i in inferred), *publish]
        return StepSQL(step, publish, prepare=list(built.prepare))

    def _checks(self, step: Step, batch: Batch | None) -> StepSQL:
        """The count of failing rows of every check in one query (checks that read a table gone once the interval
        finished apart: one query per such table, run only while it is there; a check of the keys the load touched
        reads every row once they are gone), then a sample of each failed one, then a ledger row per check."""
        table, scope = self.spec.tables[step.subject], Scope(self.project, step.subject, self.layout, self.interval)
        counted: dict[tuple[tuple[str, ...], str | None], list[tuple[int, exp.Query]]] = {}
        checks, samples = [], []
        for index, check in enumerate(table.checks):
            scoped = scope.of(check)
            staged = getattr(check.options, "staged", None)
            c = CheckStep(index, check, self.layout.staging(staged.source) if staged else scoped.gate, scoped.keys)
            variants = [(_gates(c.staging, c.keys), None, failures(check, index, scoped))]
            if c.keys is not None:
                variants.append((_gates(c.staging), present(c.keys.name), failures(check, index, scoped.everywhere())))
            for when, unless, query in variants:
                counted.setdefault((when, unless), []).append((index, query))
                flags = (failed(index), *when)
                samples.append(Statement(sample(query), rows=f"sample {index}", when=flags, unless=unless))
            checks.append(c)
        gone = {t.name: t for c in checks for t in (c.staging, c.keys) if t is not None}
        actions: list[Action] = (
            [Statement(self.engine.present_query(list(gone.values())), rows="present")] if gone else []
        )
        for (when, unless), group in sorted(counted.items(), key=lambda item: item[0] != ((), None)):
            actions.append(Statement(failure_counts(group), rows="failures", when=when, unless=unless))
        notes = [f"check {c.index + 1}: {c.label}" for c in checks]
        return StepSQL(step, [ledger.record_checks(self.layout)], notes, checks, prepare=[*actions, *samples])

    def _finish(self, step: Step, batch: Batch | None) -> StepSQL:
        """Drop the interval's staging tables (and the rows its merged facts merged, the keys its dimensions
        touched), then mark the objects it staged as loaded."""
        staged = [self.layout.staging(s.subject) for s in self.steps if s.layer == Layer.STAGE]
        merged = [
            merged_rows(self.layout, s.subject)
            for s in self.steps
            if s.layer == Layer.FACTS and strategy(self.spec.tables[s.subject]) == "fact_by_key"
        ]
        kept = [
            touched_keys(self.layout, s.subject)
            for s in self.steps
            if s.layer == Layer.DIMENSIONS and Scope(self.project, s.subject, self.layout, self.interval).keeps_keys
        ]
        drops: list[Action] = [Statement(drop_table(t.name, t.db)) for t in [*staged, *merged, *kept]]
        return StepSQL(step, [ledger.mark_loaded(self.layout, self.spec.name)], prepare=drops)

    def _from_prefixes_only(self, table: str) -> bool:
        sources = self.project.sources_of(table)
        return bool(sources) and all(self.prefix_source(s) for s in sources)


BUILDERS: dict[Layer, Callable[[IntervalPlan, Step, Batch | None], StepSQL]] = {
    Layer.STAGE: IntervalPlan._stage,
    Layer.DIMENSIONS: IntervalPlan._load,
    Layer.FACTS: IntervalPlan._load,
    Layer.CHECKS: IntervalPlan._checks,
    Layer.FINISH: IntervalPlan._finish,
}


AUTOMATIC = {  # what a run's setup applies by itself, by the spec's on_schema_change
    "fail": frozenset(),
    "migrate": frozenset({"additive"}),
}


def present(table: str) -> str:
    """The flag a `rows="present"` statement raises for a table that exists."""
    return f"present {table}"


def failed(index: int) -> str:
    """The flag raised for a check with failing rows."""
    return f"failed {index}"


def _gates(*tables: exp.Table | None) -> tuple[str, ...]:
    """The flags of the tables present, for a statement that reads them."""
    return tuple(present(t.name) for t in tables if t is not None)


def session_tables(actions: list[Action]) -> set[str]:
    """The temporary tables the actions create: each session has its own (a load's batch)."""
    return {
        table.name
        for action in actions
        if isinstance(action, Statement) and isinstance(action.sql, exp.Create)
        and action.sql.find(exp.TemporaryProperty) is not None and (table := action.sql.find(exp.Table)) is not None
    }  # fmt: skip


def _written(sql: exp.Expression) -> list[exp.Table]:
    """The table a statement writes rows of (INSERT, UPDATE, DELETE, MERGE)."""
    if not isinstance(sql, exp.Insert | exp.Update | exp.Delete | exp.Merge):
        return []
    target = sql.this.this if isinstance(sql.this, exp.Schema) else sql.this
    return [target] if isinstance(target, exp.Table) else []


def _key(table: exp.Table) -> tuple[str, str]:
    return table.db, table.name


def _system(table: exp.Table) -> bool:
    """A catalog table or system view: not locked (https://docs.aws.amazon.com/redshift/latest/dg/
    c_serial_isolation.html: the system catalog (PG) and system tables (STL, STV) are not locked by a transaction)."""
    return table.db in ("information_schema", "pg_catalog") or (
        not table.db and table.name.lower().startswith(("stl_", "stv_", "svl_", "svv_", "sys_", "pg_"))
    )
