"""What each engine can do, as a table of differences (callers never branch on the engine name)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Features:
    dialect: str
    create_like: bool  # CREATE TEMP TABLE x (LIKE t) keeps the target's layout
    table_properties: bool  # DISTSTYLE, DISTKEY, SORTKEY, ENCODE
    informational_keys: bool  # PRIMARY KEY is declared for the planner but not enforced
    byte_order: str | None  # the collation that sorts text by bytes, where the default may not
    unlogged_staging: bool = False  # staging tables can skip the write-ahead log (they are rebuilt by a rerun)
    indexes: bool = False  # keys and fact times need an index (no zone maps or sort keys to prune with)
    lock: str | None = None  # how a load takes its table for itself ("{}" is the table)


FEATURES = {
    "redshift": Features(
        "redshift", True, table_properties=True, informational_keys=True, byte_order=None, lock="LOCK {}"
    ),
    "postgres": Features(
        "postgres",
        True,
        table_properties=False,
        informational_keys=False,
        byte_order="C",
        unlogged_staging=True,
        indexes=True,
        lock="LOCK TABLE {} IN SHARE ROW EXCLUSIVE MODE",
    ),
    "duckdb": Features("duckdb", False, table_properties=False, informational_keys=False, byte_order=None),
}
DIALECTS = tuple(FEATURES)


def features(dialect: str) -> Features:
    try:
        return FEATURES[dialect]
    except KeyError:
        raise ValueError(f"unknown dialect {dialect!r} (known: {', '.join(DIALECTS)})") from None
