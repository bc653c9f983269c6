"""The DAG files: a DAG per spec, parsed cheaply into the spec's plan; its params and intervals; dag.test()."""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from helpers import snapshot
from stack import ROOT, add_broken_spec, copy_project, loaded

from warehouse.compile import load_project
from warehouse.interval import Interval, Timetable
from warehouse.plan import plan
from warehouse.spec import load_spec

SPECS = sorted((ROOT / "config").glob("*.yaml"))
SPARKIFY = ROOT / "config" / "sparkify.yaml"
PARSE = """
import json, sys
from pathlib import Path
from airflow.dag_processing.dagbag import BundleDagBag
folder = Path(sys.argv[1])
bag = BundleDagBag(dag_folder=folder, bundle_path=folder, bundle_name="dags-folder")
heavy = ("sqlglot", "duckdb", "boto3", "psycopg", "redshift_connector", "airflow.providers.amazon.aws.hooks.s3")
print(json.dumps({"dags": sorted(bag.dag_ids), "errors": bag.import_errors,
                  "imported": [m for m in heavy if m in sys.modules]}))
"""


def parse(folder: Path, **env: str) -> dict:
    """Parse a DAG folder in a new process, as Airflow's DAG processor does: its DAGs, errors, heavy imports."""
    done = subprocess.run(
        [sys.executable, "-c", PARSE, str(folder)], env=os.environ | env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.splitlines()[-1])


@pytest.fixture(scope="module")
def dags() -> dict:
    from airflow.dag_processing.dagbag import BundleDagBag

    folder = ROOT / "dags"
    bag = BundleDagBag(dag_folder=folder, bundle_path=folder, bundle_name="dags-folder")
    assert bag.import_errors == {}
    return bag.dags


def test_every_spec_has_a_dag_file_and_a_dag(dags: dict) -> None:
    files = sorted(p.stem for p in (ROOT / "dags").glob("*.py") if p.name != "warehouse_dags.py")
    assert files == [p.stem for p in SPECS], "each config/<name>.yaml needs dags/<name>.py (see warehouse_dags)"
    assert sorted(dags) == sorted(load_spec(p).name for p in SPECS)


@pytest.mark.parametrize("path", SPECS, ids=lambda p: p.stem)
def test_a_dag_is_its_spec_and_its_plan(dags: dict, path: Path) -> None:
    from airflow.sdk import CronDataIntervalTimetable
    from operators import OPERATORS

    project = load_project(path)
    spec = project.spec
    dag = dags[spec.name]
    steps = plan(project)
    assert dag.timetable == CronDataIntervalTimetable(spec.schedule, timezone=spec.timezone)
    assert dag.start_date == datetime(spec.start_date.year, spec.start_date.month, spec.start_date.day, tzinfo=UTC)
    assert (dag.catchup, sorted(dag.tags)) == (spec.catchup, sorted(spec.tags))
    assert {t.task_id: t.upstream_task_ids for t in dag.tasks} == {s.name: set(s.needs) for s in steps}
    for step in steps:
        task = dag.task_dict[step.name]
        assert type(task) is OPERATORS[step.layer]
        assert task.task_group.group_id == (None if step.layer in ("setup", "finish") else step.layer)
        assert (task.retries, task.retry_delay) == (spec.retries, spec.retry_delay())
        assert task.pool == "duckdb"  # the default target of these tests is a DuckDB file
        outlets = [a.uri for a in task.outlets]
        assert outlets == ([f"x-warehouse://{spec.name}/{step.subject}"] if step.name.startswith("load_") else [])
    # dimensions before the facts that read them, checks after their loads, finish after every check
    for fact in spec.facts:
        upstream = dag.task_dict[f"load_{fact}"].get_flat_relative_ids(upstream=True)
        assert {f"load_{t}" for t in project.depends_on(fact) if t in spec.dimensions} <= upstream
    for table in spec.tables:
        assert f"load_{table}" in dag.task_dict[f"check_{table}"].upstream_task_ids
        assert f"check_{table}" in dag.task_dict["finish"].upstream_task_ids


def test_parsing_connects_to_nothing_and_imports_no_sqlglot() -> None:
    load_project(SPARKIFY)  # the deep SQL checks, cached by content as after any earlier parse
    found = parse(ROOT / "dags", WAREHOUSE_TARGET="no_such_connection", AIRFLOW_CONN_APP_DB="")
    assert (found["dags"], found["errors"], found["imported"]) == (["sparkify"], {}, [])


