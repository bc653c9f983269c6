"""Warehouse engines behind one interface; `open_target` turns a URL or connection id into one."""

from __future__ import annotations

import os
from urllib.parse import unquote, urlsplit

from warehouse.targets.base import Staged, Target, redact_url

__all__ = ["Staged", "Target", "open_target", "redact_url", "resolve_url"]

DEFAULT_URL = os.environ.get("WAREHOUSE_TARGET") or "duckdb:///warehouse.duckdb"  # as the DAGs read it too


def resolve_url(target: str) -> str:
    """A URL as given, or a connection id looked up as AIRFLOW_CONN_<ID> (the convention Airflow reads too)."""
    if "://" in target:
        return target
    variable = f"AIRFLOW_CONN_{target.upper()}"
    url = os.environ.get(variable)
    if not url:
        raise ValueError(f"connection {target!r} is neither a URL nor a connection id set in ${variable}")
    return url


def duckdb_path(url: str) -> str:
    """duckdb:///relative.duckdb → relative.duckdb; duckdb:////abs.duckdb → /abs.duckdb; also the forms Airflow's
    Connection.get_uri() makes of those, with the path percent-encoded in the host or the path."""
    parts = urlsplit(url)
    return unquote(parts.netloc) if parts.netloc else unquote(parts.path[1:]) or ":memory:"


def open_target(target: str = DEFAULT_URL) -> Target:
    """duckdb:///relative.duckdb, duckdb:////absolute.duckdb, postgresql://..., redshift://..., or a conn id."""
    url = resolve_url(target)
    scheme = urlsplit(url).scheme
    if scheme == "duckdb":
        from warehouse.targets.duckdb import DuckDBTarget

        return DuckDBTarget(duckdb_path(url))
    if scheme in ("postgresql", "postgres"):
        from warehouse.targets.postgres import PostgresTarget

        return PostgresTarget.from_url(url)
    if scheme == "redshift":
        from warehouse.targets.redshift import RedshiftTarget

        return RedshiftTarget.from_url(url)
    raise ValueError(f"unsupported target scheme {scheme!r} in {redact_url(url)} (known: duckdb, postgresql, redshift)")
