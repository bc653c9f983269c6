"""The DAG files: a DAG per spec, parsed cheaply into the spec's plan; its params and intervals; dag.test()."""

from __future__ import annotations

import copy
import json
import os
import socket
import subprocess
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from html.parser import HTMLParser
from pathlib import Path

import pytest
from helpers import edit, project_copy, snapshot
from stack import ROOT, add_broken_spec, copy_project, loaded

from warehouse.compile import load_project
from warehouse.interval import Interval, Timetable
from warehouse.plan import Layer, plan
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


def asset_uri(table: str) -> str:
    """A table of the tests' default target, a DuckDB file, as its asset (and OpenLineage dataset) names it."""
    warehouse = (Path(os.environ["AIRFLOW_HOME"]) / "warehouse.duckdb").resolve()
    return f"duckdb://{socket.gethostname()}{warehouse}/warehouse/main/{table}"


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
def test_a_dag_is_its_spec_and_its_plan_a_task_per_step(path: Path) -> None:
    from airflow.sdk import CronDataIntervalTimetable
    from operators import OPERATORS
    from warehouse_dags import build_dag

    project = load_project(path)
    spec = project.spec
    dag = build_dag(project, "step")
    steps = plan(project)
    assert dag.timetable == CronDataIntervalTimetable(spec.schedule, timezone=spec.timezone)
    assert dag.start_date == datetime(spec.start_date.year, spec.start_date.month, spec.start_date.day, tzinfo=UTC)
    assert (dag.catchup, sorted(dag.tags)) == (spec.catchup, sorted(spec.tags))
    assert {t.task_id: t.upstream_task_ids for t in dag.tasks} == {s.name: set(s.needs) for s in steps}
    for step in steps:
        task = dag.task_dict[step.name]
        assert type(task) is OPERATORS[step.layer]
        assert task.steps == [step.name]
        assert task.task_group.group_id == (None if step.layer in ("setup", "finish") else step.layer)
        assert (task.retries, task.retry_delay) == (spec.retries, spec.retry_delay())
        assert task.pool == "duckdb"  # the default target of these tests is a DuckDB file
        outlets = [a.uri for a in task.outlets]
        assert outlets == ([asset_uri(step.subject)] if step.name.startswith("load_") else [])
    # dimensions before the facts that read them, checks after their loads, finish after every check
    for fact in spec.facts:
        upstream = dag.task_dict[f"load_{fact}"].get_flat_relative_ids(upstream=True)
        assert {f"load_{t}" for t in project.depends_on(fact) if t in spec.dimensions} <= upstream
    for table in spec.tables:
        assert f"load_{table}" in dag.task_dict[f"check_{table}"].upstream_task_ids
        assert f"check_{table}" in dag.task_dict["finish"].upstream_task_ids


def test_a_duckdb_target_gets_one_task_per_run_that_runs_every_step(dags: dict) -> None:
    project = load_project(SPARKIFY)
    spec = project.spec
    (task,) = dags["sparkify"].tasks  # the default target of these tests is a DuckDB file
    assert (task.task_id, task.steps, task.pool) == ("all_steps", [s.name for s in plan(project)], "duckdb")
    assert sorted(a.uri for a in task.outlets) == sorted(asset_uri(t) for t in spec.tables)


def test_another_target_gets_a_task_per_step_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    from warehouse_dags import build_dag

    monkeypatch.setenv("WAREHOUSE_TARGET", "redshift_default")  # a connection id that is not a DuckDB file
    dag = build_dag(load_project(SPARKIFY))
    assert sorted(dag.task_ids) == sorted(s.name for s in plan(load_project(SPARKIFY)))
    assert {t.pool for t in dag.tasks} == {"default_pool"}


def test_a_task_per_layer_runs_the_layer_in_plan_order() -> None:
    from operators import OPERATORS
    from warehouse_dags import build_dag

    project = load_project(SPARKIFY)
    dag = build_dag(project, "layer")
    steps = plan(project)
    assert {t.task_id: t.steps for t in dag.tasks} == {
        layer: [s.name for s in steps if s.layer == layer] for layer in Layer
    }
    assert {t.task_id: t.upstream_task_ids for t in dag.tasks} == {
        "setup": set(),
        "stage": {"setup"},
        "dimensions": {"stage"},
        "facts": {"stage", "dimensions"},
        "checks": {"dimensions", "facts"},
        "finish": {"checks"},
    }
    assert all(type(t) is OPERATORS[t.task_id] for t in dag.tasks)
    with pytest.raises(ValueError, match="is not one of: step, layer, run"):
        build_dag(project, "table")


