"""DataQualityOperator: run a table's checks (a fact's: on the interval's rows)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from operators.base import WarehouseStepOperator

if TYPE_CHECKING:
    from warehouse.results import StepResult


class DataQualityOperator(WarehouseStepOperator):
    """Runs a `check_<table>` step: each check is a query whose rows are the failures. A check of severity
    `error` fails the task (without retries: the data would not change); `warn` is logged."""

    ui_color = "#fde2e2"

    def pushed(self, result: StepResult) -> dict[str, int]:
        """The offending rows of each check, by check name."""
        return {**result.counts, **{check.name: check.failures for check in result.checks}}
