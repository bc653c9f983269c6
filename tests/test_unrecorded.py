"""A step that fails because the connection to the warehouse is lost cannot record its failure in the ledger: the
failure is kept in a local file and recorded by the next run (issue 12, item 13), on DuckDB and PostgreSQL."""

import shutil
from datetime import datetime
from pathlib import Path

import psycopg
import pytest
import sqlglot
from helpers import SPEC, load
from sqlglot import exp

from warehouse.compile import load_project
from warehouse.interval import Interval
from warehouse.results import StepFailed
from warehouse.runner import StepRunner
from warehouse.steps import Options
from warehouse.targets import open_target


@pytest.fixture(params=["duckdb", "postgres"])
def url(request, tmp_path: Path) -> str:
    return f"duckdb:///{tmp_path / 'w.duckdb'}" if request.param == "duckdb" else request.getfixturevalue("pg_database")


def lose(target, url: str) -> None:
    """Lose the target's connection: the server ends its session (PostgreSQL); it is closed under it (DuckDB)."""
    if url.startswith("duckdb"):
        target.connection.close()
        return
    pid = target.scalar(exp.select(exp.func("pg_backend_pid")))
    target.connection.commit()
    server, _, _ = url.rpartition("/")
    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (pid,))


def failed_rows(url: str) -> list[tuple]:
    with open_target(url) as target:
        _, rows = target.fetch(
            sqlglot.parse_one(
                "SELECT CAST(interval_start AS DATE), step, status FROM ledger.steps WHERE status = 'failed'"
            )
        )
    return [(str(day), step, status) for day, step, status in rows]


def test_a_failure_lost_with_the_connection_is_recorded_by_the_next_run(url, sample, tmp_path) -> None:
    data = tmp_path / "data"
    shutil.copytree(sample[0], data)
    project = load_project(SPEC)
    options = Options(variables={"data_root": str(data), "staging_root": f"{data}-staging"})
    with open_target(url) as target:
        runner = StepRunner(project, Interval(datetime(2018, 11, 1), datetime(2018, 11, 2)), target, options)
        runner.run_step(runner.plan.step("setup"))
        lose(target, url)
        with pytest.raises(StepFailed):
            runner.run_step(runner.plan.step("stage_events"))
    kept = list((tmp_path / "state" / "unrecorded").glob("*.json"))
    assert len(kept) == 1
    assert failed_rows(url) == []  # status would show the day as missing
    with open_target(url) as target:
        load(SPEC, target, "2018-11-02", None, data)  # the next run, of another day
    assert failed_rows(url) == [("2018-11-01", "stage_events", "failed")]
    assert not kept[0].exists()
