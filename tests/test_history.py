"""Type 2 history (`users` is scd2 on `level`, `songplays` looks it up) on DuckDB and the PostgreSQL server, with
the generated sample: any load order gives the same tables, a version per level change, every play pointing to
the version of its level, inferred members completed in place, and the same surrogate keys on both engines."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
import sqlglot
from helpers import SPEC, count, edit, load, project_copy, snapshot

from warehouse.compile import compile_spec
from warehouse.results import StepFailed
from warehouse.runner import rebuild
from warehouse.spec import load_spec
from warehouse.steps import Options
from warehouse.targets import open_source, open_target

DAYS = ["2018-11-01", "2018-11-02", "2018-11-03", "2018-11-04"]  # the third has no log
HISTORY = ("users", "songplays")
pytestmark = pytest.mark.slow  # every test loads several days: `make test`, not `make test-fast`


@pytest.fixture(params=["duckdb", "postgres"])
def warehouse(request: pytest.FixtureRequest, tmp_path: Path):
    """A function giving a new, empty warehouse URL on the engine each time it is called."""
    made = iter(range(10))
    if request.param == "duckdb":
        return lambda: f"duckdb:///{tmp_path / f'w{next(made)}.duckdb'}"
    urls = iter([request.getfixturevalue("pg_database")])
    return lambda: next(urls)


def load_days(url: str, days: list[str], data_root: Path, **options) -> dict[str, tuple[int, str]]:
    spec = load_spec(SPEC)
    with open_target(url) as target:
        for day in days:
            results = load(spec, target, day, None, data_root, **options)
            assert all(r.status == "success" for r in results), [r.message for r in results]
        return {name: shot for name, shot in snapshot(target, spec).items() if name in HISTORY}


def test_any_load_order_gives_the_same_history(sample, warehouse, tmp_path: Path):
    data_root, facts = sample
    url = warehouse()
    in_order = load_days(url, DAYS, data_root)
    with open_target(url) as target:
        versions = count(target, "SELECT COUNT(*) FROM users WHERE user_id IS NOT NULL AND NOT is_inferred")
        assert versions == facts["users"] + facts["level_changes"]
        assert facts["level_changes"] > 0
        assert count(target, "SELECT COUNT(*) FROM users WHERE user_id IS NULL") == 1  # the unknown member
        assert count(target, "SELECT COUNT(*) FROM users WHERE is_current") == facts["users"] + 1
        wrong = (
            "SELECT COUNT(*) FROM songplays AS s JOIN users AS u ON u.user_key = s.user_key WHERE u.level <> s.level"
        )
        assert count(target, wrong) == 0
        assert count(target, "SELECT COUNT(*) FROM songplays") == facts["next_song_events"]
        assert (
            count(target, "SELECT COUNT(*) FROM songplays AS s JOIN users AS u ON u.user_key = s.user_key")
            == (facts["next_song_events"])
        )
    if url.startswith("duckdb"):  # the PostgreSQL fixture gives one database: the other orders on DuckDB only
        assert load_days(warehouse(), DAYS[::-1], data_root) == in_order
        assert load_days(warehouse(), [DAYS[1], DAYS[3], DAYS[0], DAYS[1], DAYS[0], DAYS[2]], data_root) == in_order
    else:  # repeated days, then the same tables as DuckDB's (the same surrogate keys)
        assert load_days(url, [DAYS[1], DAYS[0]], data_root) == in_order
        assert load_days(f"duckdb:///{tmp_path / 'same.duckdb'}", DAYS, data_root) == in_order


def test_inferred_members_are_completed_in_place(sample, warehouse):
    """Plays loaded before their users get inferred members; when the users load, the members are completed with
    the same surrogate keys, and the plays point to the version valid at their time."""
    data_root, _ = sample
    url = warehouse()
    load_days(url, DAYS[:1], data_root, tables=["songplays"])
    with open_target(url) as target:
        inferred = count(target, "SELECT COUNT(*) FROM users WHERE is_inferred")
        assert inferred > 0
        assert count(target, "SELECT COUNT(*) FROM users WHERE is_inferred AND level IS NULL") == inferred
        keys = count(target, "SELECT COUNT(DISTINCT user_key) FROM users WHERE is_inferred")
    load_days(url, DAYS[:1], data_root, tables=["users"])
    with open_target(url) as target:
        assert count(target, "SELECT COUNT(*) FROM users WHERE is_inferred") == 0
        kept = "SELECT COUNT(DISTINCT s.user_key) FROM songplays AS s JOIN users AS u ON u.user_key = s.user_key"
        assert count(target, kept) >= keys  # each inferred key now a real version (plays may move to a later one)
        wrong = (
            "SELECT COUNT(*) FROM songplays AS s JOIN users AS u ON u.user_key = s.user_key WHERE u.level <> s.level"
        )
        assert count(target, wrong) == 0
        pointed = target.fetch(sqlglot.parse_one("SELECT songplay_id, user_key FROM songplays"))[1]
    if url.startswith("duckdb"):  # as if the users had loaded first
        other = warehouse()
        load_days(other, DAYS[:1], data_root)
        with open_target(other) as target:
            assert sorted(pointed) == sorted(
                target.fetch(sqlglot.parse_one("SELECT songplay_id, user_key FROM songplays"))[1]
            )


def test_a_corrupted_history_fails_the_history_check(sample, tmp_path: Path):
    """Every scd2 dimension has the history check: a key with two current, overlapping versions fails it, and the
    failure shows them. By default it reads the keys the run touched (a key no run touches keeps the history its
    last run checked): `scope: table` reads every key."""
    data_root, _ = sample
    url = f"duckdb:///{tmp_path / 'w.duckdb'}"
    load_days(url, DAYS[:1], data_root, tables=["users"])
    with open_target(url) as target, target.transaction():
        for statement in (
            "INSERT INTO users (user_id, level, user_key, valid_from, valid_to, is_current, is_inferred) "
            "VALUES (999999, 'free', 1, '2018-11-01 10:00:00', NULL, TRUE, FALSE)",
            "INSERT INTO users (user_id, level, user_key, valid_from, valid_to, is_current, is_inferred) "
            "VALUES (999999, 'paid', 2, '2018-11-01 12:00:00', NULL, TRUE, FALSE)",
        ):
            target.execute(sqlglot.parse_one(statement))
    with open_target(url) as target:  # day 2 does not touch key 999999
        assert all(r.status == "success" for r in load(SPEC, target, DAYS[1], None, data_root, tables=["users"]))
    spec = project_copy(tmp_path / "project")
    users = "valid_from]}\n      - accepted_values: {column: level, values: [free, paid]}"
    edit(spec, users, f"{users}\n      - history: {{scope: table}}")
    with open_target(url) as target, pytest.raises(StepFailed) as failed:
        load(spec, target, DAYS[1], None, data_root, tables=["users"])
    (history,) = [c for c in failed.value.result.checks if c.name == "history(valid_from, valid_to, is_current)"]
    assert history.failures == 2 and "history(valid_from, valid_to, is_current) failed" in str(failed.value)
    assert {row[0] for row in history.sample} == {999999}
    assert history.columns[:6] == ["user_id", "user_key", "valid_from", "valid_to", "is_current", "next_valid_from"]


def test_rebuild_recomputes_the_history_from_a_date_and_repoints_the_facts(sample, tmp_path: Path):
    """`warehouse run --rebuild users --start D`: the versions from D on come back from the sources, and the plays
    point to them again, with the swap."""
    data_root, _ = sample
    url = f"duckdb:///{tmp_path / 'w.duckdb'}"
    before = load_days(url, DAYS, data_root)
    spec = load_spec(SPEC)
    with open_target(url) as target:
        with target.transaction():
            target.execute(sqlglot.parse_one("DELETE FROM users WHERE valid_from >= '2018-11-02'"))
            target.execute(sqlglot.parse_one("UPDATE songplays SET user_key = 0 WHERE start_time >= '2018-11-02'"))
        assert snapshot(target, spec)["songplays"] != before["songplays"]
        options = Options(
            variables={"data_root": str(data_root), "staging_root": f"{data_root}-staging"},
            connect=lambda _: open_source(f"duckdb:///{data_root}/app.duckdb"),
        )
        rebuild(compile_spec(spec), "users", datetime(2018, 11, 2), datetime(2018, 11, 5), target, options)
        assert {n: s for n, s in snapshot(target, spec).items() if n in HISTORY} == before


def test_a_late_file_slots_its_versions_into_the_history(tmp_path_factory: pytest.TempPathFactory, warehouse):
    """The generator's late file (`warehouse sample --late`) arrives after later days loaded: its day, loaded
    again, inserts its versions in place (closing and reopening neighbours), as if it had come on time."""
    from warehouse.sample import write_app_db, write_sample

    data_root = tmp_path_factory.mktemp("late")
    facts = write_sample(data_root, days=4, events_per_day=300, songs=40, seed=5, late=True)
    write_app_db(data_root / "app.duckdb", facts, seed=5)
    (late,) = facts["late_days"]
    url = warehouse()
    load_days(url, DAYS, data_root)  # the late day loads empty
    for path in (data_root / "late").rglob("*.json"):
        moved = data_root / path.relative_to(data_root / "late")
        path.rename(moved)
    arrived = load_days(url, [late], data_root)
    with open_target(url) as target:
        versions = count(target, "SELECT COUNT(*) FROM users WHERE user_id IS NOT NULL AND NOT is_inferred")
        assert versions == facts["users"] + facts["level_changes"]
    if url.startswith("duckdb"):
        assert arrived == load_days(warehouse(), DAYS, data_root)
