"""OpenLineage from the DAG, captured with the provider's file transport (configured in `stack.airflow_config`):
a load task reports the tables and sources it reads and the table it writes, named by the OpenLineage naming
scheme, with the column lineage the data dictionary traces; a check task reports its checks as data quality
assertions; the DAG's assets have the same names."""

from __future__ import annotations

import json
import os
import socket
from datetime import UTC, datetime
from pathlib import Path

import pytest
from stack import openlineage_events

from warehouse.compile import load_project

pytestmark = pytest.mark.airflow
HOME = Path(os.environ["AIRFLOW_HOME"])  # set by conftest.py
SPARKIFY = Path(__file__).resolve().parents[2] / "config" / "sparkify.yaml"


def test_load_and_check_tasks_report_their_datasets_column_lineage_and_assertions(
    airflow_db: None, sample_data: tuple[Path, dict], tmp_path: Path
) -> None:
    from warehouse_dags import build_dag

    sample, _ = sample_data
    warehouse = tmp_path / "warehouse.duckdb"
    events = openlineage_events(HOME)
    events.unlink(missing_ok=True)
    tables = ["users", "songs", "artists", "songplays"]
    dag = build_dag(load_project(SPARKIFY), "step")
    run = dag.test(
        logical_date=datetime(2018, 11, 3, tzinfo=UTC), run_conf={"target": f"duckdb:///{warehouse}", "tables": tables}
    )
    assert run.state == "success"

    completed = {
        e["job"]["name"]: e for e in map(json.loads, events.read_text().splitlines()) if e["eventType"] == "COMPLETE"
    }
    namespace = f"duckdb://{socket.gethostname()}{warehouse.resolve()}"
    table = {t: (namespace, f"warehouse.main.{t}") for t in tables}
    log_data = ("file", f"{sample.resolve()}/log_data")

    load = completed["sparkify.load_songplays"]
    assert [(d["namespace"], d["name"]) for d in load["outputs"]] == [table["songplays"]]
    assert {(d["namespace"], d["name"]) for d in load["inputs"]} == {log_data, table["songs"]}
    lineage = load["outputs"][0]["facets"]["columnLineage"]["fields"]
    assert [(f["namespace"], f["name"], f["field"]) for f in lineage["song_id"]["inputFields"]] == [
        (*table["songs"], "song_id")
    ]
    assert [(f["namespace"], f["name"], f["field"]) for f in lineage["start_time"]["inputFields"]] == [
        (*log_data, "ts")
    ]

    check = completed["sparkify.check_songplays"]
    (checked,) = check["inputs"]
    assert (checked["namespace"], checked["name"]) == table["songplays"]
    assertions = {a["assertion"]: a for a in checked["inputFacets"]["dataQualityAssertions"]["assertions"]}
    spec = load_project(SPARKIFY).spec
    assert set(assertions) == {c.label for c in spec.facts["songplays"].checks}
    expected = {"success": True, "column": "user_id", "severity": "error"}
    assert {k: assertions["references(user_id → users)"][k] for k in expected} == expected
    assert assertions["row_count(min=1)"]["severity"] == "warn" and "column" not in assertions["row_count(min=1)"]

    # the DAG's assets are the same datasets: <namespace>/<database>/<schema>/<table>
    asset = dag.task_dict["load_songplays"].outlets[0]
    default = Path(HOME / "warehouse.duckdb").resolve()
    assert asset.uri == f"duckdb://{socket.gethostname()}{default}/warehouse/main/songplays"
