"""The one thing every warehouse operator does: run one plan step of the run's interval against its target."""

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
    from airflow.sdk import Context

    from warehouse.results import StepResult


class WarehouseStepOperator(BaseOperator):
    """Runs one step of a spec's plan (the setup and finish steps; a subclass per layer runs the others).

    :param spec_file: the spec (YAML) whose plan holds the step
    :param step: the step's name, e.g. ``load_songplays``
    :param target: Airflow connection id (or URL without a password) of the warehouse (templated)
    :param variables: values of the spec's vars (templated)

    The run's params choose the tables (steps of others are skipped), a full refresh and an explicit window.
    Returns (and so pushes to XCom) the step's counts.
    """

    template_fields: Sequence[str] = ("target", "variables")
    ui_color = "#e8e8e8"

    def __init__(self, *, spec_file: str, step: str, target: str, variables: dict[str, str], **kwargs: Any):
        super().__init__(**kwargs)
        self.spec_file, self.step, self.target, self.variables = spec_file, step, target, variables

    def execute(self, context: Context) -> dict[str, int]:
        from warehouse.results import ChecksFailed, StepFailed
        from warehouse.runner import StepRunner
        from warehouse.steps import Options

        project = load_project(self.spec_file)
        spec = project.spec
        try:
            chosen = choices(spec, context["params"])
            interval = run_interval(spec.timetable, context["dag_run"], chosen.window)
            url = target_url(self.target)
            check_pool(url, self.pool)
        except ValueError as error:  # a mistake in the run's params or setup: retrying cannot help
            raise AirflowFailException(str(error)) from None
        step = next((s for s in plan(project, chosen.tables) if s.name == self.step), None)
        if step is None:
            raise AirflowSkipException(f"{self.step} is not needed for the chosen tables: {', '.join(chosen.tables)}")
        options = Options(
            variables=dict(self.variables),
            full_refresh=chosen.full_refresh,
            tables=chosen.tables,
            s3_client=_s3_client(spec.connections.aws),
            connect=lambda source: open_connection(source, spec.connections.aws, read_only=True),  # through hooks
            run_id=context["run_id"],
        )
        with open_connection(self.target, spec.connections.aws) as target:
            self.log.info("%s %s into %s (target %s)", step.name, interval, target.description, self.target)
            try:
                result = StepRunner(project, interval, target, options).run_step(step)
            except StepFailed as failed:
                self.report(failed.result)
                if isinstance(failed.__cause__, ChecksFailed):  # the data is wrong: a retry finds the same
                    raise AirflowFailException(str(failed)) from None
                raise
        self.report(result)
        return self.pushed(result)

    def report(self, result: StepResult) -> None:
        """Log what the step did: its counts, checks and warnings (its SQL is logged by `warehouse.sql`)."""
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

    def pushed(self, result: StepResult) -> dict[str, int]:
        """What the task pushes to XCom: the step's row counts."""
        return dict(result.counts)


def _s3_client(aws_conn_id: str) -> Callable[[], Any]:
    """An S3 client factory through Airflow's S3Hook, called only when a step reads from S3."""

    def client() -> Any:
        from airflow.providers.amazon.aws.hooks.s3 import S3Hook

        return S3Hook(aws_conn_id=aws_conn_id).get_conn()

    return client
