"""The load strategies, by `warehouse.sql.load.strategy(table)`."""

from __future__ import annotations

from collections.abc import Callable

from warehouse.sql.history import dimension_scd2
from warehouse.sql.load import Load, LoadSQL, dimension_replace, dimension_upsert, fact_merge, fact_replace

STRATEGIES: dict[str, Callable[[Load], LoadSQL]] = {
    "upsert": dimension_upsert,
    "replace": dimension_replace,
    "scd2": dimension_scd2,
    "fact_by_time": fact_replace,
    "fact_by_key": fact_merge,
}