def test_airflow_takes_no_module_of_the_operators_package_for_a_plugin() -> None:
    from airflow import plugins_manager

    plugins_manager.ensure_plugins_loaded()  # imports each .py under plugins/ by its bare name, unless ignored
    assert plugins_manager.get_import_errors() == {}
    assert not {"base", "params", "stage", "targets"} & set(sys.modules)


def test_a_broken_spec_is_an_import_error_of_its_own_dag_file(tmp_path: Path) -> None:
    line = add_broken_spec(copy_project(tmp_path))
    found = parse(tmp_path / "dags")
    assert found["dags"] == ["sparkify"]
    assert list(found["errors"]) == ["broken.py"]
    assert f"broken.yaml:{line}:" in found["errors"]["broken.py"]
    assert "'@fortnightly' is not one of" in found["errors"]["broken.py"]


@pytest.mark.parametrize(
    ("conf", "complaint"),
    [
        ({"tables": ["songplays", "plays"]}, "'plays' is not one of"),
        ({"tables": []}, "tables: .* non-empty|too short"),
        ({"tables": ["users", "users"]}, "non-unique"),
        ({"full_refresh": "yes"}, "'yes' is not of type 'boolean'"),
        ({"window_start": "2018-11-31"}, "'2018-11-31' is not a 'date'"),
        ({"target": "postgresql://etl:secret@db.example.com:5432/dw"}, "target: .* does not match"),
        ({"data_root": 7}, "7 is not of type 'string'"),
    ],
)
def test_the_trigger_form_refuses_bad_params(dags: dict, conf: dict, complaint: str) -> None:
    from airflow.sdk.exceptions import ParamValidationError

    with pytest.raises(ParamValidationError, match=complaint):
        copy.deepcopy(dags["sparkify"].params).update(conf)


def test_the_trigger_form_accepts_a_choice_of_tables_a_window_and_a_target(dags: dict) -> None:
    params = copy.deepcopy(dags["sparkify"].params)
    params.update({"tables": ["songplays"], "window_start": "2018-11-01", "target": "postgresql://etl@db/dw"})
    assert params.validate()["tables"] == ["songplays"]


@dataclass
class Run:
    """The fields of a DAG run that `run_interval` reads."""

    logical_date: datetime | None
    data_interval_start: datetime | None = None
    data_interval_end: datetime | None = None
    run_after: datetime = datetime(2026, 1, 1, 9, 30, tzinfo=UTC)


def utc(*fields: int) -> datetime:
    return datetime(*fields, tzinfo=UTC)


def nov(first: int, last: int) -> Interval:
    return Interval(datetime(2018, 11, first), datetime(2018, 11, last))


@pytest.mark.parametrize(
    ("run", "window", "expected"),
    [
        # scheduled and backfill runs, manual runs given an interval (or inferred one) in the trigger form
        (Run(utc(2018, 11, 1), utc(2018, 11, 1), utc(2018, 11, 2)), None, nov(1, 2)),
        (Run(utc(2018, 11, 3), utc(2018, 11, 5), utc(2018, 11, 7)), None, nov(5, 7)),
        # a manual run with an empty data interval: the day that ends at its logical date (in UTC)
        (Run(utc(2018, 11, 3), utc(2018, 11, 3), utc(2018, 11, 3)), None, nov(2, 3)),
        (Run(datetime(2018, 11, 3, 1, 30, tzinfo=timezone(timedelta(hours=2)))), None, nov(1, 2)),
        # without a logical date: the day before it was triggered
        (Run(None), None, Interval(datetime(2025, 12, 31), datetime(2026, 1, 1))),
        # the params' window wins
        (Run(utc(2018, 11, 1), utc(2018, 11, 1), utc(2018, 11, 2)), nov(7, 9), nov(7, 9)),
    ],
)
def test_the_interval_of_a_run(run: Run, window: Interval | None, expected: Interval) -> None:
    from operators.intervals import run_interval

    assert run_interval(Timetable("@daily"), run, window) == expected


def test_the_interval_follows_the_schedule() -> None:
    from operators.intervals import run_interval

    run = Run(None, run_after=utc(2026, 1, 1, 9, 30))
    assert run_interval(Timetable("@hourly"), run) == Interval(datetime(2026, 1, 1, 8), datetime(2026, 1, 1, 9))
    assert run_interval(Timetable("@monthly"), run) == Interval(datetime(2025, 12, 1), datetime(2026, 1, 1))
    empty = Run(utc(2018, 11, 7, 0, 0), utc(2018, 11, 7), utc(2018, 11, 7))  # a Wednesday
    assert run_interval(Timetable("@weekly"), empty) == Interval(datetime(2018, 10, 28), datetime(2018, 11, 4))


