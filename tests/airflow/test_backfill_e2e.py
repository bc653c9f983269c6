"""End to end: a real DAG processor, API server and scheduler (subprocesses) on a copy of the project; a
backfill of three days created through the REST API loads exactly those days."""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from stack import ROOT, add_broken_spec, airflow_config, copy_project, loaded, warehouse_defaults

AIRFLOW = str(ROOT / ".venv" / "bin" / "airflow")
DAYS = ("2018-11-01", "2018-11-02", "2018-11-03")


@dataclass
class Components:
    """Airflow's processes, each in a process group of its own, and the folder of their logs."""

    logs: Path
    processes: list[subprocess.Popen] = field(default_factory=list)

    def start(self, name: str, env: dict[str, str], cwd: Path) -> None:
        with open(self.logs / f"{name}.log", "wb") as log:
            self.processes.append(
                subprocess.Popen(
                    [AIRFLOW, name], env=env, cwd=cwd, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
                )
            )

    def wait_for(self, probe: Callable[[], Any], seconds: float, what: str) -> Any:
        """`probe()`'s first truthy answer, polled each second while every component runs."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            found = probe()
            if found:
                return found
            stopped = [p.args[1] for p in self.processes if p.poll() is not None]
            assert not stopped, f"{', '.join(stopped)} stopped, waiting for {what}; logs in {self.logs}"
            time.sleep(1)
        raise AssertionError(f"no {what} after {seconds:.0f} s; the components' logs are in {self.logs}")

    def stop(self) -> None:
        """Stop each component and every process it started: politely, then for good."""
        for process in self.processes:
            for sig in (signal.SIGTERM, signal.SIGKILL):
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, sig)
                if _group_ended(process, 20):
                    break


@dataclass
class Airflow:
    api: httpx.Client
    components: Components
    env: dict[str, str]
    project: Path
    warehouse: Path
    broken_line: int


@pytest.fixture(scope="module")
def airflow(tmp_path_factory: pytest.TempPathFactory, sample_data: tuple[Path, dict]) -> Iterator[Airflow]:
    """The API server and the DAG processor on a project copy with a second, broken spec (the scheduler starts
    in the backfill's test); all stopped however the tests end."""
    sample, _ = sample_data
    work = tmp_path_factory.mktemp("e2e")
    project = copy_project(work / "project")
    broken_line = add_broken_spec(project)
    with open(project / "config" / "sparkify.yaml", "a") as spec:
        spec.write("end_date: 2018-11-30\n")  # unpaused, the DAG schedules no run of today
    port = _free_port()
    env = os.environ | airflow_config(work / "home", project / "dags")
    env |= warehouse_defaults(work / "home", sample, work / "warehouse.duckdb")
    env |= {
        "AIRFLOW__API__HOST": "127.0.0.1",
        "AIRFLOW__API__PORT": str(port),
        "AIRFLOW__API_AUTH__JWT_SECRET": secrets.token_hex(32),
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{port}/execution/",
        "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(_free_port()),
        "AIRFLOW__SCHEDULER__SCHEDULER_IDLE_SLEEP_TIME": "0.2",
    }
    subprocess.run([AIRFLOW, "db", "migrate"], env=env, cwd=project, check=True, capture_output=True, timeout=180)
    components = Components(work / "logs")
    components.logs.mkdir()
    try:
        for name in ("api-server", "dag-processor"):
            components.start(name, env, project)
        base = f"http://127.0.0.1:{port}"
        components.wait_for(lambda: _answers(f"{base}/api/v2/monitor/health"), 120, "answer from the API server")
        password = json.loads((work / "home" / "simple_auth_manager_passwords.json.generated").read_text())["admin"]
        token = httpx.post(f"{base}/auth/token", json={"username": "admin", "password": password}, timeout=10)
        token.raise_for_status()
        headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
        with httpx.Client(base_url=f"{base}/api/v2", headers=headers, timeout=30) as api:
            created = api.post("/pools", json={"name": "duckdb", "slots": 1, "description": "one writer"})
            assert created.status_code == 201, created.text
            yield Airflow(api, components, env, project, work / "warehouse.duckdb", broken_line)
    finally:
        components.stop()


def test_a_broken_spec_is_an_import_error_while_the_good_dag_keeps_loading(airflow: Airflow) -> None:
    def broken() -> dict | None:
        errors = airflow.api.get("/importErrors").json()["import_errors"]
        return next((e for e in errors if e["filename"] == "broken.py"), None)

    error = airflow.components.wait_for(broken, 90, "import error of dags/broken.py")
    assert f"config/broken.yaml:{airflow.broken_line}:" in error["stack_trace"]
    assert "'@fortnightly' is not one of" in error["stack_trace"]
    dag = airflow.components.wait_for(lambda: _found(airflow.api.get("/dags/sparkify")), 60, "sparkify DAG")
    assert (dag["is_stale"], dag["has_import_errors"]) == (False, False)
    assert [e["filename"] for e in airflow.api.get("/importErrors").json()["import_errors"]] == ["broken.py"]


def test_a_backfill_of_three_days_loads_exactly_those_days(airflow: Airflow, sample_data: tuple[Path, dict]) -> None:
    _, facts = sample_data
    api = airflow.api
    airflow.components.wait_for(lambda: _found(api.get("/dags/sparkify")), 60, "sparkify DAG")
    assert api.patch("/dags/sparkify", json={"is_paused": False}).status_code == 200
    refused = api.post("/dags/sparkify/dagRuns", json={"logical_date": None, "conf": {"tables": ["plays"]}})
    assert refused.status_code == 400 and "'plays' is not one of" in refused.text, refused.text
    request = {
        "dag_id": "sparkify",
        "from_date": f"{DAYS[0]}T00:00:00Z",
        "to_date": f"{DAYS[-1]}T00:00:00Z",
        "max_active_runs": 2,
        "reprocess_behavior": "none",
        "dag_run_conf": {},
    }
    # On SQLite, Airflow refuses a backfill while the metadata DB is busy (503 "Database is locked") and deletes
    # the runs it created, which stops a scheduler working on them (apache/airflow#66726): create the backfill,
    # asking again if need be, before the scheduler starts.
    backfill = airflow.components.wait_for(lambda: _unless_locked(api.post("/backfills", json=request)), 30, "backfill")
    assert backfill.status_code == 200, backfill.text
    airflow.components.start("scheduler", airflow.env, airflow.project)

    def finished() -> list[dict] | None:
        runs = api.get("/dags/sparkify/dagRuns", params={"run_type": "backfill"}).json()["dag_runs"]
        done = len(runs) == len(DAYS) and all(r["state"] in ("success", "failed") for r in runs)
        return runs if done else None

    runs = airflow.components.wait_for(finished, 240, "end of the backfill's runs")
    runs.sort(key=lambda r: r["logical_date"])
    failed = {r["dag_run_id"]: _task_states(api, r["dag_run_id"]) for r in runs if r["state"] != "success"}
    assert not failed, f"failed runs (task states): {failed}; logs in {airflow.components.logs}"
    assert [r["logical_date"][:10] for r in runs] == list(DAYS)
    assert runs[1]["start_date"] < runs[0]["end_date"], "max_active_runs 2: two runs at once, their tasks in the pool"
    assert loaded(airflow.warehouse) == {
        "plays": {day: facts["next_song_by_day"][day] for day in DAYS},
        "staged_events": {day: facts["events_by_day"][day] for day in DAYS},
    }


def _task_states(api: httpx.Client, run_id: str) -> dict[str, str]:
    instances = api.get(f"/dags/sparkify/dagRuns/{run_id}/taskInstances").json()["task_instances"]
    return {ti["task_id"]: ti["state"] for ti in instances}


def _unless_locked(response: httpx.Response) -> httpx.Response | None:
    return None if response.status_code == 503 and "Database is locked" in response.text else response


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=5).status_code == 200
    except httpx.HTTPError:
        return False


def _found(response: httpx.Response) -> dict | None:
    return response.json() if response.status_code == 200 else None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _group_ended(process: subprocess.Popen, seconds: float) -> bool:
    """Whether the process group of `process` is gone within `seconds` (reaping its leader meanwhile)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(0.2)  # a zombie leader still counts as a member of its group
        try:
            os.killpg(process.pid, 0)
        except ProcessLookupError:
            return True
    return False
