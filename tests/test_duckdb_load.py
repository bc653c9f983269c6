"""End to end on a real DuckDB file: generated data in, the exact rows the generator knows it wrote out."""

from pathlib import Path

import pytest
from helpers import SPEC, count, edit, load, project_copy, snapshot

from warehouse.results import StepFailed
from warehouse.spec import load_spec
from warehouse.targets.duckdb import DuckDBTarget


@pytest.fixture
def target(tmp_path: Path):
    with DuckDBTarget(str(tmp_path / "warehouse.duckdb")) as target:
        yield target


def test_a_month_loads_exactly_what_the_generator_wrote(sample, target) -> None:
    data, facts = sample
    results = load(SPEC, target, "2018-11-01", "2018-11-05", data)
    assert count(target, "SELECT COUNT(*) FROM songplays") == facts["next_song_events"]
    assert count(target, "SELECT COUNT(*) FROM songplays WHERE song_id IS NOT NULL") == facts["matched_plays"]
    assert count(target, "SELECT COUNT(*) FROM songplays WHERE level = 'paid'") == facts["paid_plays"]
    assert count(target, "SELECT COUNT(*) FROM users WHERE is_current AND user_id IS NOT NULL") == facts["users"]
    assert count(target, "SELECT COUNT(*) FROM songs") == facts["songs"]
    assert count(target, "SELECT COUNT(*) FROM artists") == facts["artists"]
    assert count(target, 'SELECT COUNT(*) FROM "time"') == facts["distinct_play_times"]
    assert count(target, "SELECT COUNT(*) FROM accounts") == facts["accounts"]
    staged = sum(r.counts.get("staged", 0) for r in results if r.step.name == "stage_events")
    assert staged == facts["events"]
    assert [r.step.name for r in results].count("finish") == 4  # the missing day too, with a warning
    (missing,) = [r for r in results if r.step.name == "stage_events" and r.warnings]
    assert facts["missing_days"][0] in missing.warnings[0]


@pytest.mark.slow  # a few seconds of loads: `make test`, not `make test-fast`
def test_users_keep_the_level_of_their_latest_play(sample, target) -> None:
    data, facts = sample
    load(SPEC, target, "2018-11-01", "2018-11-05", data)
    _, rows = target.fetch(_sql("SELECT user_id, level FROM users WHERE is_current AND user_id IS NOT NULL"))
    assert {str(user): level for user, level in rows} == facts["final_level"]
    assert facts["users_with_level_change"] > 0


@pytest.mark.slow  # a few seconds of loads: `make test`, not `make test-fast`
def test_rerunning_an_interval_leaves_every_table_identical(sample, target) -> None:
    data, _ = sample
    spec = load_spec(SPEC)
    load(spec, target, "2018-11-01", "2018-11-05", data)
    before = snapshot(target, spec)
    load(spec, target, "2018-11-02", "2018-11-03", data)
    assert snapshot(target, spec) == before
    load(spec, target, "2018-11-01", "2018-11-05", data)
    assert snapshot(target, spec) == before


@pytest.mark.slow  # a few seconds of loads: `make test`, not `make test-fast`
def test_loading_out_of_order_gives_the_same_contents(sample, tmp_path: Path) -> None:
    data, _ = sample
    spec = load_spec(SPEC)
    with DuckDBTarget(str(tmp_path / "in_order.duckdb")) as in_order:
        load(spec, in_order, "2018-11-01", "2018-11-05", data)
        expected = snapshot(in_order, spec)
    with DuckDBTarget(str(tmp_path / "reversed.duckdb")) as reversed_:
        for day in ("2018-11-04", "2018-11-03", "2018-11-02", "2018-11-01"):
            load(spec, reversed_, day, None, data)
        assert snapshot(reversed_, spec) == expected


