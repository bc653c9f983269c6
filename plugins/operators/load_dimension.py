"""LoadDimensionOperator: merge (or rebuild) a dimension from the interval's staged rows."""

from __future__ import annotations

from operators.base import WarehouseStepOperator


class LoadDimensionOperator(WarehouseStepOperator):
    """Runs `load_<dimension>` steps (upsert by key, newest row wins; or replace); pushes `inserted`,
    `updated`."""

    ui_color = "#dcfce7"
