"""The README's November backfill through Airflow, beside `warehouse run` for the same month.

    python -m bench.airflow_backfill [--days 30] [--tasks step|layer|run] [--work DIR]

Writes the README's sample data (`warehouse sample --days 30 --events-per-day 2000 --seed 7`), times `warehouse run`
over it, then starts an Airflow of its own (API server, DAG processor, scheduler on SQLite, set up as `make airflow`
sets it up, the local DuckDB target), creates a backfill of the days through `POST /api/v2/backfills` (the
dialog's defaults), starts the scheduler, and measures the wall time from the backfill's creation to the last
successful run. Checks that both loaded the same plays per day, and prints a Markdown table.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "airflow"))  # the local Airflow the end-to-end test runs, too

from stack import copy_project, loaded, local_airflow, warehouse_defaults  # noqa: E402

WAREHOUSE = str(ROOT / ".venv" / "bin" / "warehouse")
FIRST = date(2018, 11, 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=30, help="days from 2018-11-01 to backfill")
    parser.add_argument("--tasks", choices=("step", "layer", "run"), help="the DAG's tasks (default: the DAG's own)")
    parser.add_argument(
        "--work", type=Path, help="folder for the data, the warehouses and Airflow (default: temporary)"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="airflow-backfill-") as scratch:
        work = args.work or Path(scratch)
        work.mkdir(parents=True, exist_ok=True)
        last = FIRST + timedelta(days=args.days - 1)
        sample = work / "sample"
        _run(WAREHOUSE, "sample", "--out", sample, "--days", 30, "--events-per-day", 2000, "--seed", 7)
        cli_seconds = _warehouse_run(work, sample, last)
        project = copy_project(work / "project")
        if args.tasks:
            dag_file = project / "dags" / "sparkify.py"
            dag_file.write_text(
                dag_file.read_text().replace('spec_dag("sparkify")', f'spec_dag("sparkify", "{args.tasks}")')
            )
        env = warehouse_defaults(work / "home", sample, work / "airflow.duckdb") | {"WAREHOUSE_END_DATE": "2018-11-30"}
        with local_airflow(work, project, env) as airflow:
            airflow.components.wait_for(lambda: _found(airflow.api.get("/dags/sparkify")), 120, "the DAG")
            assert airflow.api.patch("/dags/sparkify", json={"is_paused": False}).status_code == 200
            started, created = time.monotonic(), datetime.now(UTC)
            backfill = airflow.backfill("sparkify", FIRST.isoformat(), last.isoformat())
            airflow.components.start("scheduler", airflow.env, project)  # after: see Airflow.backfill

            def finished() -> list[dict] | None:
                runs = airflow.runs("sparkify", run_type="backfill")
                done = len(runs) == args.days and all(r["state"] in ("success", "failed") for r in runs)
                return runs if done else None

            runs = airflow.components.wait_for(finished, 3600, "end of the backfill", every=0.5)
            seconds = time.monotonic() - started
            instances = [
                ti
                for run in runs
                for ti in airflow.api.get(f"/dags/sparkify/dagRuns/{run['dag_run_id']}/taskInstances").json()[
                    "task_instances"
                ]
            ]
        failed = [r["dag_run_id"] for r in runs if r["state"] != "success"]
        assert not failed, f"failed runs: {failed}; logs in {work / 'logs'}"
        plays = loaded(work / "airflow.duckdb")["plays"]
        assert plays == loaded(work / "cli.duckdb")["plays"], "Airflow and `warehouse run` loaded different plays"
        tasks = len(instances) // args.days
        print(f"| measurement | {args.days} days | per day |")
        print("|---|---:|---:|")
        print(f"| `warehouse run` | {cli_seconds:.1f} s | {cli_seconds / args.days:.2f} s |")
        print(
            f"| Airflow backfill, tasks `{args.tasks or 'default'}` ({tasks} per run, max_active_runs "
            f"{backfill['max_active_runs']}) | {seconds:.1f} s | {seconds / args.days:.2f} s |"
        )
        busy = sum(ti["duration"] for ti in instances)
        first = min(datetime.fromisoformat(ti["start_date"]) for ti in instances)
        print(
            f"\n{sum(plays.values()):,} plays loaded. The first task started {(first - created).total_seconds():.1f} s "
            f"after the backfill's creation (the scheduler's start). Tasks ran {busy:.1f} s in all (median "
            f"{statistics.median(ti['duration'] for ti in instances):.2f} s); the rest is the scheduler's (tasks "
            "queued, a slot of the pool freed)."
        )


def _warehouse_run(work: Path, sample: Path, last: date) -> float:
    """Seconds of `warehouse run` over the days, as `make demo` runs it."""
    started = time.monotonic()
    _run(
        WAREHOUSE, "run", "--spec", ROOT / "config" / "sparkify.yaml", "--start", FIRST, "--end", last + timedelta(1),
        "--target", f"duckdb:///{work / 'cli.duckdb'}", "--var", f"data_root={sample}",
        "--var", f"staging_root={work / 'staging'}",
        env={"AIRFLOW_CONN_APP_DB": f"duckdb:///{sample}/app.duckdb"},
    )  # fmt: skip
    return time.monotonic() - started


def _run(*command: object, env: dict[str, str] | None = None) -> None:
    import os

    subprocess.run([str(c) for c in command], check=True, capture_output=True, env=os.environ | (env or {}))


def _found(response) -> dict | None:
    return response.json() if response.status_code == 200 else None


if __name__ == "__main__":
    main()
