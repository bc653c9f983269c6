"""Against a real Redshift cluster or Serverless workgroup, opt-in (README: "Verifying against your cluster").

With WAREHOUSE_TEST_REDSHIFT_URL (a target URL: `redshift://user:password@host:5439/dev?iam_role=...`) and
WAREHOUSE_TEST_S3_STAGING (an s3:// prefix this machine can write and the cluster can read, in the cluster's
Region or the URL's `region`) set, the sample is written under the prefix, loaded day by day into schemas of
its own, and every table is compared with the same load on DuckDB; then a bad record is set aside (reject) and
named (fail) from the cluster's own load-error views. Everything it creates is dropped afterwards. Without the
variables the tests are skipped, and pytest prints why."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import boto3
import pytest
from helpers import SPEC, edit, load, project_copy, snapshot
from sqlglot import exp

from warehouse import ledger
from warehouse.compile import Project, load_project
from warehouse.results import BadInput, StepFailed
from warehouse.runner import run as run_range
from warehouse.sample import write_app_db, write_sample
from warehouse.sql.names import ident
from warehouse.steps import Options
from warehouse.targets import open_source, open_target
from warehouse.targets.base import Target

URL = os.environ.get("WAREHOUSE_TEST_REDSHIFT_URL", "")
STAGING = os.environ.get("WAREHOUSE_TEST_S3_STAGING", "").rstrip("/")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not (URL and STAGING),
        reason="no cluster: set WAREHOUSE_TEST_REDSHIFT_URL and WAREHOUSE_TEST_S3_STAGING to load the sample into "
        "a real Redshift (README: Verifying against your cluster)",
    ),
]
DAYS = ("2018-11-01", "2018-11-02", "2018-11-03")


class Run:
    """One test run's names: a spec of its own (ledger rows), schemas of its own, a prefix of its own."""

    def __init__(self, tmp: Path):
        self.id = uuid.uuid4().hex[:8]
        self.name, self.schema = f"sparkify_test_{self.id}", f"warehouse_test_{self.id}"
        self.prefix = f"{STAGING}/warehouse-test-{self.id}"
        self.tmp = tmp

    def project(self, *edits: tuple[str, str]) -> Project:
        """The sparkify spec under this run's names (in a folder of its own), with `edits`."""
        spec = project_copy(self.tmp / uuid.uuid4().hex[:6])
        edit(spec, "name: sparkify\n", f"name: {self.name}\n")
        edit(spec, "staging_schema: staging\n", f"schema: {self.schema}\nstaging_schema: {self.schema}_staging\n")
        for old, new in edits:
            edit(spec, old, new)
        return load_project(spec)


def s3_upload(folder: Path, url: str) -> None:
    bucket, _, key = url.removeprefix("s3://").partition("/")
    client = boto3.client("s3")
    for path in sorted(folder.rglob("*")):
        if path.is_file() and path.suffix != ".duckdb":
            client.upload_file(str(path), bucket, f"{key}/{path.relative_to(folder)}")


def s3_delete(url: str) -> None:
    bucket, _, key = url.removeprefix("s3://").partition("/")
    client = boto3.client("s3")
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=f"{key}/"):
        objects = [{"Key": o["Key"]} for o in page.get("Contents", [])]
        if objects:
            client.delete_objects(Bucket=bucket, Delete={"Objects": objects})


def search_path(target: Target, schema: str) -> None:
    """Tables named without a schema (as tests/helpers.py `snapshot` names them) are this run's."""
    target.execute(
        exp.Set(expressions=[exp.SetItem(this=exp.EQ(this=exp.column("search_path"), expression=ident(schema)))])
    )


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Run]:
    """The sample (three days), in S3 under the run's prefix; afterwards, the run's schemas, ledger rows and
    objects dropped."""
    run = Run(tmp_path_factory.mktemp("live"))
    data = run.tmp / "data"
    facts = write_sample(data, days=len(DAYS), events_per_day=200, songs=40, seed=3)
    write_app_db(data / "app.duckdb", facts, seed=3)
    s3_upload(data, f"{run.prefix}/data")
    try:
        yield run
    finally:
        with open_target(URL) as target, target.transaction():
            for schema in (run.schema, f"{run.schema}_staging"):
                target.execute(exp.Drop(tables=[exp.Table(db=ident(schema))], kind="SCHEMA", exists=True, cascade=True))
            for table in ledger.TABLES:
                where = exp.column("spec", quoted=True).eq(exp.Literal.string(run.name))
                target.execute(exp.delete(exp.table_(ident(table), db=ident(ledger.SCHEMA)), where=where))
        s3_delete(run.prefix)


