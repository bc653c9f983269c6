"""End to end: a real DAG processor, API server and scheduler (subprocesses) on a copy of the project, set up as
`make airflow` sets it up; a backfill of five days and a manual run of a two-day window, created through the REST
API, load exactly their data intervals."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from stack import Airflow, add_broken_spec, copy_project, loaded, local_airflow, warehouse_defaults

BACKFILL = ("2018-11-01", "2018-11-02", "2018-11-03", "2018-11-04", "2018-11-05")  # 11-04 has no log
WINDOW = ("2018-11-05", "2018-11-07")  # a manual run's data interval: two days


@dataclass
class Stack:
    airflow: Airflow
    warehouse: Path
    broken_line: int


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory, sample_data: tuple[Path, dict]) -> Iterator[Stack]:
    """The API server and the DAG processor on a project copy with a second, broken spec (the scheduler starts
    in the backfill's test); all stopped however the tests end."""
    sample, _ = sample_data
    work = tmp_path_factory.mktemp("e2e")
    project = copy_project(work / "project")
    broken_line = add_broken_spec(project)
    env = warehouse_defaults(work / "home", sample, work / "warehouse.duckdb")
    env["WAREHOUSE_END_DATE"] = "2018-11-30"  # as `make airflow`: unpaused, the DAG schedules no run of today
    with local_airflow(work, project, env) as airflow:
        yield Stack(airflow, work / "warehouse.duckdb", broken_line)


def test_a_broken_spec_is_an_import_error_while_the_good_dag_keeps_loading(stack: Stack) -> None:
    api, components = stack.airflow.api, stack.airflow.components

    def broken() -> dict | None:
        errors = api.get("/importErrors").json()["import_errors"]
        return next((e for e in errors if e["filename"] == "broken.py"), None)

    error = components.wait_for(broken, 90, "import error of dags/broken.py")
    assert f"config/broken.yaml:{stack.broken_line}:" in error["stack_trace"]
    assert "'@fortnightly' is not one of" in error["stack_trace"]
    dag = components.wait_for(lambda: _found(api.get("/dags/sparkify")), 60, "sparkify DAG")
    assert (dag["is_stale"], dag["has_import_errors"]) == (False, False)
    assert [e["filename"] for e in api.get("/importErrors").json()["import_errors"]] == ["broken.py"]


def test_a_backfill_and_a_manual_run_load_exactly_their_data_intervals(
    stack: Stack, sample_data: tuple[Path, dict]
) -> None:
    _, facts = sample_data
    airflow, api = stack.airflow, stack.airflow.api
    airflow.components.wait_for(lambda: _found(api.get("/dags/sparkify")), 60, "sparkify DAG")
    assert api.patch("/dags/sparkify", json={"is_paused": False}).status_code == 200
    refused = api.post("/dags/sparkify/dagRuns", json={"logical_date": None, "conf": {"tables": ["plays"]}})
    assert refused.status_code == 400 and "'plays' is not one of" in refused.text, refused.text
    airflow.backfill("sparkify", BACKFILL[0], BACKFILL[-1], max_active_runs=2)
    manual = api.post(
        "/dags/sparkify/dagRuns",
        json={
            "dag_run_id": "manual_window",
            "logical_date": f"{WINDOW[1]}T00:00:00Z",  # unlike a backfill run's; the data interval says what it loads
            "data_interval_start": f"{WINDOW[0]}T00:00:00Z",
            "data_interval_end": f"{WINDOW[1]}T00:00:00Z",
        },
    )
    assert manual.status_code == 200, manual.text
    airflow.components.start("scheduler", airflow.env, airflow.project)

    def finished() -> list[dict] | None:
        runs = airflow.runs("sparkify")
        done = len(runs) == len(BACKFILL) + 1 and all(r["state"] in ("success", "failed") for r in runs)
        return runs if done else None

    runs = airflow.components.wait_for(finished, 300, "end of the runs")
    failed = {r["dag_run_id"]: _task_states(api, r["dag_run_id"]) for r in runs if r["state"] != "success"}
    assert not failed, f"failed runs (task states): {failed}; logs in {airflow.components.logs}"
    intervals = {r["run_type"] + " " + r["data_interval_start"][:10]: r["data_interval_end"][:10] for r in runs}
    assert intervals == {
        **{f"backfill {day}": _next_day(day) for day in BACKFILL},
        f"manual {WINDOW[0]}": WINDOW[1],
    }
    backfills = [r for r in runs if r["run_type"] == "backfill"]
    assert [r["logical_date"][:10] for r in backfills] == list(BACKFILL)
    assert backfills[1]["start_date"] < backfills[0]["end_date"], "max_active_runs 2: two runs at once"
    days = (*BACKFILL, "2018-11-06")
    assert loaded(stack.warehouse) == {
        "plays": {day: facts["next_song_by_day"][day] for day in days if day in facts["next_song_by_day"]},
        "staged_events": {  # by interval start: each backfill run its day, the manual run [11-05, 11-07)
            **{day: facts["events_by_day"].get(day, 0) for day in BACKFILL},
            WINDOW[0]: facts["events_by_day"][WINDOW[0]] + facts["events_by_day"]["2018-11-06"],
        },
    }
    # one task per run (a DuckDB target): its log holds each step's section, its XCom each step's counts
    task = f"/dags/sparkify/dagRuns/{backfills[1]['dag_run_id']}/taskInstances/all_steps"
    counts = api.get(f"{task}/xcomEntries/return_value", params={"deserialize": True}).json()["value"]
    assert counts["load_songplays"]["inserted"] == facts["next_song_by_day"][BACKFILL[1]]
    assert counts["check_songplays"]["unique(songplay_id)"] == 0
    log = [line.get("event", "") for line in api.get(f"{task}/logs/1").json()["content"]]
    sections = [event.removeprefix("::group::") for event in log if event.startswith("::group::")]
    steps = sections[sections.index("Pre Execute") + 1 : sections.index("Post Execute")]  # Airflow's own around
    assert steps == list(counts), "a section of the task's log per step, in order"
    assert any(event.startswith("load_songplays success: ") and "deleted=0, inserted=" in event for event in log)


def _next_day(day: str) -> str:
    from datetime import date, timedelta

    return (date.fromisoformat(day) + timedelta(days=1)).isoformat()


def _task_states(api: httpx.Client, run_id: str) -> dict[str, str]:
    instances = api.get(f"/dags/sparkify/dagRuns/{run_id}/taskInstances").json()["task_instances"]
    return {ti["task_id"]: ti["state"] for ti in instances}


def _found(response: httpx.Response) -> dict | None:
    return response.json() if response.status_code == 200 else None
