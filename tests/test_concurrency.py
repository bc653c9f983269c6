"""Two intervals loaded at the same time (a parallel backfill) give what loading them one after the other gives,
on PostgreSQL: each load takes its table, so two MERGEs never insert the same new key twice."""

import threading
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from helpers import SPEC, count, load, snapshot

from warehouse.compile import compile_spec
from warehouse.runner import run
from warehouse.spec import load_spec
from warehouse.steps import Options
from warehouse.targets import open_source, open_target

pytestmark = pytest.mark.slow  # subprocesses and whole loads: `make test`, not `make test-fast`


def test_parallel_intervals_equal_sequential_ones(sample, pg_database: str, tmp_path: Path) -> None:
    data, facts = sample
    spec = load_spec(SPEC)
    days = ["2018-11-01", "2018-11-02", "2018-11-04"]
    with open_target(f"duckdb:///{tmp_path / 'sequential.duckdb'}") as sequential:
        for day in days:
            load(spec, sequential, day, None, data)
        expected = snapshot(sequential, spec)

    with open_target(pg_database) as target:  # the tables exist before the race, and the accounts' first (full)
        load(spec, target, "2018-11-01", None, data, tables=["songs", "accounts"])  # load is done, as in sequence
    ready = threading.Barrier(len(days))
    errors: list[BaseException] = []

    def worker(day: str) -> None:
        start = datetime.fromisoformat(day)

        def in_step(result) -> None:
            if result.step.name == "stage_accounts":  # staged: now every worker merges users at once
                ready.wait(timeout=60)

        options = Options(variables={"data_root": str(data), "staging_root": f"{data}-staging"},
                          connect=lambda _: open_source(f"duckdb:///{data}/app.duckdb"))  # fmt: skip
        try:
            with open_target(pg_database) as target:
                run(compile_spec(spec), start, start + timedelta(days=1), target, options, progress=in_step)
        except BaseException as error:
            errors.append(error)
            ready.abort()

    threads = [threading.Thread(target=worker, args=(day,)) for day in days]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=180)
    assert not errors, errors
    with open_target(pg_database) as target:
        assert snapshot(target, spec) == expected
        assert count(target, "SELECT COUNT(*) FROM users") == count(target, "SELECT COUNT(DISTINCT user_id) FROM users")
        assert count(target, "SELECT COUNT(*) FROM songplays") == sum(facts["next_song_by_day"].values())