def load_remote(project: Project, target: Target, day: str, run: Run, data: str, **options) -> list:
    """One day of the run's S3 copy (under `data`) into the cluster, the app database read from the local sample."""
    start = datetime.fromisoformat(day)
    variables = {"data_root": f"{run.prefix}/{data}", "staging_root": f"{run.prefix}/staging"}
    app = f"duckdb:///{run.tmp / 'data' / 'app.duckdb'}"
    opts = Options(variables=variables, connect=lambda _: open_source(app), run_id=run.id, **options)
    return run_range(project, start, start + timedelta(days=1), target, opts)


def test_the_sample_loads_into_redshift_as_into_duckdb(run: Run) -> None:
    with open_target(f"duckdb:///{run.tmp / 'expected.duckdb'}") as duckdb:
        for day in DAYS:
            load(SPEC, duckdb, day, None, run.tmp / "data")
        expected = snapshot(duckdb, load_project(SPEC).spec)
    project = run.project()
    with open_target(URL) as target:
        print(f"\nloading into {target.description}, schema {run.schema} (serverless: {target.engine.serverless})")
        results = [r for day in DAYS for r in load_remote(project, target, day, run, "data")]
        assert all(r.status == "success" for r in results)
        search_path(target, run.schema)
        assert snapshot(target, project.spec) == expected
        assert _staging_tables(target, f"{run.schema}_staging") == []  # each interval's finish dropped them


def _staging_tables(target: Target, schema: str) -> list[str]:
    query = (
        exp.select(exp.column("table_name"))
        .from_(exp.table_("tables", db="information_schema"))
        .where(exp.column("table_schema").eq(exp.Literal.string(schema)))
    )
    return [name for (name,) in target.fetch(query)[1]]


@pytest.mark.parametrize("on_bad_rows", ["reject", "fail"])
def test_a_bad_record_is_read_back_from_the_cluster_load_errors(run: Run, on_bad_rows: str) -> None:
    """Issue 11, defect 1, on a real cluster: the records COPY set aside are read from its load-error views
    (STL_LOAD_ERRORS, or SYS_LOAD_ERROR_DETAIL on Serverless) in the COPY's own transaction."""
    sample = run.tmp / "data"
    log = next((sample / "log_data").rglob("2018-11-01-events.json"))
    bad = run.tmp / f"bad-{on_bad_rows}"
    copy = bad / log.relative_to(sample)
    copy.parent.mkdir(parents=True)
    lines = log.read_text().splitlines()
    lines[2] = lines[2].replace('"userId":"', '"userId":"x')  # line 3: userid is not an integer
    copy.write_text("\n".join(lines) + "\n")
    s3_upload(bad, f"{run.prefix}/{bad.name}")
    url = f"{run.prefix}/{bad.name}/{log.relative_to(sample)}"
    edited = ("    timeformat: epochmillisecs\n", f"    timeformat: epochmillisecs\n    on_bad_rows: {on_bad_rows}\n")
    project = run.project(edited)
    with open_target(URL) as target:
        if on_bad_rows == "reject":
            (staged,) = [r for r in load_remote(project, target, "2018-11-01", run, bad.name, tables=["time"])
                         if r.step.name == "stage_events"]  # fmt: skip
            assert staged.counts["rejected"] == 1
            assert (staged.rejects[0].url, staged.rejects[0].line) == (url, 3)
            assert staged.rejects[0].reason.startswith("userid: ")
        else:
            with pytest.raises(StepFailed) as failed:
                load_remote(project, target, "2018-11-01", run, bad.name, tables=["time"])
            assert isinstance(failed.value.__cause__, BadInput)
            assert f"{url}, line 3: userid: " in failed.value.result.message
