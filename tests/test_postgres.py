"""The PostgreSQL target on the real server: the same spec and data give the same tables as DuckDB."""

from datetime import datetime
from pathlib import Path

import pytest
from helpers import SPEC, count, load, snapshot

from warehouse.compile import compile_spec
from warehouse.interval import Interval
from warehouse.plan import Layer
from warehouse.results import StepFailed
from warehouse.runner import StepRunner
from warehouse.spec import load_spec
from warehouse.steps import Options
from warehouse.targets import open_source, open_target
from warehouse.targets.duckdb import DuckDBTarget


@pytest.fixture
def target(pg_database: str):
    with open_target(pg_database) as target:
        yield target


def test_a_load_has_exactly_the_generated_rows(sample, target) -> None:
    data, facts = sample
    results = load(SPEC, target, "2018-11-01", "2018-11-05", data)
    assert count(target, "SELECT COUNT(*) FROM songplays") == facts["next_song_events"]
    assert count(target, "SELECT COUNT(*) FROM songplays WHERE song_id IS NOT NULL") == facts["matched_plays"]
    assert count(target, "SELECT COUNT(*) FROM users WHERE is_current AND user_id IS NOT NULL") == facts["users"]
    assert count(target, "SELECT COUNT(*) FROM accounts") == facts["accounts"]
    staged = sum(r.counts.get("staged", 0) for r in results if r.step.name == "stage_events")
    assert staged == facts["events"]


def test_duckdb_and_postgresql_hold_identical_tables(sample, target, tmp_path: Path) -> None:
    data, _ = sample
    spec = load_spec(SPEC)
    load(spec, target, "2018-11-01", "2018-11-05", data)
    with DuckDBTarget(str(tmp_path / "parity.duckdb")) as duck:
        load(spec, duck, "2018-11-01", "2018-11-05", data)
        expected = snapshot(duck, spec)
    assert snapshot(target, spec) == expected


def test_rerunning_an_interval_changes_nothing(sample, target) -> None:
    data, _ = sample
    spec = load_spec(SPEC)
    load(spec, target, "2018-11-01", "2018-11-05", data)
    before = snapshot(target, spec)
    load(spec, target, "2018-11-02", None, data)
    assert snapshot(target, spec) == before


def test_a_failing_load_leaves_the_tables_as_they_were(sample, target) -> None:
    data, _ = sample
    spec = load_spec(SPEC)
    load(spec, target, "2018-11-01", None, data)
    before = snapshot(target, spec)
    target.execute(_sql("ALTER TABLE songplays ADD CONSTRAINT few CHECK (session_id < 0) NOT VALID"))
    target.connection.commit()
    with pytest.raises(StepFailed) as failed:
        load(spec, target, "2018-11-02", None, data)
    assert failed.value.result.step.name == "load_songplays"
    assert "few" in failed.value.result.message
    after = snapshot(target, spec)
    assert after["songplays"] == before["songplays"]


def _sql(text: str):
    import sqlglot

    return sqlglot.parse_one(text, read="postgres")


def test_a_loading_session_runs_without_jit_and_stages_with_statistics(sample, target) -> None:
    """The session's settings (warehouse.targets.postgres.SESSION), and a staging table analyzed once filled:
    the planner knows its rows (pg_class.reltuples is -1 for a table never analyzed)."""
    data, _ = sample
    names = ["jit", "work_mem", "default_statistics_target"]
    settings = "SELECT " + ", ".join(f"current_setting('{name}')" for name in names)
    assert target.fetch(_sql(settings))[1] == [("off", "64MB", "10")]
    spec = load_spec(SPEC)
    variables = {"data_root": str(data), "staging_root": f"{data}-staging"}
    options = Options(variables=variables, connect=lambda _: open_source(f"duckdb:///{data}/app.duckdb"))
    runner = StepRunner(compile_spec(spec), Interval(datetime(2018, 11, 2), datetime(2018, 11, 3)), target, options)
    staged = {}
    for step in runner.steps:
        if step.layer in (Layer.SETUP, Layer.STAGE):
            staged[step.subject] = runner.run_step(step).counts.get("staged")
    assert staged["events"]
    estimate = "SELECT reltuples FROM pg_class WHERE relname = 'events_20181102'"
    assert count(target, estimate) == staged["events"]