def test_the_dag_documents_every_table_and_column_of_the_spec(dags: dict) -> None:
    from markdown_it import MarkdownIt
    from warehouse_dags import build_dag

    spec = load_spec(SPARKIFY)
    dag = dags["sparkify"]
    page = Page()
    page.feed(MarkdownIt("commonmark").enable("table").render(dag.doc_md))  # as the UI's Markdown renders it
    assert spec.description in page.paragraphs
    for name, table in spec.tables.items():
        section = page.sections[name]
        assert table.description in section.paragraphs
        rows = {row[0].split()[0]: row[1:] for row in section.rows}
        for column_name, column in table.columns.items():
            assert rows[column_name] == [column.type, "yes" if column.nullable else "no", column.description]
        assert len(section.checks) == len(table.checks)
        assert all(check.endswith(("(error)", "(warn)")) for check in section.checks)
    for name, source in spec.sources.items():
        assert name in page.sources and source.description in page.sources[name]
    assert all(task.doc_md.startswith(f"- **{task.steps[0]}**") for task in dag.tasks)
    steps = {task.task_id: task.doc_md for task in build_dag(load_project(SPARKIFY), "step").tasks}
    assert 'MERGE INTO "songs"' in steps["load_songs"] and 'INSERT INTO "users"' in steps["load_users"]
    assert 'DELETE FROM "songplays"' in steps["load_songplays"]
    assert dag.owner == "airflow"  # the spec names none


def test_the_docs_mask_a_password_and_take_the_owner_from_the_spec(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from warehouse_dags import build_dag

    monkeypatch.setenv("WAREHOUSE_VAR_DATA_ROOT", "https://etl:s3cret@files.example.com/sparkify")
    path = project_copy(tmp_path)
    edit(path, "catchup: false\n", "catchup: false\nowner: data-platform\n")
    dag = build_dag(load_project(path))
    assert "s3cret" not in dag.doc_md and "https://etl:***@files.example.com/sparkify" in dag.doc_md
    assert {t.owner for t in dag.tasks} == {"data-platform"}


class Page(HTMLParser):
    """A rendered DAG doc: its paragraphs, and per table (an h3 section) its paragraphs, column rows and checks."""

    @dataclass
    class Section:
        paragraphs: list[str] = field(default_factory=list)
        rows: list[list[str]] = field(default_factory=list)
        checks: list[str] = field(default_factory=list)

    def __init__(self) -> None:
        super().__init__()
        self.paragraphs: list[str] = []
        self.sections: dict[str, Page.Section] = {}
        self.sources: dict[str, str] = {}
        self.open: list[str] = []
        self.text = ""
        self.cells: list[str] = []
        self.section: Page.Section | None = None
        self.heading = ""

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self.open.append(tag)
        if tag in ("p", "td", "li", "h2", "h3"):
            self.text = ""
        if tag == "tr":
            self.cells = []

    def handle_data(self, data: str) -> None:
        self.text += data

    def handle_endtag(self, tag: str) -> None:
        self.open.pop()
        text = self.text.strip()
        if tag == "h2":
            self.heading, self.section = text, None
        elif tag == "h3":
            self.section = self.sections.setdefault(text.split()[0], Page.Section())
        elif tag == "p":
            (self.section.paragraphs if self.section else self.paragraphs).append(text)
        elif tag == "li" and self.section:
            self.section.checks.append(text)
        elif tag == "td":
            self.cells.append(text)
        elif tag == "tr" and self.cells:
            if self.heading == "Sources":
                self.sources[self.cells[0]] = self.cells[3]
            elif self.section:
                self.section.rows.append(self.cells)


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
        (
            {"target": "postgresql://etl:secret@db.example.com:5432/dw"},
            r"target: '.*' should not be valid under .*'#/\$defs/a URL with a password: give an Airflow connection id",
        ),
        ({"target": ""}, "target: '' should be non-empty"),
        ({"data_root": 7}, "7 is not of type 'string'"),
    ],
)
def test_the_trigger_form_refuses_bad_params(dags: dict, conf: dict, complaint: str) -> None:
    from airflow.sdk.exceptions import ParamValidationError

    with pytest.raises(ParamValidationError, match=complaint):
        copy.deepcopy(dags["sparkify"].params).update(conf)


