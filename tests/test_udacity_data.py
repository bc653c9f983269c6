"""The real Udacity Sparkify sample data (an excerpt, tests/fixtures/udacity) loads correctly."""

import pytest
from helpers import ROOT, SPEC, count, load

from warehouse.targets.duckdb import DuckDBTarget

pytestmark = pytest.mark.slow  # subprocesses and whole loads: `make test`, not `make test-fast`

DATA = ROOT / "tests" / "fixtures" / "udacity"


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory):
    path = tmp_path_factory.mktemp("udacity") / "warehouse.duckdb"
    with DuckDBTarget(str(path)) as target:
        tables = ["users", "songs", "artists", "time", "songplays"]  # the excerpt has no app database
        results = load(SPEC, target, "2018-11-01", "2018-11-22", DATA, tables=tables)
        yield target, results


def test_every_next_song_event_becomes_one_songplay(warehouse) -> None:
    target, results = warehouse
    assert sum(r.counts.get("staged", 0) for r in results if r.step.name == "stage_events") == 643
    assert count(target, "SELECT COUNT(*) FROM songplays") == 548
    assert count(target, "SELECT COUNT(DISTINCT songplay_id) FROM songplays") == 548


def test_users_are_not_duplicated_by_level_changes(warehouse) -> None:
    target, _ = warehouse
    assert count(target, "SELECT COUNT(*) FROM users WHERE is_current AND user_id IS NOT NULL") == 33
    current = "SELECT user_id, level FROM users WHERE is_current AND user_id IN (15, 49) ORDER BY user_id"
    _, rows = target.fetch(_sql(current))
    assert rows == [(15, "paid"), (49, "paid")]


def test_a_play_of_a_song_in_the_data_is_matched_to_it(warehouse) -> None:
    target, _ = warehouse
    _, rows = target.fetch(
        _sql("SELECT user_id, session_id, song_id, artist_id FROM songplays WHERE song_id IS NOT NULL")
    )
    assert rows == [(15, 818, "SOZCTXZ12AB0182364", "AR5KOSW1187FB35FF4")]


def test_catalogue_and_time_dimensions(warehouse) -> None:
    target, _ = warehouse
    assert count(target, "SELECT COUNT(*) FROM songs") == 22
    assert count(target, 'SELECT COUNT(*) FROM "time"') == count(
        target, "SELECT COUNT(DISTINCT start_time) FROM songplays"
    )
    assert count(target, "SELECT COUNT(*) FROM songs WHERE year IS NULL") > 0  # year 0 means unknown


def test_days_without_a_log_are_reported(warehouse) -> None:
    _, results = warehouse
    warned = [r for r in results if r.step.name == "stage_events" and r.warnings]
    assert len(warned) == 21 - 3


def _sql(text: str):
    import sqlglot

    return sqlglot.parse_one(text)
