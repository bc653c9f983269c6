"""A DAG run against a warehouse whose tables differ from its (edited) spec fails in setup, before moving any data,
with the differences in the task's log; with `on_schema_change: migrate` the additive change is applied and the
day loads. Run with `airflow dags test` in a project copy of its own (its own AIRFLOW_HOME and DAG folder)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import sqlglot
from helpers import edit, load
from stack import ROOT, airflow_config, copy_project, warehouse_defaults

from warehouse.catalog import read
from warehouse.targets.duckdb import DuckDBTarget

AIRFLOW = str(ROOT / ".venv" / "bin" / "airflow")


def _add_fact_column(spec: Path) -> None:
    edit(spec, "      session_id: {type: int, nullable: false, encode: az64}\n",
         "      session_id: {type: int, nullable: false, encode: az64}\n"
         "      item_in_session: {type: int, description: Position of the play in its session}\n")  # fmt: skip
    edit(spec.parent.parent / "sql" / "fact_songplays.sql", "    e.sessionid AS session_id,\n",
         "    e.sessionid AS session_id,\n    e.iteminsession AS item_in_session,\n")  # fmt: skip


def test_a_drifted_warehouse_stops_the_run_in_setup_unless_the_spec_says_migrate(
    sample_data: tuple[Path, dict], tmp_path: Path
) -> None:
    data, facts = sample_data
    project = copy_project(tmp_path / "project")
    spec = project / "config" / "sparkify.yaml"
    home, warehouse = tmp_path / "home", tmp_path / "warehouse.duckdb"
    with DuckDBTarget(str(warehouse)) as target:
        load(spec, target, "2018-11-01", None, data)
    _add_fact_column(spec)
    env = os.environ | airflow_config(home, project / "dags") | warehouse_defaults(home, data, warehouse)
    for command in (["db", "migrate"], ["pools", "set", "duckdb", "1", "one writer"]):
        subprocess.run([AIRFLOW, *command], env=env, cwd=project, check=True, capture_output=True, timeout=300)

    def test_run() -> tuple[str, int, bool]:
        """`airflow dags test` of a manual run at 2018-11-03 (it loads 2018-11-02): its log, and the warehouse."""
        done = subprocess.run(
            [AIRFLOW, "dags", "test", "sparkify", "2018-11-03"], env=env, cwd=project, capture_output=True,
            text=True, timeout=600,
        )  # fmt: skip
        with DuckDBTarget(str(warehouse)) as target:
            plays = target.scalar(sqlglot.parse_one("SELECT COUNT(*) FROM songplays"))
            added = "item_in_session" in read(target, "main")["songplays"].columns
        return done.stdout + done.stderr, plays, added

    day1, day2 = facts["next_song_by_day"]["2018-11-01"], facts["next_song_by_day"]["2018-11-02"]
    log, plays, added = test_run()
    assert "songplays.item_in_session: add column" in log and "warehouse migrate" in log, log[-3000:]
    assert "AirflowFailException" in log and log.count("Task started") == 1  # no retry: it would find the same
    assert (plays, added) == (day1, False)  # setup stopped the run: nothing moved
    edit(spec, "catchup: false\n", "catchup: false\non_schema_change: migrate\n")
    log, plays, added = test_run()
    assert (plays, added) == (day1 + day2, True), log[-3000:]
