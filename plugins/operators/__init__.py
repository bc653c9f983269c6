"""Thin Airflow operators over the warehouse library: each runs plan steps of the run's interval."""

from __future__ import annotations

from operators.base import WarehouseStepOperator
from operators.data_quality import DataQualityOperator
from operators.load_dimension import LoadDimensionOperator
from operators.load_fact import LoadFactOperator
from operators.stage import StageOperator

__all__ = [
    "OPERATORS",
    "DataQualityOperator",
    "LoadDimensionOperator",
    "LoadFactOperator",
    "StageOperator",
    "WarehouseStepOperator",
]

OPERATORS: dict[str, type[WarehouseStepOperator]] = {  # by the plan's layers
    "setup": WarehouseStepOperator,
    "stage": StageOperator,
    "dimensions": LoadDimensionOperator,
    "facts": LoadFactOperator,
    "checks": DataQualityOperator,
    "finish": WarehouseStepOperator,
}