def test_what_params_choose() -> None:
    from operators.params import choices

    spec = load_spec(SPARKIFY)
    everything = choices(spec, {"tables": list(spec.tables), "full_refresh": True})
    assert (everything.tables, everything.full_refresh, everything.window) == (None, True, None)
    one_day = choices(spec, {"tables": ["songplays"], "window_start": "2018-11-01"})
    assert (one_day.tables, one_day.window) == (["songplays"], nov(1, 2))
    window = choices(spec, {"window_start": "2018-11-01", "window_end": "2018-11-30T23:00:00-01:00"}).window
    assert window == Interval(datetime(2018, 11, 1), datetime(2018, 12, 1))
    with pytest.raises(ValueError, match="window_end needs a window_start"):
        choices(spec, {"window_end": "2018-11-02"})
    with pytest.raises(ValueError, match="is not after its start"):
        choices(spec, {"window_start": "2018-11-02", "window_end": "2018-11-01"})


def test_a_duckdb_target_takes_the_one_slot_pool(monkeypatch: pytest.MonkeyPatch) -> None:
    from operators.targets import check_pool, pool_for, target_url

    from warehouse.targets import duckdb_path

    monkeypatch.setenv("AIRFLOW_CONN_LOCAL", '{"conn_type": "duckdb", "host": "/data/warehouse.duckdb"}')
    monkeypatch.setenv("AIRFLOW_CONN_CLUSTER", "redshift://etl:secret@cluster.example.com:5439/dev")
    assert [pool_for(t) for t in ("duckdb:///w.duckdb", "local", "cluster", "in_the_metadata_db")] == [
        "duckdb",
        "duckdb",
        None,
        None,
    ]
    assert duckdb_path(target_url("local")) == "/data/warehouse.duckdb"  # through Airflow's connection lookup
    assert target_url("cluster") == "redshift://etl:secret@cluster.example.com:5439/dev"
    check_pool(target_url("cluster"), "default_pool")
    with pytest.raises(ValueError, match="accepts one writer at a time"):
        check_pool(target_url("local"), "default_pool")


def test_dag_test_loads_the_day_that_ends_at_the_logical_date_and_a_rerun_changes_nothing(
    dags: dict, airflow_db: None, sample_data: tuple[Path, dict], tmp_path: Path
) -> None:
    from warehouse.targets.duckdb import DuckDBTarget

    _, facts = sample_data
    warehouse = tmp_path / "warehouse.duckdb"
    conf = {"target": f"duckdb:///{warehouse}"}
    day = "2018-11-02"
    assert dags["sparkify"].test(logical_date=utc(2018, 11, 3), run_conf=conf).state == "success"
    assert loaded(warehouse) == {
        "plays": {day: facts["next_song_by_day"][day]},
        "staged_events": {day: facts["events_by_day"][day]},
    }
    spec = load_spec(SPARKIFY)
    with DuckDBTarget(str(warehouse)) as target:
        before = snapshot(target, spec)
    first_load = sum(n for changed, n in facts["accounts_by_updated_day"].items() if changed <= day)
    assert before["accounts"][0] == first_load  # the first load of the app's accounts: all changed until then
    assert dags["sparkify"].test(logical_date=utc(2018, 11, 3), run_conf=conf).state == "success"
    with DuckDBTarget(str(warehouse)) as target:
        assert snapshot(target, spec) == before


def test_params_choose_the_tables_and_the_window(
    dags: dict, airflow_db: None, sample_data: tuple[Path, dict], tmp_path: Path
) -> None:
    _, facts = sample_data
    warehouse = tmp_path / "warehouse.duckdb"
    tables = ["users", "songs", "artists", "songplays"]  # what songplays and its checks read
    conf = {
        "target": f"duckdb:///{warehouse}",
        "tables": tables,
        "window_start": "2018-11-01",
        "window_end": "2018-11-03",
    }
    run = dags["sparkify"].test(logical_date=utc(2018, 11, 20), run_conf=conf)
    chosen = {s.name for s in plan(load_project(SPARKIFY), tables)}
    assert chosen != set(dags["sparkify"].task_ids)
    assert {ti.task_id: ti.state for ti in run.get_task_instances()} == {
        t: "success" if t in chosen else "skipped" for t in dags["sparkify"].task_ids
    }
    days = ("2018-11-01", "2018-11-02")
    assert loaded(warehouse)["plays"] == {day: facts["next_song_by_day"][day] for day in days}


