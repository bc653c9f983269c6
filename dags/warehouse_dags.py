"""The Airflow DAG of a warehouse spec: the same plan as `warehouse run`, one task per step.

Airflow records import errors per DAG *file* and retires every DAG of a file that has one, so each spec in
config/ has a two-line DAG file of its own here (`dags/<name>.py`: `dag = spec_dag("<name>")`): a broken spec
is an import error naming its file and line, for its DAG alone, while the other specs' DAGs keep loading.

Parsing is cheap: the spec's deep SQL checks are cached by content, and nothing connects to anything.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from airflow.sdk import DAG, Asset, CronDataIntervalTimetable, TaskGroup
from operators import OPERATORS
from operators.params import trigger_params
from operators.targets import pool_for

from warehouse.compile import Project, load_project
from warehouse.plan import Layer, plan
from warehouse.spec import Spec
from warehouse.targets import default_target

CONFIG = Path(__file__).resolve().parent.parent / "config"
GROUPS = (
    Layer.STAGE,
    Layer.DIMENSIONS,
    Layer.FACTS,
    Layer.CHECKS,
)  # layers shown as task groups; setup and finish stand alone


def spec_dag(name: str) -> DAG:
    """The DAG of config/<name>.yaml."""
    return build_dag(load_project(CONFIG / f"{name}.yaml"))


def build_dag(project: Project) -> DAG:
    """Schedule, retries and tags from the spec; a task per plan step, grouped by layer, ordered by its needs;
    an asset per table, produced by its load task."""
    spec = project.spec
    target = default_target(spec.name, spec.connections.warehouse)
    with DAG(
        dag_id=spec.name,
        description=spec.description or None,
        doc_md=_doc(spec),
        schedule=CronDataIntervalTimetable(spec.schedule, timezone=spec.timezone),  # runs own [start, end)
        start_date=_utc(spec.start_date),
        end_date=_utc(spec.end_date) if spec.end_date else None,
        catchup=spec.catchup,
        tags=spec.tags,
        params=trigger_params(spec, target),
        default_args={
            "retries": spec.retries,
            "retry_delay": spec.retry_delay(),
            "pool": pool_for(target),
            "trigger_rule": "none_failed",  # steps of tables left out by the `tables` param are skipped
        },
    ) as dag:
        groups = {layer: TaskGroup(layer, prefix_group_id=False) for layer in GROUPS}
        variables = {name: f"{{{{ params.{name} }}}}" for name in spec.vars}
        tasks = {}
        for step in plan(project):
            tasks[step.name] = OPERATORS[step.layer](
                task_id=step.name,
                task_group=groups.get(step.layer),
                spec_file=str(spec.file),
                step=step.name,
                target="{{ params.target }}",
                variables=variables,
                outlets=[_asset(spec, step.subject)] if step.layer in (Layer.DIMENSIONS, Layer.FACTS) else [],
            )
            for need in step.needs:
                tasks[need] >> tasks[step.name]
    return dag


def _asset(spec: Spec, table: str) -> Asset:
    return Asset(name=f"{spec.name}.{table}", uri=f"x-warehouse://{spec.name}/{table}")


def _utc(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def _doc(spec: Spec) -> str:
    period = {"@hourly": "hour", "@daily": "day", "@weekly": "week", "@monthly": "month", "@yearly": "year"}
    every = period.get(spec.schedule, f"period of `{spec.schedule}` ({spec.timezone})")
    return (
        f"{spec.description}\n\nSpec `{spec.file.name}`: tables {', '.join(spec.tables)}. Each run loads one "
        f"{every}: a scheduled or backfill run its data interval, a manual run the {every} that ends at its logical "
        "date (or the params' window). Rerunning a run replaces exactly its interval."
    )
