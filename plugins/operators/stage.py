"""StageOperator: load a source's objects (or rows) of the run's interval into its staging table."""

from __future__ import annotations

from operators.base import WarehouseStepOperator


class StageOperator(WarehouseStepOperator):
    """Runs `stage_<source>` steps: the interval's objects → `staging.<source>_<interval>`; pushes its counts
    (`staged`, `objects`, `rejected`)."""

    ui_color = "#dbeafe"
