"""Checks catch real problems: each kind fails on broken rows and shows them; the ledger and status tell it."""

import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlglot
from helpers import SPEC, count, edit, load, project_copy

from warehouse.compile import load_project
from warehouse.interval import Interval
from warehouse.plan import plan
from warehouse.results import ChecksFailed, StepFailed
from warehouse.runner import StepRunner
from warehouse.steps import Options
from warehouse.targets.duckdb import DuckDBTarget

DAY = Interval(datetime(2018, 11, 1), datetime(2018, 11, 2))


@pytest.fixture(scope="module")
def two_days(sample, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A DuckDB file with the sample's first two days, loaded once: each test tampers with a copy."""
    data, _ = sample
    path = tmp_path_factory.mktemp("two-days") / "w.duckdb"
    with DuckDBTarget(str(path)) as target:
        load(SPEC, target, "2018-11-01", "2018-11-03", data)
    return path


@pytest.fixture
def loaded(sample, two_days: Path, tmp_path: Path):
    """A warehouse with the sample's first two days, and a way to rerun one check step of the first day."""
    data, _ = sample
    shutil.copy(two_days, tmp_path / "w.duckdb")
    with DuckDBTarget(str(tmp_path / "w.duckdb")) as target:

        def check(table: str, spec_path: Path = SPEC):
            project = load_project(spec_path)
            runner = StepRunner(project, DAY, target, Options(variables={"data_root": str(data)}))
            (step,) = [s for s in plan(project) if s.name == f"check_{table}"]
            return runner.run_step(step)

        yield target, check


def tamper(target, sql: str) -> None:
    with target.transaction():
        target.execute(sqlglot.parse_one(sql, read="duckdb"))


def failure(check, table: str) -> str:
    with pytest.raises(StepFailed) as failed:
        check(table)
    assert isinstance(failed.value.__cause__, ChecksFailed), failed.value
    return failed.value.result.message


def test_everything_passes_on_good_data(loaded) -> None:
    _, check = loaded
    result = check("songplays")
    outcomes = {c.name: c.outcome for c in result.checks}
    assert outcomes.pop("row_count(staged events)") == "skipped"  # the interval finished: its staging is gone
    assert set(outcomes.values()) == {"passed"}
    assert len(outcomes) == len(load_project(SPEC).spec.tables["songplays"].checks) - 1  # every other check ran


def test_not_null_shows_the_offending_rows(loaded, tmp_path: Path) -> None:
    target, check = loaded
    spec = project_copy(tmp_path)
    edit(spec, "- not_null: {columns: [user_id, level]}", "- not_null: {columns: [user_id, level, first_name]}")
    tamper(target, "UPDATE users SET first_name = NULL WHERE user_id IN (SELECT user_id FROM users ORDER BY 1 LIMIT 7)")
    with pytest.raises(StepFailed) as failed:
        check("users", spec)
    message = failed.value.result.message
    assert "users: not_null(user_id, level, first_name) failed (error): 7 offending row(s)" in message
    assert "user_id | level | first_name" in message
    assert message.count("| NULL") == 5  # at most five shown


def test_unique_on_a_fact_sees_only_the_interval(loaded) -> None:
    target, check = loaded
    tamper(target, "INSERT INTO songplays SELECT * FROM songplays WHERE start_time >= '2018-11-02' LIMIT 3")
    assert all(c.passed for c in check("songplays").checks if c.name.startswith("unique"))
    tamper(target, "INSERT INTO songplays SELECT * FROM songplays WHERE start_time < '2018-11-02' LIMIT 2")
    assert "songplays: unique(songplay_id) failed (error): 2 offending row(s)" in failure(check, "songplays")


def test_references_name_the_fact_rows_without_a_dimension_row(loaded) -> None:
    target, check = loaded
    _, rows = target.fetch(sqlglot.parse_one("SELECT user_id FROM songplays WHERE start_time < '2018-11-02' LIMIT 1"))
    user = rows[0][0]
    tamper(target, f"DELETE FROM users WHERE user_id = {user}")
    message = failure(check, "songplays")
    assert "songplays: references(user_id → users) failed (error)" in message
    assert f"| {user}" in message


def test_accepted_values(loaded) -> None:
    target, check = loaded
    tamper(target, "UPDATE users SET level = 'gold' WHERE is_current AND user_id = (SELECT MIN(user_id) FROM users)")
    assert "users: accepted_values(level in 2 value(s)) failed (error): 1 offending row(s)" in failure(check, "users")


def test_custom_sql(loaded) -> None:
    target, check = loaded
    tamper(target, "UPDATE songplays SET artist_id = NULL WHERE song_id IS NOT NULL AND start_time < '2018-11-02'")
    message = failure(check, "songplays")
    assert "songplays: sql(plays_match_song_and_artist) failed (error)" in message


def test_a_staged_count_mismatch_is_reported(sample, tmp_path: Path) -> None:
    data, facts = sample
    spec = project_copy(tmp_path)
    edit(
        tmp_path / "sql" / "fact_songplays.sql",
        "WHERE e.page = 'NextSong'",
        "WHERE e.page = 'NextSong' AND e.sessionid % 10 <> 0",
    )
    with DuckDBTarget(str(tmp_path / "w.duckdb")) as target:
        results = load(spec, target, "2018-11-01", None, data)
    (checks,) = [r for r in results if r.step.name == "check_songplays"]
    (staged,) = [c for c in checks.checks if c.name == "row_count(staged events)"]
    assert staged.failures == 1 and staged.columns == ["rows", "staged"]
    assert staged.sample[0][1] == facts["next_song_by_day"]["2018-11-01"] > staged.sample[0][0]


def test_freshness_warns_on_an_empty_interval(sample, tmp_path: Path) -> None:
    data, facts = sample
    day = facts["missing_days"][0]
    with DuckDBTarget(str(tmp_path / "w.duckdb")) as target:
        results = load(SPEC, target, day, None, data)
    (checks,) = [r for r in results if r.step.name == "check_songplays"]
    assert {c.name for c in checks.checks if not c.passed} == {"row_count(min=1)", "freshness(start_time within 1d)"}
    assert checks.status == "success"  # both are warnings


def test_the_ledger_records_checks_steps_and_status(loaded) -> None:
    target, check = loaded
    tamper(target, "UPDATE users SET level = 'gold' WHERE is_current AND user_id = (SELECT MIN(user_id) FROM users)")
    failure(check, "users")
    assert count(target, "SELECT COUNT(*) FROM ledger.checks WHERE status = 'failed'") == 1
    assert count(target, "SELECT COUNT(*) FROM ledger.checks WHERE status = 'passed'") > 20
    assert count(target, "SELECT COUNT(*) FROM ledger.steps WHERE status = 'failed' AND step = 'check_users'") == 1
    target.close()
    done = subprocess.run(
        [sys.executable, "-m", "warehouse.cli", "status", "--spec", str(SPEC), "--target",
         f"duckdb:///{target.path}", "--end", "2018-11-05"],
        capture_output=True, text=True,
    )  # fmt: skip
    assert done.returncode == 1, done.stderr  # a failed interval
    lines = done.stdout.splitlines()
    assert any(line.startswith("failed") and "2018-11-01 00:00" in line and "check_users" in line for line in lines)
    assert any(line.startswith("loaded") and "2018-11-02 00:00" in line for line in lines)
    assert any(line.startswith("missing") and "2018-11-03 00:00 .. 2018-11-04 00:00" in line for line in lines)
    assert any(line.startswith("songplays") for line in lines)
    behind = (datetime.now(UTC).replace(tzinfo=None) - datetime(2018, 11, 3)).days  # 11-02 alone is loaded
    assert f"loaded range 2018-11-02 00:00 .. 2018-11-03 00:00 (UTC); its end is {behind:,} day(s) before now" in lines
