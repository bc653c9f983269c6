"""The one thing every warehouse operator does: run plan steps of the run's interval against its target.

Every call from the operators into the warehouse library is in this module.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from airflow.sdk import BaseOperator
from airflow.sdk.exceptions import AirflowFailException, AirflowSkipException

from operators.intervals import run_interval
from operators.params import choices
from operators.targets import check_pool, open_connection, target_url
from warehouse.compile import load_project
from warehouse.plan import plan

if TYPE_CHECKING:
    from airflow.providers.openlineage.extractors import OperatorLineage
    from airflow.sdk import Context

    from warehouse.plan import Step
    from warehouse.results import StepResult
    from warehouse.runner import StepRunner


class WarehouseStepOperator(BaseOperator):
    """Runs steps of a spec's plan for the run's interval, in order: one step, a layer's steps, or all of them
    (a subclass per layer runs that layer's steps).

    :param spec_file: the spec (YAML) whose plan holds the steps
    :param steps: the steps' names, in plan order, e.g. ``["load_songplays"]``
    :param target: Airflow connection id (or URL without a password) of the warehouse (templated)
    :param variables: values of the spec's vars (templated)

    The run's params choose the tables (steps of others are skipped) and a full refresh. Each step's SQL, counts
    and checks are logged in a section of the task's log named after the step. Returns (and so pushes to XCom)
    each step's counts, by step. The OpenLineage provider reports what the steps read and wrote
    (`operators.lineage`), as the task completes or fails.
    """

    template_fields: Sequence[str] = ("target", "variables")
    ui_color = "#e8e8e8"

    def __init__(self, *, spec_file: str, steps: Sequence[str], target: str, variables: dict[str, str], **kwargs: Any):
        super().__init__(**kwargs)
        self.spec_file, self.steps, self.target, self.variables = spec_file, list(steps), target, variables
        self._ran: list[StepResult] = []  # the steps run (a failed one last), for OpenLineage

    def execute(self, context: Context) -> dict[str, dict[str, int]]:
        from warehouse.runner import StepRunner
        from warehouse.steps import Options

        project = load_project(self.spec_file)
        spec = project.spec
        try:
            chosen = choices(spec, context["params"])
            interval = run_interval(spec.timetable, context["dag_run"])
            url = target_url(self.target)
            check_pool(url, self.pool)
        except ValueError as error:  # a mistake in the run's params or setup: retrying cannot help
            raise AirflowFailException(str(error)) from None
        planned = {s.name: s for s in plan(project, chosen.tables)}
        steps = [planned[name] for name in self.steps if name in planned]
        if not steps:
            raise AirflowSkipException(
                f"{', '.join(self.steps)}: not needed for the tables {', '.join(chosen.tables or [])}"
            )
        options = Options(
            variables=dict(self.variables),
            full_refresh=chosen.full_refresh,
            tables=chosen.tables,
            s3_client=_s3_client(spec.connections.aws),
            connect=lambda source: open_connection(source, spec.connections.aws, read_only=True),  # through hooks
            run_id=context["run_id"],
        )
        with open_connection(self.target, spec.connections.aws) as target:
            run = StepRunner(project, interval, target, options)
            with run.claimed(steps):  # another run of the interval holding one of them: refused (and retried)
                pushed = self._run_steps(run, steps)
        return pushed

    def _run_steps(self, run: StepRunner, steps: list[Step]) -> dict[str, dict[str, int]]:
        from warehouse.results import ChecksFailed, StepFailed
        from warehouse.steps import SchemaDrift

        pushed: dict[str, dict[str, int]] = {}
        interval, target = run.interval, run.target
        for step in steps:
            self.log.info("::group::%s", step.name)  # a foldable section of the log in Airflow's UI
            self.log.info("%s %s into %s (target %s)", step.name, interval, target.description, self.target)
            try:
                result = run.run_step(step)
            except StepFailed as failed:
                self._ran.append(failed.result)
                self.report(failed.result)
                self.log.info("::endgroup::")
                # The data is wrong, or the warehouse's tables differ from the spec: a retry finds the same.
                if isinstance(failed.__cause__, ChecksFailed | SchemaDrift):
                    raise AirflowFailException(str(failed)) from None
                raise
            self._ran.append(result)
            self.report(result)
            self.log.info("::endgroup::")
            pushed[step.name] = _counts(result)
        return pushed

    def get_openlineage_facets_on_complete(self, task_instance: Any) -> OperatorLineage:
        """Called by the OpenLineage provider when the task succeeded: the datasets of the steps it ran."""
        from operators.lineage import lineage

        project = load_project(self.spec_file)
        return lineage(project, target_url(self.target), dict(self.variables), self._ran, target_url)

    def get_openlineage_facets_on_failure(self, task_instance: Any) -> OperatorLineage:
        """When it failed: the same, the failed step's checks included (their assertions fail)."""
        return self.get_openlineage_facets_on_complete(task_instance)

    def report(self, result: StepResult) -> None:
        """Log what a step did: its counts, checks and warnings (its SQL is logged by `warehouse.sql`)."""
        counts = ", ".join(f"{k}={v:,}" for k, v in result.counts.items()) or "no counts"
        self.log.info(
            "%s %s: %s (%s) in %.2f s", result.step.name, result.status, counts, result.interval, result.seconds
        )
        for check in result.checks:
            if check.passed:  # failed ones are among the warnings (severity warn) or the message (error)
                self.log.info("%s", check.describe())
        for warning in result.warnings:
            self.log.warning("%s", warning)
        if result.message:
            self.log.error("%s", result.message)


def _counts(result: StepResult) -> dict[str, int]:
    """What a task pushes to XCom for a step: its row counts, and the offending rows of each check by name."""
    return {**result.counts, **{check.name: check.failures for check in result.checks}}


def _s3_client(aws_conn_id: str) -> Callable[[], Any]:
    """An S3 client factory through Airflow's S3Hook, called only when a step reads from S3."""

    def client() -> Any:
        from airflow.providers.amazon.aws.hooks.s3 import S3Hook

        return S3Hook(aws_conn_id=aws_conn_id).get_conn()

    return client
