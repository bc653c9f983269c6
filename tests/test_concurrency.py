"""Two intervals loaded at the same time (a parallel backfill) give what loading them one after the other gives,
on PostgreSQL: each load takes its table, so two MERGEs never insert the same new key twice; two runs started at
the same instant never collide (one setup at a time; a second run of an interval is refused, naming the first);
a DuckDB file another process holds is reported busy."""

import os
import re
import subprocess
import sys
import threading
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from helpers import SPEC, count, load, snapshot

from warehouse.cli import main
from warehouse.compile import compile_spec
from warehouse.results import BUSY_EXIT
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
        current = "SELECT COUNT(*) FROM users WHERE is_current AND user_id IS NOT NULL"
        assert count(target, current) == count(target, "SELECT COUNT(DISTINCT user_id) FROM users")
        assert count(target, "SELECT COUNT(*) FROM songplays") == sum(facts["next_song_by_day"].values())


def _runs_started_together(pg_database: str, data: Path, days: list[str], tmp_path: Path) -> list:
    """`warehouse run` of each day in its own process, all started at the same instant; their outcomes."""
    env = {**os.environ, "AIRFLOW_CONN_APP_DB": f"duckdb:///{data}/app.duckdb"}
    commands = [
        [sys.executable, "-m", "warehouse.cli", "run", "--spec", str(SPEC), "--start", day, "--target", pg_database,
         "--var", f"data_root={data}", "--var", f"staging_root={tmp_path / f'staging{n}'}"]
        for n, day in enumerate(days)
    ]  # fmt: skip
    processes = [
        subprocess.Popen(c, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for c in commands
    ]
    outputs = [p.communicate(timeout=300) for p in processes]
    return [(p.returncode, out, err) for p, (out, err) in zip(processes, outputs, strict=True)]


@pytest.mark.parametrize("attempt", range(3))
def test_runs_of_two_intervals_started_together_into_a_fresh_database_both_load(
    sample, pg_database: str, tmp_path: Path, attempt: int
) -> None:  # the setup lock: one creates the schemas, tables and ledger, the other waits and finds them
    data, facts = sample
    outcomes = _runs_started_together(pg_database, data, ["2018-11-01", "2018-11-02"], tmp_path)
    assert [code for code, _, _ in outcomes] == [0, 0], [err[-1500:] for _, _, err in outcomes]
    with open_target(pg_database) as target:
        plays = sum(facts["next_song_by_day"][d] for d in ("2018-11-01", "2018-11-02"))
        assert count(target, "SELECT COUNT(*) FROM songplays") == plays
        assert count(target, "SELECT COUNT(*) FROM ledger.steps WHERE step = 'finish' AND status = 'success'") == 2


@pytest.mark.parametrize("attempt", range(3))
def test_a_second_run_of_the_same_interval_is_refused_plainly(
    sample, pg_database: str, tmp_path: Path, attempt: int
) -> None:
    data, facts = sample
    outcomes = sorted(_runs_started_together(pg_database, data, ["2018-11-01", "2018-11-01"], tmp_path))
    (loaded, _, _), (refused, out, err) = outcomes
    assert (loaded, refused) == (0, BUSY_EXIT), [e[-1500:] for _, _, e in outcomes]
    assert re.search(
        r"busy: interval \[2018-11-01 00:00, 2018-11-02 00:00\) of sparkify is being loaded by another run "
        r"\(postgres server process pid \d+, warehouse \(pid \d+ on .+\)\): nothing was done", err
    ), err  # fmt: skip
    assert "0 interval(s) loaded" in out and "Traceback" not in err
    with open_target(pg_database) as target:
        assert count(target, "SELECT COUNT(*) FROM songplays") == facts["next_song_by_day"]["2018-11-01"]
        assert count(target, "SELECT COUNT(*) FROM ledger.steps WHERE status <> 'success'") == 0
        locks = count(
            target,
            "SELECT COUNT(*) FROM pg_locks l JOIN pg_database d ON d.oid = l.database "
            "WHERE l.locktype = 'advisory' AND d.datname = current_database()",
        )
        assert locks == 0  # all released


def test_a_duckdb_file_another_process_holds_is_reported_busy(sample, tmp_path: Path, capsys) -> None:
    data, _ = sample
    path = tmp_path / "held.duckdb"
    holder = subprocess.Popen(
        [sys.executable, "-c", f"import duckdb, sys; c = duckdb.connect({str(path)!r}); print('held', flush=True); "
         "sys.stdin.read()"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout.readline() == "held\n"
        code = main(["run", "--spec", str(SPEC), "--start", "2018-11-01", "--target", f"duckdb:///{path}",
                     "--var", f"data_root={data}", "--var", f"staging_root={tmp_path / 'staging'}"])  # fmt: skip
    finally:
        holder.communicate("", timeout=30)
    err = capsys.readouterr().err
    assert code == BUSY_EXIT
    assert f"busy: duckdb:///{path} is busy: process {holder.pid} has it open" in err
