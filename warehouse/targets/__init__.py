"""Warehouse engines and the connections to them: `engine_named` and `open_target` turn a name, URL or connection
id into one. This module imports no engine (and no sqlglot) until one is asked for: DAG parsing reads it."""

from __future__ import annotations

import importlib
import logging
import os
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

from warehouse.secrets import mask

if TYPE_CHECKING:
    from warehouse.targets.base import Target
    from warehouse.targets.engine import Engine

FALLBACK_URL = "duckdb:///warehouse.duckdb"
ENGINES = {  # engine name → its module, engine class and target class
    "duckdb": ("warehouse.targets.duckdb", "DuckDB", "DuckDBTarget"),
    "postgres": ("warehouse.targets.postgres", "Postgres", "PostgresTarget"),
    "redshift": ("warehouse.targets.redshift", "Redshift", "RedshiftTarget"),
}
SCHEMES = {"duckdb": "duckdb", "postgresql": "postgres", "postgres": "postgres", "redshift": "redshift"}
SINGLE_WRITER = {"duckdb"}  # engines whose database one process may write at a time


def default_target(spec: str, otherwise: str = FALLBACK_URL) -> str:
    """The target of a spec when none is given: $WAREHOUSE_<SPEC>_TARGET, else $WAREHOUSE_TARGET (every spec's),
    else `otherwise` (the CLI: warehouse.duckdb in the working directory; a DAG: the spec's connection)."""
    return os.environ.get(f"WAREHOUSE_{spec.upper()}_TARGET") or os.environ.get("WAREHOUSE_TARGET") or otherwise


def resolve_url(target: str) -> str:
    """A URL as given, or a connection id looked up as AIRFLOW_CONN_<ID> (the convention Airflow reads too)."""
    if "://" in target:
        return target
    variable = f"AIRFLOW_CONN_{target.upper()}"
    url = os.environ.get(variable)
    if not url:
        raise ValueError(f"connection {target!r} is neither a URL nor a connection id set in ${variable}")
    return url


def engine_name(url: str) -> str:
    """The engine a URL names, by its scheme."""
    scheme = urlsplit(url).scheme
    if scheme not in SCHEMES:
        raise ValueError(f"unsupported target scheme {scheme!r} in {mask(url)} (known: {', '.join(SCHEMES)})")
    return SCHEMES[scheme]


def single_writer(url: str) -> bool:
    """Whether the database at `url` accepts one writing process at a time (a DuckDB file)."""
    return engine_name(url) in SINGLE_WRITER


def engine_named(name: str) -> Engine:
    """An engine by name (duckdb, postgres, redshift) or by a target URL or connection id, without connecting: for
    printing DDL and plans."""
    if name not in ENGINES:
        if "://" not in name and f"AIRFLOW_CONN_{name.upper()}" not in os.environ:
            raise ValueError(
                f"unknown target {name!r}: give an engine ({', '.join(ENGINES)}), a URL or a connection id"
            )
        return open_target(name).engine
    module, engine, _ = ENGINES[name]
    return getattr(importlib.import_module(module), engine)()


def open_target(target: str, read_only: bool = False) -> Target:
    """duckdb:///relative.duckdb, duckdb:////absolute.duckdb, postgresql://..., redshift://..., or a conn id.
    Nothing connects until the first statement; `read_only` for reading a source database."""
    url = resolve_url(target)
    module, _, target_class = ENGINES[engine_name(url)]
    opened = getattr(importlib.import_module(module), target_class).from_url(url, read_only)
    return as_source(opened) if read_only else opened


def as_source(target: Target) -> Target:
    """A source database's target: its statements are logged apart from the warehouse's."""
    target.log = logging.getLogger("warehouse.sql.source")
    return target


def open_source(connection: str) -> Target:
    """A database source by URL or connection id, opened read-only: what `Options.connect` does outside Airflow."""
    return open_target(connection, read_only=True)


def duckdb_path(url: str) -> str:
    """duckdb:///relative.duckdb → relative.duckdb; duckdb:////abs.duckdb → /abs.duckdb; also the forms Airflow's
    Connection.get_uri() makes of those, with the path percent-encoded in the host or the path."""
    parts = urlsplit(url)
    return unquote(parts.netloc) if parts.netloc else unquote(parts.path[1:]) or ":memory:"
