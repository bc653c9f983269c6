"""LoadFactOperator: replace exactly the run's interval of a fact table."""

from __future__ import annotations

from operators.base import WarehouseStepOperator


class LoadFactOperator(WarehouseStepOperator):
    """Runs `load_<fact>` steps (delete and insert the rows whose time is in the interval); pushes `deleted`,
    `inserted`."""

    ui_color = "#fef9c3"