@pytest.mark.slow  # a few seconds of loads: `make test`, not `make test-fast`
def test_the_ledger_records_every_step_and_the_loaded_song_files(sample, target) -> None:
    data, facts = sample
    load(SPEC, target, "2018-11-01", "2018-11-03", data)
    assert count(target, "SELECT COUNT(*) FROM ledger.steps WHERE status = 'success'") == 2 * 17
    assert (
        count(target, "SELECT COUNT(DISTINCT url) FROM ledger.objects WHERE status = 'loaded'") == facts["song_files"]
    )
    assert count(target, "SELECT COUNT(DISTINCT table_name) FROM ledger.objects") == 2  # songs and artists
    assert count(target, "SELECT SUM(staged) FROM ledger.steps WHERE step = 'stage_events'") == sum(
        facts["events_by_day"][d] for d in ("2018-11-01", "2018-11-02")
    )


@pytest.mark.slow  # a few seconds of loads: `make test`, not `make test-fast`
def test_song_files_are_loaded_once_unless_full_refresh(sample, target) -> None:
    data, facts = sample
    first = load(SPEC, target, "2018-11-01", "2018-11-02", data)
    again = load(SPEC, target, "2018-11-02", "2018-11-03", data)
    refreshed = load(SPEC, target, "2018-11-02", "2018-11-03", data, full_refresh=True)

    def staged(results):
        return next(r.counts["staged"] for r in results if r.step.name == "stage_songs")

    assert (staged(first), staged(again), staged(refreshed)) == (facts["song_files"], 0, facts["song_files"])
    assert count(target, "SELECT COUNT(*) FROM songs") == facts["songs"]


def test_a_table_loaded_later_still_gets_every_object(sample, target) -> None:
    data, facts = sample
    load(SPEC, target, "2018-11-01", None, data, tables=["songs"])
    results = load(SPEC, target, "2018-11-01", None, data, tables=["artists"])
    staged = next(r.counts["staged"] for r in results if r.step.name == "stage_songs")
    assert staged == facts["song_files"]  # new to artists, though songs had them
    assert count(target, "SELECT COUNT(*) FROM artists") == facts["artists"]
    results = load(SPEC, target, "2018-11-02", None, data)
    assert next(r.counts["staged"] for r in results if r.step.name == "stage_songs") == 0


def test_a_table_without_checks_loads(sample, target, tmp_path: Path) -> None:
    data, facts = sample
    spec = project_copy(tmp_path)
    edit(spec, "    checks:\n      - unique: {columns: [artist_id]}\n", "")
    results = load(spec, target, "2018-11-01", None, data)
    assert next(r for r in results if r.step.name == "check_artists").checks == []
    assert count(target, "SELECT COUNT(*) FROM artists") == facts["artists"]


def test_a_missing_day_fails_when_the_spec_says_so(sample, target, tmp_path: Path) -> None:
    data, facts = sample
    spec = project_copy(tmp_path)
    edit(spec, "    on_missing: empty", "    on_missing: error")
    day = facts["missing_days"][0]
    with pytest.raises(StepFailed) as failed:
        load(spec, target, day, None, data)
    assert failed.value.result.step.name == "stage_events"
    assert f"{day}-events.json" in failed.value.result.message
    assert count(target, "SELECT COUNT(*) FROM ledger.steps WHERE status = 'failed'") == 1


def test_a_failed_check_stops_the_run_and_shows_offending_rows(sample, target, tmp_path: Path) -> None:
    data, _ = sample
    spec = project_copy(tmp_path)
    edit(
        tmp_path / "sql" / "dim_users.sql",
        "    e.level,",
        "    CASE WHEN e.userid % 2 = 0 THEN NULL ELSE e.level END AS level,",
    )
    edit(
        spec,
        '      level: {type: varchar(16), nullable: false, description: "Subscription',
        '      level: {type: varchar(16), description: "Subscription',
    )
    with pytest.raises(StepFailed) as failed:
        load(spec, target, "2018-11-01", None, data)
    result = failed.value.result
    assert result.step.name == "check_users"
    assert "users: not_null(user_id, level) failed (error)" in result.message
    assert "user_id | level" in result.message and "| NULL" in result.message


def _sql(text: str):
    import sqlglot

    return sqlglot.parse_one(text)
