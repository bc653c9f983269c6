"""The Airflow DAG of a warehouse spec: the same plan as `warehouse run`, its steps placed in tasks.

Airflow records import errors per DAG *file* and retires every DAG of a file that has one, so each spec in
config/ has a two-line DAG file of its own here (`dags/<name>.py`: `dag = spec_dag("<name>")`): a broken spec
is an import error naming its file and line, for its DAG alone, while the other specs' DAGs keep loading.

Parsing is cheap: the spec's deep SQL checks are cached by content, and nothing connects to anything.
"""

from __future__ import annotations

import hashlib
import os
import socket
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from airflow.sdk import DAG, Asset, CronDataIntervalTimetable, TaskGroup
from operators import OPERATORS, WarehouseStepOperator
from operators.docs import dag_doc, task_doc
from operators.notify import failure_notifiers
from operators.params import trigger_params
from operators.targets import DUCKDB_POOL, engine_of, parse_time_url, pool_for

from warehouse.compile import Project, cached, load_project
from warehouse.plan import Layer, Step, plan
from warehouse.spec import Spec
from warehouse.targets import default_target

CONFIG = Path(__file__).resolve().parent.parent / "config"
END_VARIABLE = "WAREHOUSE_END_DATE"  # the last day every DAG schedules, instead of the spec's end_date
LAYERS = list(Layer)
GROUPS = (Layer.STAGE, Layer.DIMENSIONS, Layer.FACTS, Layer.CHECKS)  # task groups; setup and finish stand alone
TASKS = ("step", "layer", "run")  # how many steps a task runs: one, a layer's, all
RUN_TASK = "all_steps"  # the one task of a DAG with tasks="run"


@dataclass(frozen=True)
class Task:
    """A task of the DAG: the plan steps it runs, in order, and the tasks it follows."""

    task_id: str
    layer: str | None  # the layer of all its steps, if they share one
    steps: tuple[Step, ...]
    needs: tuple[str, ...]


def spec_dag(name: str, tasks: str | None = None) -> DAG:
    """The DAG of config/<name>.yaml (`tasks`: see `build_dag`)."""
    return build_dag(load_project(CONFIG / f"{name}.yaml"), tasks)


def build_dag(project: Project, tasks: str | None = None) -> DAG:
    """Schedule, retries, owner and tags from the spec; the plan's steps in tasks, ordered by their needs; an asset
    per table, produced by the task that loads it; the spec's documentation.

    `tasks`: `step` (a task per step, grouped by layer), `layer` (a task per layer) or `run` (one task). By default
    `run` for a DuckDB target, whose steps run one at a time anyway (the `duckdb` pool), else `step`."""
    spec = project.spec
    target = default_target(spec.name, spec.connections.warehouse)
    pool = pool_for(target)
    assets = _assets(project, parse_time_url(target))
    engine = engine_of(target) or "redshift"  # a connection defined elsewhere: shown as on the production engine
    sql = _step_sql(project, engine)
    granularity = tasks or ("run" if pool == DUCKDB_POOL else "step")
    end = _end_date(spec)
    with DAG(
        dag_id=spec.name,
        description=spec.description or None,
        doc_md=dag_doc(spec, target),
        schedule=CronDataIntervalTimetable(spec.schedule, timezone=spec.timezone),  # runs own [start, end)
        start_date=_utc(spec.start_date),
        end_date=_utc(end) if end else None,
        catchup=spec.catchup,
        tags=spec.tags,
        params=trigger_params(spec, target),
        default_args={
            "retries": spec.retries,
            "retry_delay": spec.retry_delay(),
            "pool": pool,
            "trigger_rule": "none_failed",  # steps of tables left out by the `tables` param are skipped
            "on_failure_callback": failure_notifiers(spec.notify, spec.schedule, spec.timezone) if spec.notify else [],
            **({"owner": spec.owner} if spec.owner else {}),
        },
    ) as dag:
        groups = {layer: TaskGroup(layer, prefix_group_id=False) for layer in GROUPS} if granularity == "step" else {}
        variables = {name: f"{{{{ params.{name} }}}}" for name in spec.vars}
        operators = {}
        for task in placed(plan(project), granularity):
            loads = [s.subject for s in task.steps if s.layer in (Layer.DIMENSIONS, Layer.FACTS)]
            operators[task.task_id] = OPERATORS.get(task.layer, WarehouseStepOperator)(
                task_id=task.task_id,
                task_group=groups.get(task.layer),
                doc_md=task_doc(spec, task.steps, sql, engine),
                spec_file=str(spec.file),
                steps=[s.name for s in task.steps],
                target="{{ params.target }}",
                variables=variables,
                outlets=[assets[table] for table in loads],
            )
            for need in task.needs:
                operators[need] >> operators[task.task_id]
    return dag


def placed(steps: list[Step], tasks: str) -> list[Task]:
    """The plan's steps in tasks: each its own (`step`), by layer (`layer`) or all in one (`run`)."""
    if tasks == "step":
        return [Task(s.name, s.layer, (s,), s.needs) for s in steps]
    if tasks == "run":
        return [Task(RUN_TASK, None, tuple(steps), ())]
    if tasks != "layer":
        raise ValueError(f"tasks={tasks!r} is not one of: {', '.join(TASKS)}")
    layer_of = {s.name: s.layer for s in steps}
    result: list[Task] = []
    for layer in LAYERS:
        members = tuple(s for s in steps if s.layer == layer)
        needs = {layer_of[n] for s in members for n in s.needs} - {layer}
        later = needs - set(LAYERS[: LAYERS.index(layer)])
        if later:
            raise ValueError(f"tasks='layer': {layer} need {', '.join(sorted(later))}: use tasks='step' or 'run'")
        if members:
            result.append(Task(layer, layer, members, tuple(n for n in LAYERS if n in needs)))
    return result


def _end_date(spec: Spec) -> date | None:
    """$WAREHOUSE_END_DATE, else the spec's end_date."""
    text = os.environ.get(END_VARIABLE)
    if not text:
        return spec.end_date
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{END_VARIABLE}={text!r} is not a date such as 2018-11-30") from None


def _step_sql(project: Project, engine: str) -> dict[str, str]:
    """Each step's SQL for the task docs, computed once per content of the spec (cached: parsing imports no
    sqlglot)."""

    def build() -> dict[str, str]:
        from warehouse.printed import step_sql

        return step_sql(project, engine)

    return cached(f"{project.fingerprint}-{engine}-steps", build)


def _assets(project: Project, url: str | None) -> dict[str, Asset]:
    """Each table as an asset, named as OpenLineage names it (`warehouse.datasets`) where the DAG's default target
    is known at parse time, else `x-warehouse://<spec>/<table>`; the names computed once per content of the spec,
    target, host and folder (cached: parsing imports no sqlglot)."""
    spec = project.spec
    if url is None:
        return {t: Asset(name=f"{spec.name}.{t}", uri=f"x-warehouse://{spec.name}/{t}") for t in spec.tables}

    def build() -> dict[str, str]:
        from warehouse.datasets import table

        return {t: table(url, spec.warehouse_schema, t).asset_uri for t in spec.tables}

    where = hashlib.sha256(f"{url}\0{socket.gethostname()}\0{os.getcwd()}".encode()).hexdigest()[:16]
    return {t: Asset(uri=uri) for t, uri in cached(f"{project.fingerprint}-{where}-assets", build).items()}


def _utc(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)
