"""DataQualityOperator: run tables' checks (a fact's: on the interval's rows)."""

from __future__ import annotations

from operators.base import WarehouseStepOperator


class DataQualityOperator(WarehouseStepOperator):
    """Runs `check_<table>` steps: each check is a query whose rows are the failures. A check of severity
    `error` fails the task (without retries: the data would not change); `warn` is logged. Pushes each check's
    offending rows by check name."""

    ui_color = "#fde2e2"