def cron_dag(tmp_path: Path, record: bool = False):
    """The DAG of the Sparkify spec as `sparkify_cron`, run at 03:00 Paris time: the only DAG file of a project
    copy; with `record`, recorded in the metadata DB (as the DAG processor would) for `dag.test()`."""
    from airflow.dag_processing.dagbag import BundleDagBag, sync_bag_to_db

    project = copy_project(tmp_path)
    text = SPARKIFY.read_text().replace("name: sparkify", "name: sparkify_cron", 1)
    text = text.replace('schedule: "@daily"', 'schedule: "0 3 * * *"\ntimezone: Europe/Paris', 1)
    spec = project / "config" / "sparkify_cron.yaml"
    spec.write_text(text)
    (project / "dags" / "sparkify.py").unlink()
    (project / "dags" / "sparkify_cron.py").write_text(
        f'"""Airflow DAG `sparkify_cron`."""\nfrom warehouse_dags import build_dag\nfrom warehouse.compile import '
        f'load_project\n\ndag = build_dag(load_project("{spec}"))\n'
    )
    bag = BundleDagBag(dag_folder=project / "dags", bundle_path=project / "dags", bundle_name="dags-folder")
    assert bag.import_errors == {}
    if record:
        from airflow.dag_processing.bundles.manager import DagBundlesManager

        DagBundlesManager().sync_bundles_to_db()
        sync_bag_to_db(bag, "dags-folder", None)
    return bag.dags["sparkify_cron"]


def test_a_cron_schedule_gives_the_dag_the_intervals_of_the_cli(tmp_path: Path) -> None:
    import pendulum
    from airflow.sdk import CronDataIntervalTimetable
    from airflow.serialization.encoders import coerce_to_core_timetable
    from airflow.timetables.base import TimeRestriction
    from operators.intervals import run_interval

    from warehouse.interval import intervals, naive_utc

    dag = cron_dag(tmp_path)
    spec = load_spec(tmp_path / "config" / "sparkify_cron.yaml")
    assert dag.timetable == CronDataIntervalTimetable("0 3 * * *", timezone="Europe/Paris")
    # the scheduler's data intervals from the start date, across the end of summer time (2018-10-28)
    timetable = coerce_to_core_timetable(dag.timetable)
    earliest = pendulum.datetime(2018, 10, 20, tz="UTC")
    restriction = TimeRestriction(earliest=earliest, latest=None, catchup=True)
    scheduled, last = [], None
    for _ in range(15):
        info = timetable.next_dagrun_info(last_automated_data_interval=last, restriction=restriction)
        last = info.data_interval
        scheduled.append(Interval(naive_utc(last.start), naive_utc(last.end)))
    assert scheduled == intervals(spec.timetable, scheduled[0].start, scheduled[-1].end)
    assert {i.end - i.start for i in scheduled} == {timedelta(hours=24), timedelta(hours=25)}
    # a manual run: the period that ends at its logical date, as the trigger form infers it
    logical = pendulum.datetime(2018, 11, 3, 5, tz="UTC")
    inferred = timetable.infer_manual_data_interval(run_after=logical)
    expected = Interval(datetime(2018, 11, 2, 2), datetime(2018, 11, 3, 2))  # 03:00 in Paris is 02:00 UTC in November
    assert Interval(naive_utc(inferred.start), naive_utc(inferred.end)) == expected
    assert run_interval(spec.timetable, Run(logical, logical, logical)) == expected
    # the window fields take date-times: a day is not a period of this schedule
    assert dag.params.get_param("window_start").schema["format"] == "date-time"
    assert dags_params_format(SPARKIFY) == "date"


def dags_params_format(path: Path) -> str:
    from operators.params import trigger_params

    return trigger_params(load_spec(path), "warehouse_duckdb")["window_start"].schema["format"]


def test_dag_test_of_a_cron_spec_loads_the_period_that_ends_at_the_logical_date(
    airflow_db: None, sample_data: tuple[Path, dict], tmp_path: Path
) -> None:
    import duckdb

    dag = cron_dag(tmp_path, record=True)
    warehouse = tmp_path / "warehouse.duckdb"
    conf = {"target": f"duckdb:///{warehouse}", "tables": ["songs", "artists"]}
    assert dag.test(logical_date=utc(2018, 11, 3, 5), run_conf=conf).state == "success"
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        steps = connection.execute("SELECT DISTINCT interval_start, interval_end FROM ledger.steps").fetchall()
    assert steps == [(datetime(2018, 11, 2, 2), datetime(2018, 11, 3, 2))]
