"""Staging tables a failed interval leaves behind: `warehouse status` lists them with their interval's state, and
`warehouse clean` drops them, keeping those of intervals still loading. On DuckDB and PostgreSQL."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from helpers import SPEC, load

from warehouse.cli import main
from warehouse.compile import load_project
from warehouse.interval import Interval
from warehouse.results import StepFailed
from warehouse.runner import StepRunner
from warehouse.steps import Options
from warehouse.targets import open_target


@pytest.fixture(params=["duckdb", "postgres"])
def url(request, tmp_path: Path) -> str:
    return f"duckdb:///{tmp_path / 'w.duckdb'}" if request.param == "duckdb" else request.getfixturevalue("pg_database")


@pytest.mark.slow  # a few seconds of loads: `make test`, not `make test-fast`
def test_status_lists_the_staging_tables_left_behind_and_clean_drops_them(
    sample, url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    data, _ = sample
    with open_target(url) as target:
        load(SPEC, target, "2018-11-01", None, data)  # finished: its staging tables are gone
        original = target.execute

        def failing(statement, params=None):
            if target.engine.render(statement).startswith('INSERT INTO "songplays"'):
                raise RuntimeError("disk full")
            return original(statement, params)

        monkeypatch.setattr(target, "execute", failing)
        with pytest.raises(StepFailed, match="disk full"):
            load(SPEC, target, "2018-11-02", None, data)
        monkeypatch.undo()
        options = Options(variables={"data_root": str(data), "staging_root": f"{data}-staging"})
        running = StepRunner(
            load_project(SPEC), Interval(datetime(2018, 11, 4), datetime(2018, 11, 5)), target, options
        )
        for name in ("setup", "stage_events"):  # an interval still loading
            running.run_step(running.plan.step(name))

    monkeypatch.setenv("AIRFLOW_CONN_APP_DB", f"duckdb:///{data}/app.duckdb")
    assert main(["status", "--target", url, "--start", "2018-11-01", "--end", "2018-11-05"]) == 1  # day 2 failed
    listed = capsys.readouterr().out.split("staging tables in staging")[1].splitlines()
    assert [line.split()[:4] for line in listed[3:]] == [
        ["accounts_20181102", "2018-11-02", "00:00", "failed"],
        ["events_20181102", "2018-11-02", "00:00", "failed"],
        ["events_20181104", "2018-11-04", "00:00", "running"],
        ["songs_20181102", "2018-11-02", "00:00", "failed"],
    ]

    assert main(["clean", "--target", url]) == 0
    out = capsys.readouterr().out
    assert "dropped staging.events_20181102 (its interval failed)" in out and "3 staging table(s) dropped" in out
    main(["status", "--target", url])
    listed = capsys.readouterr().out.split("staging tables in staging")[1]
    assert "events_20181104" in listed and "20181102" not in listed
    assert main(["clean", "--target", url]) == 0
    assert "no staging table left behind" in capsys.readouterr().out
