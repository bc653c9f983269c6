"""Warehouse engines behind one interface; `open_target` turns a URL or connection id into one."""

from __future__ import annotations

import os
from urllib.parse import urlsplit

from warehouse.targets.base import Staged, Target, redact_url

__all__ = ["Staged", "Target", "open_target", "redact_url", "resolve_url"]

DEFAULT_URL = "duckdb:///warehouse.duckdb"


def resolve_url(target: str) -> str:
    """A URL as given, or a connection id looked up as AIRFLOW_CONN_<ID> (the convention Airflow reads too)."""
    if "://" in target:
        return target
    variable = f"AIRFLOW_CONN_{target.upper()}"
    url = os.environ.get(variable)
    if not url:
        raise ValueError(f"connection {target!r} is neither a URL nor a connection id set in ${variable}")
    return url


def open_target(target: str = DEFAULT_URL) -> Target:
    """duckdb:///relative.duckdb, duckdb:////absolute.duckdb, postgresql://..., redshift://..., or a conn id."""
    url = resolve_url(target)
    scheme = urlsplit(url).scheme
    if scheme == "duckdb":
        from warehouse.targets.duckdb import DuckDBTarget

        return DuckDBTarget(url[len("duckdb:///") :] or ":memory:")
    if scheme in ("postgresql", "postgres"):
        from warehouse.targets.postgres import PostgresTarget

        return PostgresTarget.from_url(url)
    if scheme == "redshift":
        from warehouse.targets.redshift import RedshiftTarget

        return RedshiftTarget.from_url(url)
    raise ValueError(f"unsupported target scheme {scheme!r} in {redact_url(url)} (known: duckdb, postgresql, redshift)")