def test_the_trigger_form_accepts_a_choice_of_tables_and_a_target(dags: dict) -> None:
    params = copy.deepcopy(dags["sparkify"].params)
    params.update({"tables": ["songplays"], "target": "postgresql://etl@db/dw"})
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
    ("run", "expected"),
    [
        # scheduled and backfill runs, manual runs given an interval (or inferred one) in the trigger form
        (Run(utc(2018, 11, 1), utc(2018, 11, 1), utc(2018, 11, 2)), nov(1, 2)),
        (Run(utc(2018, 11, 3), utc(2018, 11, 5), utc(2018, 11, 7)), nov(5, 7)),
        # without a data interval: the day that ends at its logical date (in UTC), or before it was triggered
        (Run(utc(2018, 11, 3)), nov(2, 3)),
        (Run(datetime(2018, 11, 3, 1, 30, tzinfo=timezone(timedelta(hours=2)))), nov(1, 2)),
        (Run(None), Interval(datetime(2025, 12, 31), datetime(2026, 1, 1))),
    ],
)
def test_the_interval_of_a_run(run: Run, expected: Interval) -> None:
    from operators.intervals import run_interval

    assert run_interval(Timetable("@daily"), run) == expected


@pytest.mark.parametrize("end", [utc(2018, 11, 3), utc(2018, 11, 5)], ids=["before", "empty"])
def test_a_data_interval_that_ends_before_it_starts_or_is_empty_is_refused(end: datetime) -> None:
    from operators.intervals import run_interval

    with pytest.raises(ValueError, match="is not after its start"):
        run_interval(Timetable("@daily"), Run(utc(2018, 11, 5), utc(2018, 11, 5), end))


def test_the_interval_follows_the_schedule() -> None:
    from operators.intervals import run_interval

    run = Run(None, run_after=utc(2026, 1, 1, 9, 30))
    assert run_interval(Timetable("@hourly"), run) == Interval(datetime(2026, 1, 1, 8), datetime(2026, 1, 1, 9))
    assert run_interval(Timetable("@monthly"), run) == Interval(datetime(2025, 12, 1), datetime(2026, 1, 1))
    wednesday = Run(utc(2018, 11, 7, 0, 0))
    assert run_interval(Timetable("@weekly"), wednesday) == Interval(datetime(2018, 10, 28), datetime(2018, 11, 4))


def test_what_params_choose() -> None:
    from operators.params import choices

    spec = load_spec(SPARKIFY)
    everything = choices(spec, {"tables": list(spec.tables), "full_refresh": True, "data_root": "/data"})
    assert (everything.tables, everything.full_refresh) == (None, True)
    assert choices(spec, {"tables": ["songplays"]}).tables == ["songplays"]
    with pytest.raises(ValueError, match=r"unknown param.* window_start .*give a window as the run's data interval"):
        choices(spec, {"window_start": "2018-11-01"})  # no such param: the run would load another interval


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


def test_params_choose_the_tables_the_steps_of_others_are_skipped(
    airflow_db: None, sample_data: tuple[Path, dict], tmp_path: Path
) -> None:
    from warehouse_dags import build_dag

    _, facts = sample_data
    warehouse = tmp_path / "warehouse.duckdb"
    tables = ["users", "songs", "artists", "songplays"]  # what songplays and its checks read
    dag = build_dag(load_project(SPARKIFY), "step")
    run = dag.test(logical_date=utc(2018, 11, 3), run_conf={"target": f"duckdb:///{warehouse}", "tables": tables})
    chosen = {s.name for s in plan(load_project(SPARKIFY), tables)}
    assert chosen != set(dag.task_ids)
    assert {ti.task_id: ti.state for ti in run.get_task_instances()} == {
        t: "success" if t in chosen else "skipped" for t in dag.task_ids
    }
    assert loaded(warehouse)["plays"] == {"2018-11-02": facts["next_song_by_day"]["2018-11-02"]}


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
    assert run_interval(spec.timetable, Run(logical, inferred.start, inferred.end)) == expected


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
