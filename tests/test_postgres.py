"""The PostgreSQL target on the real server: the same spec and data give the same tables as DuckDB."""

from pathlib import Path

import pytest
from helpers import SPEC, count, load, snapshot

from warehouse.results import StepFailed
from warehouse.spec import load_spec
from warehouse.targets import open_target
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
    assert count(target, "SELECT COUNT(*) FROM users") == facts["users"]
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
