"""What `warehouse plan` prints is what a run executes: one day loaded with `warehouse run -v` on DuckDB and on
the PostgreSQL server, every statement it sent to the warehouse found in `warehouse plan` for that day and
engine, in the same order (Redshift: tests/test_redshift.py, through a connection that behaves like its driver)."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from plan_statements import in_order, planned

from warehouse.cli import main


@pytest.fixture(params=["duckdb", "postgres"])
def target(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "duckdb":
        return f"duckdb:///{tmp_path / 'w.duckdb'}"
    return request.getfixturevalue("pg_database")


def test_every_statement_of_a_run_is_in_the_plan_in_order(
    sample, target: str, tmp_path: Path, capsys: pytest.CaptureFixture, caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    data, _ = sample
    monkeypatch.setenv("AIRFLOW_CONN_APP_DB", f"duckdb:///{data}/app.duckdb")
    day = ["--var", f"data_root={data}", "--var", f"staging_root={tmp_path}/staging"]
    engine = "duckdb" if target.startswith("duckdb") else "postgres"
    assert main(["plan", "--date", "2018-11-02", "--target", engine, *day]) == 0
    plan = planned(capsys.readouterr().out)
    caplog.set_level(logging.INFO, logger="warehouse.sql")
    assert main(["run", "--start", "2018-11-02", "--target", target, "-v", *day]) == 0
    executed = [r.getMessage() for r in caplog.records if r.name == "warehouse.sql"]
    assert len(executed) > 50
    in_order(executed, plan)
