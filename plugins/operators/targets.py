"""Where a run writes: the target URL behind an Airflow connection, and the pool a DuckDB file needs."""

from __future__ import annotations

import json
import os

from airflow.sdk import BaseHook

from warehouse.targets import single_writer

DUCKDB_POOL = "duckdb"  # one slot: a DuckDB file accepts one writer at a time


def target_url(target: str) -> str:
    """A URL as given, or the URL of an Airflow connection (secrets backends, environment, metadata DB)."""
    if "://" in target:
        return target
    return BaseHook.get_connection(target).get_uri()


def pool_for(target: str) -> str | None:
    """The pool of a DAG whose default target is `target`: DuckDB's one-slot pool for a DuckDB file.

    Parsing looks no connection up: a connection id counts as DuckDB only when `AIRFLOW_CONN_<ID>` (URI or
    JSON) says so; a DuckDB connection defined elsewhere is refused at run time (see `check_pool`)."""
    if "://" in target:
        return DUCKDB_POOL if single_writer(target) else None
    definition = os.environ.get(f"AIRFLOW_CONN_{target.upper()}", "").strip()
    if definition.startswith("{"):
        try:
            duckdb = single_writer(f"{json.loads(definition).get('conn_type')}://")
        except ValueError:
            duckdb = False
    else:
        duckdb = bool(definition) and single_writer(definition)
    return DUCKDB_POOL if duckdb else None


def check_pool(url: str, pool: str) -> None:
    """Refuse to write a DuckDB file from a task outside the one-slot pool (parallel tasks would fail on its lock)."""
    if single_writer(url) and pool != DUCKDB_POOL:
        raise ValueError(
            f"the target is a DuckDB file, which accepts one writer at a time, but this task runs in pool {pool!r}: "
            f"make the DuckDB target the DAG's default (a duckdb:// URL, or a connection set in AIRFLOW_CONN_<ID>, "
            f"named by WAREHOUSE_TARGET or the spec's connections.warehouse) so that its tasks use the "
            f"{DUCKDB_POOL!r} pool (1 slot)"
        )
