"""The local Airflow of these tests and of bench/airflow_backfill.py: its environment, its processes (API server,
DAG processor, scheduler) with a REST client, a project copy to break, and what a run loaded."""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
AIRFLOW = str(ROOT / ".venv" / "bin" / "airflow")
# A scheduler for one machine, as `make airflow` sets it up (keep the two alike): it looks for work five times a
# second instead of once, and the LocalExecutor keeps 4 worker processes instead of 32.
LOCAL_SCHEDULER = {
    "AIRFLOW__SCHEDULER__SCHEDULER_IDLE_SLEEP_TIME": "0.2",
    "AIRFLOW__CORE__PARALLELISM": "4",
    "AIRFLOW__API__WORKERS": "1",
}


def airflow_config(home: Path, dags: Path) -> dict[str, str]:
    """Airflow in `home`, with a SQLite metadata DB, parsing `dags` (and this repository's plugins); the OpenLineage
    provider writes its events to `openlineage_events(home)`, a JSON object a line (its file transport)."""
    transport = {"type": "file", "log_file_path": str(openlineage_events(home)), "append": True}
    return {
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home}/airflow.db",
        "AIRFLOW__CORE__DAGS_FOLDER": str(dags),
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(ROOT / "plugins"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__OPENLINEAGE__TRANSPORT": json.dumps(transport),
    }


def openlineage_events(home: Path) -> Path:
    return home / "openlineage.jsonl"


def warehouse_defaults(home: Path, sample: Path, warehouse: Path) -> dict[str, str]:
    """What the DAGs load by default: `sample` into the DuckDB file `warehouse` (as `make airflow` sets up)."""
    return {
        "WAREHOUSE_TARGET": "warehouse_duckdb",
        "AIRFLOW_CONN_WAREHOUSE_DUCKDB": f"duckdb:///{warehouse}",
        "AIRFLOW_CONN_APP_DB": f"duckdb:///{sample}/app.duckdb",
        "WAREHOUSE_VAR_DATA_ROOT": str(sample),
        "WAREHOUSE_VAR_STAGING_ROOT": str(home / "staging"),
    }


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

    def wait_for(self, probe: Callable[[], Any], seconds: float, what: str, every: float = 1) -> Any:
        """`probe()`'s first truthy answer, polled every `every` seconds while every component runs."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            found = probe()
            if found:
                return found
            stopped = [p.args[1] for p in self.processes if p.poll() is not None]
            assert not stopped, f"{', '.join(stopped)} stopped, waiting for {what}; logs in {self.logs}"
            time.sleep(every)
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
    """A running Airflow: its REST client (`/api/v2`), its processes, their environment and working folder."""

    api: Any  # httpx.Client
    components: Components
    env: dict[str, str]
    project: Path

    def backfill(self, dag_id: str, first: str, last: str, **options: Any) -> dict:
        """Create a backfill of the days `first` to `last` (REST `POST /backfills`). On SQLite, Airflow refuses one
        while its metadata DB is busy (503 "Database is locked") and deletes the runs it created, which stops a
        scheduler working on them (apache/airflow#66726): so create it before the scheduler starts, asking again
        if need be."""
        request = {
            "dag_id": dag_id,
            "from_date": f"{first}T00:00:00Z",
            "to_date": f"{last}T00:00:00Z",
            "reprocess_behavior": "none",
            "dag_run_conf": {},
            **options,
        }
        created = self.components.wait_for(
            lambda: _unless_locked(self.api.post("/backfills", json=request)), 30, "a backfill"
        )
        assert created.status_code == 200, created.text
        return created.json()

    def runs(self, dag_id: str, **filters: Any) -> list[dict]:
        """The DAG's runs (up to 100), by logical date."""
        found = self.api.get(f"/dags/{dag_id}/dagRuns", params={"limit": 100, **filters}).json()["dag_runs"]
        return sorted(found, key=lambda r: r["logical_date"] or "")


@contextlib.contextmanager
def local_airflow(work: Path, project: Path, env: dict[str, str]) -> Iterator[Airflow]:
    """Airflow in `work`/home on `project`'s DAGs, with `env` added: its metadata DB migrated, the API server and
    the DAG processor started (the caller starts the scheduler when it needs one), the `duckdb` pool created;
    every process stopped however the caller ends."""
    import httpx

    port = _free_port()
    env = os.environ | airflow_config(work / "home", project / "dags") | LOCAL_SCHEDULER | env
    env |= {
        "AIRFLOW__API__HOST": "127.0.0.1",
        "AIRFLOW__API__PORT": str(port),
        "AIRFLOW__API_AUTH__JWT_SECRET": secrets.token_hex(32),
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{port}/execution/",
        "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(_free_port()),
    }
    subprocess.run([AIRFLOW, "db", "migrate"], env=env, cwd=project, check=True, capture_output=True, timeout=180)
    components = Components(work / "logs")
    components.logs.mkdir(exist_ok=True)
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
            yield Airflow(api, components, env, project)
    finally:
        components.stop()


def copy_project(dest: Path) -> Path:
    """dags/, config/ and sql/ copied to `dest` (the plugins stay the repository's); returns `dest`."""
    for folder in ("dags", "config", "sql"):
        shutil.copytree(ROOT / folder, dest / folder, ignore=shutil.ignore_patterns("__pycache__"))
    return dest


def add_broken_spec(project: Path) -> int:
    """config/broken.yaml: the Sparkify spec named `broken`, with an unknown schedule; and its DAG file.
    Returns the line of the mistake."""
    text = (project / "config" / "sparkify.yaml").read_text().replace("name: sparkify", "name: broken", 1)
    mistake = 'schedule: "@daily"'
    assert text.count(mistake) == 1, f"{mistake!r} is not once in config/sparkify.yaml"
    (project / "config" / "broken.yaml").write_text(text.replace(mistake, 'schedule: "@fortnightly"'))
    (project / "dags" / "broken.py").write_text(
        (project / "dags" / "sparkify.py").read_text().replace('"sparkify"', '"broken"')
    )
    return text[: text.index(mistake)].count("\n") + 1


def loaded(warehouse: Path) -> dict[str, dict[str, int]]:
    """What the warehouse holds, by day: songplays, and (from the ledger) the events staged by finished runs."""
    import duckdb

    queries = {
        "plays": "SELECT CAST(start_time AS DATE), COUNT(*) FROM songplays GROUP BY 1",
        "staged_events": "SELECT CAST(s.interval_start AS DATE), MAX(s.staged) FROM ledger.steps AS s "
        "WHERE s.step = 'stage_events' AND s.status = 'success' AND EXISTS (SELECT 1 FROM ledger.steps AS f "
        "WHERE f.step = 'finish' AND f.status = 'success' AND f.run_id = s.run_id) GROUP BY 1",
    }
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        return {
            name: {day.isoformat(): int(n) for day, n in connection.execute(sql).fetchall()}
            for name, sql in queries.items()
        }


def _unless_locked(response: Any) -> Any:
    return None if response.status_code == 503 and "Database is locked" in response.text else response


def _answers(url: str) -> bool:
    import httpx

    try:
        return httpx.get(url, timeout=5).status_code == 200
    except httpx.HTTPError:
        return False


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
