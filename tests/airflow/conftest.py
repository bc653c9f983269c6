"""Airflow tests: real Airflow on a SQLite metadata DB in a temporary AIRFLOW_HOME, configured here, before
anything imports Airflow; real DuckDB files; generated sample data."""

from __future__ import annotations

import atexit
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from stack import ROOT, airflow_config, warehouse_defaults

if "airflow" in sys.modules:  # its configuration is read once, at import: too late to point it anywhere
    raise RuntimeError("Airflow was imported before tests/airflow/conftest.py could configure it")

HOME = Path(tempfile.mkdtemp(prefix="warehouse-airflow-"))
atexit.register(shutil.rmtree, HOME, ignore_errors=True)
SAMPLE = HOME / "sample"  # written by the `sample_data` fixture
os.environ.update(airflow_config(HOME, ROOT / "dags"))


@pytest.fixture(scope="session", autouse=True)
def _airflow() -> None:
    """Airflow, configured above; importing it puts plugins/ on sys.path, as in Airflow's own processes; and dags/,
    as its DAG processor does, for the DAG factory (`warehouse_dags`)."""
    import airflow  # noqa: F401

    sys.path.append(str(ROOT / "dags"))


@pytest.fixture(scope="module", autouse=True)
def _warehouse_defaults() -> Iterator[None]:
    """The DAGs' defaults (target, connections, vars) for this directory's tests only: the library reads them
    too, and other tests expect the spec's own."""
    with pytest.MonkeyPatch.context() as patch:
        for name, value in warehouse_defaults(HOME, SAMPLE, HOME / "warehouse.duckdb").items():
            patch.setenv(name, value)
        yield


@pytest.fixture(scope="session")
def airflow_db() -> None:
    """The metadata DB, migrated, with the one-slot pool a DuckDB target needs."""
    from airflow.models.pool import Pool
    from airflow.utils.db import initdb
    from operators.targets import DUCKDB_POOL

    initdb()
    Pool.create_or_update_pool(DUCKDB_POOL, 1, "A DuckDB file accepts one writer at a time", include_deferred=False)


@pytest.fixture(scope="session")
def sample_data() -> tuple[Path, dict]:
    """Six days from 2018-11-01 (the fourth, 11-04, is missing) and the app database, where the DAGs' defaults
    read them; and what the generator knows it wrote."""
    from warehouse.sample import write_app_db, write_sample

    facts = write_sample(SAMPLE, days=6, events_per_day=300, songs=50, seed=5)
    facts |= write_app_db(SAMPLE / "app.duckdb", facts, seed=5)
    return SAMPLE, facts
