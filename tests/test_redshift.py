"""Redshift, verified without a cluster: the statement sequence of one interval (golden file), sqlglot round trips,
and what RedshiftTarget sends over a recording connection (manifest, COPY, transactions, secrets)."""

import json
import logging
from datetime import datetime
from pathlib import Path

import boto3
import pytest
import sqlglot
from helpers import ROOT, SPEC, assert_golden, upload
from plan_statements import in_order, planned
from redshift_fake import FakeRedshift
from test_file_formats import FORMATS, project

from warehouse.cli import main
from warehouse.compile import load_project
from warehouse.interval import Interval
from warehouse.plan import plan
from warehouse.printed import plan_text
from warehouse.results import StepFailed
from warehouse.runner import StepRunner
from warehouse.steps import Options
from warehouse.targets.redshift import CopyAuth, Redshift, RedshiftTarget

DAY = Interval(datetime(2018, 11, 1), datetime(2018, 11, 2))
GOLDEN = ROOT / "tests" / "golden" / "plan_redshift.sql"
VARS = {"data_root": "s3://sparkify-raw", "staging_root": "s3://sparkify-staging/runs"}
EVENTS = [
    "s3://sparkify-raw/log_data/2018/11/2018-11-01-events.json",
]
ORDERS = ROOT / "tests" / "fixtures" / "orders" / "orders.yaml"  # facts merged by key
ORDERS_GOLDEN = ROOT / "tests" / "golden" / "plan_redshift_orders.sql"
ORDERS_VARS = {"data_root": "s3://shop-raw", "staging_root": "s3://shop-warehouse/staging"}
NOV_3 = Interval(datetime(2018, 11, 3), datetime(2018, 11, 4))


@pytest.fixture
def raw(s3):
    upload(s3, "sparkify-raw", ROOT / "tests" / "fixtures" / "golden")
    s3.put_object(Bucket="sparkify-raw", Key="log_data/2018/11/2018-11-01-events.json.bak", Body=b"{}")  # a prefix trap
    s3.create_bucket(Bucket="sparkify-staging", CreateBucketConfiguration={"LocationConstraint": "us-west-2"})
    return s3


def test_plan_matches_golden_file(raw) -> None:
    options = Options(variables=VARS, s3_client=lambda: raw, tables=["users", "songs", "artists", "time", "songplays"])
    text = plan_text(load_project(SPEC), DAY, Redshift(CopyAuth()), options)
    assert_golden(text, GOLDEN)


def test_every_golden_statement_round_trips_through_sqlglot_redshift() -> None:
    statements = [s for s in sqlglot.parse(GOLDEN.read_text(), read="redshift") if s is not None]
    assert len(statements) > 40
    for statement in statements:
        text = statement.sql(dialect="redshift")
        assert sqlglot.parse_one(text, read="redshift").sql(dialect="redshift") == text
    copies = [s for s in statements if isinstance(s, sqlglot.exp.Copy)]
    assert len(copies) == 2 and all("MANIFEST" in c.sql(dialect="redshift") for c in copies)
    assert not any("TRUNCATE" in s.sql(dialect="redshift").upper() for s in statements)


def run_interval(raw, auth: CopyAuth) -> FakeRedshift:
    connection = FakeRedshift()
    target = RedshiftTarget(Redshift(auth, region="us-west-2"), lambda: connection, "redshift://test", auth.secrets)
    project = load_project(SPEC)
    tables = ["users", "songs", "artists", "time", "songplays"]
    runner = StepRunner(project, DAY, target, Options(variables=VARS, s3_client=lambda: raw, tables=tables))
    for step in plan(project, tables):
        runner.run_step(step)
    return connection


@pytest.mark.slow  # a few seconds of loads: `make test`, not `make test-fast`
def test_the_copy_loads_exactly_the_manifest_of_the_interval(raw) -> None:
    sent = run_interval(raw, CopyAuth("arn:aws:iam::123456789012:role/loader")).statements
    (copy,) = [s for s in sent if s.startswith('COPY "staging"."events_20181101"')]
    manifest_url = "s3://sparkify-staging/runs/sparkify/manifests/events/20181101.manifest"
    assert f"FROM '{manifest_url}' IAM_ROLE 'arn:aws:iam::123456789012:role/loader'" in copy
    assert "FORMAT AS JSON 'auto ignorecase' TIMEFORMAT 'epochmillisecs' REGION 'us-west-2'" in copy
    assert copy.endswith("MANIFEST")
    body = raw.get_object(Bucket="sparkify-staging", Key=manifest_url.split("/", 3)[3])["Body"].read()
    assert [e["url"] for e in json.loads(body)["entries"]] == EVENTS  # not the .bak beside it
    assert 'SELECT PG_LAST_COPY_COUNT() AS "staged"' in sent


@pytest.mark.slow  # a few seconds of loads: `make test`, not `make test-fast`
def test_each_step_publishes_in_one_locked_transaction_and_nothing_truncates(raw) -> None:
    connection = run_interval(raw, CopyAuth())
    sent = connection.statements
    steps = plan(load_project(SPEC), ["users", "songs", "artists", "time", "songplays"])
    recorded = [t for t in connection.committed if any(s.startswith('INSERT INTO "ledger"."steps"') for s in t)]
    assert len(recorded) == len(steps) and len(connection.committed) <= 2 * len(steps) and not connection.rolled_back
    assert all(t[0].startswith("LOCK ") for t in recorded[1:])  # setup creates what it writes
    assert not any(s.upper().startswith("TRUNCATE") for s in sent)
    (songs,) = [t for t in connection.committed if any(s.startswith('MERGE INTO "songs"') for s in t)]
    assert songs[0] == 'LOCK "ledger"."steps", "songs"'
    assert not any('"staging".' in s for s in songs)  # the staged rows were read before the lock
    (batch,) = [t for t in connection.committed if t[0].startswith('CREATE TEMPORARY TABLE "songs__batch"')]
    assert connection.committed.index(batch) + 1 == connection.committed.index(songs)
    # an scd2 dimension rebuilds its keys' versions and repoints the facts' keys, under the lock of all of them
    (users,) = [t for t in connection.committed if any(s.startswith('INSERT INTO "users__runs"') for s in t)]
    assert users[0] == 'LOCK "ledger"."steps", "songplays", "users", "users__runs"'
    assert any(s.startswith('UPDATE "songplays" SET "user_key"') for s in users)
    assert not any('"staging".' in s for s in users)


@pytest.mark.slow  # a few seconds of loads: `make test`, not `make test-fast`
def test_keys_reach_the_server_but_never_the_logs(raw, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="warehouse.sql")
    auth = CopyAuth(None, "AKIAEXAMPLEKEY", "secret/Key+123", "session-token-xyz")
    sent = run_interval(raw, auth).statements
    (copy,) = [s for s in sent if s.startswith('COPY "staging"."events_20181101"')]
    assert "SECRET_ACCESS_KEY 'secret/Key+123'" in copy and "SESSION_TOKEN 'session-token-xyz'" in copy
    assert "COPY" in caplog.text
    assert "secret/Key+123" not in caplog.text and "session-token-xyz" not in caplog.text


def test_every_statement_a_run_sends_is_in_the_plan_in_order(raw) -> None:
    auth = CopyAuth("arn:aws:iam::123456789012:role/loader")
    connection = run_interval(raw, auth)
    options = Options(variables=VARS, s3_client=lambda: raw, tables=["users", "songs", "artists", "time", "songplays"])
    text = plan_text(load_project(SPEC), DAY, Redshift(auth, region="us-west-2"), options)
    in_order(connection.statements, planned(text))


def test_staging_tables_are_not_backed_up() -> None:
    """https://docs.aws.amazon.com/redshift/latest/dg/r_CREATE_TABLE_NEW.html: "For tables, such as staging
    tables, that don't contain critical data, specify BACKUP NO"; the warehouse's tables keep the default."""
    creates = [s for s in sqlglot.parse(GOLDEN.read_text(), read="redshift") if isinstance(s, sqlglot.exp.Create)]
    staging = [c for c in creates if c.kind == "TABLE" and c.find(sqlglot.exp.Table).db == "staging"]
    assert len(staging) == 6  # the two sources', and the keys each dimension's load touched (for its checks)
    assert all(c.sql(dialect="redshift").endswith(" BACKUP NO") for c in staging)
    assert not any("BACKUP" in c.sql(dialect="redshift") for c in creates if c not in staging)


def test_a_plan_whose_buckets_are_in_different_regions_is_refused(s3) -> None:
    """https://docs.aws.amazon.com/redshift/latest/dg/copy-parameters-data-source-s3.html: one REGION covers the
    manifest and every data bucket."""
    east = boto3.client("s3", region_name="us-east-1")
    east.create_bucket(Bucket="sparkify-raw-east")  # no LocationConstraint: us-east-1
    upload(east, "sparkify-raw-east", ROOT / "tests" / "fixtures" / "golden")
    s3.create_bucket(Bucket="sparkify-staging", CreateBucketConfiguration={"LocationConstraint": "us-west-2"})
    options = Options(variables={**VARS, "data_root": "s3://sparkify-raw-east"}, s3_client=lambda: s3, tables=["time"])
    with pytest.raises(ValueError, match=r"s3://sparkify-raw-east in us-east-1, s3://sparkify-staging in us-west-2"):
        plan_text(load_project(SPEC), DAY, Redshift(CopyAuth()), options)


@pytest.mark.parametrize(
    ("target", "refusal"),
    [
        ("redshift://u:p@c.a1.us-west-2.redshift.amazonaws.com:5439/dev?iam_role=default&region=eu-west-1",
         r"COPY would read S3 in eu-west-1 \(region=eu-west-1\), but s3://sparkify-raw in us-west-2, "
         r"s3://sparkify-staging in us-west-2: set region=us-west-2"),
        ("redshift://u:p@c.a1.eu-west-1.redshift.amazonaws.com:5439/dev?iam_role=default",
         r"the cluster is in eu-west-1 and no region= is set"),
        ("redshift://u:p@c.a1.eu-west-1.redshift.amazonaws.com:5439/dev?iam_role=default&region=us-west-2", None),
        ("redshift://u:p@localhost:5439/dev?iam_role=default", None),
    ],
)  # fmt: skip
def test_a_plan_reading_buckets_outside_the_copy_region_is_refused(raw, target: str, refusal: str | None) -> None:
    options = Options(variables=VARS, s3_client=lambda: raw, tables=["time"])
    with RedshiftTarget.from_url(target) as opened:
        if refusal is None:
            assert "COPY" in plan_text(load_project(SPEC), DAY, opened.engine, options, opened)
        else:
            with pytest.raises(ValueError, match=refusal):
                plan_text(load_project(SPEC), DAY, opened.engine, options, opened)


def test_the_plan_shows_what_copy_signs_with_secrets_masked(raw, monkeypatch, capsys) -> None:
    """`warehouse plan --target redshift` shows the keys a run would sign with (the environment's, as a target
    URL without iam_role uses), masked; without credentials, the cluster's default role; a URL's role as given."""
    keys = {
        "AWS_ACCESS_KEY_ID": "AKIAPLANKEY",
        "AWS_SECRET_ACCESS_KEY": "plan/Secret+9",
        "AWS_SESSION_TOKEN": "tok-5e1f",
    }
    for name, value in keys.items():
        monkeypatch.setenv(name, value)
    day = ["plan", "--date", "2018-11-01", "--tables", "time", *(f"--var={k}={v}" for k, v in VARS.items())]
    assert main([*day, "--target", "redshift"]) == 0
    out = capsys.readouterr().out
    assert "-- COPY signs with the keys of the environment's AWS credentials" in out
    assert "ACCESS_KEY_ID 'AKIAPLANKEY'\nSECRET_ACCESS_KEY '***'\nSESSION_TOKEN '***'" in out
    assert "plan/Secret+9" not in out and "tok-5e1f" not in out
    for name in keys:
        monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    assert main([*day, "--target", "redshift"]) == 0  # no credentials anywhere
    assert "\nIAM_ROLE default\n" in capsys.readouterr().out
    role = "arn:aws:iam::123456789012:role/loader"
    assert main([*day, "--target", f"redshift://u:pw@localhost:5439/dev?iam_role={role}"]) == 0
    out = capsys.readouterr().out
    assert f"-- COPY signs with the IAM role {role}" in out and f"\nIAM_ROLE '{role}'\n" in out


def test_each_step_holds_its_lock_for_its_last_few_statements_only() -> None:
    """LOCK is ACCESS EXCLUSIVE on Redshift (https://docs.aws.amazon.com/redshift/latest/dg/r_LOCK.html): analysts'
    reads wait while a load holds it. The golden plan says after each LOCK how many statements hold it: the
    staging, COPY and deduplication happen before it, in a transaction of their own."""
    held = {}
    for step in GOLDEN.read_text().split("\n-- step ")[1:]:
        name = step.split()[0]
        _, note, locked = step.partition("a lock held for the ")
        if not note:
            assert name == "setup"  # it creates what it writes
            continue
        statements = planned(locked.split("\n", 1)[1])
        held[name] = int(locked.split()[0])
        assert len(statements) == held[name] + 1 and statements[0].startswith("LOCK")
        assert not any('"staging".' in s or s.startswith("COPY") for s in statements), name
    # users (scd2) rebuilds its touched keys' versions from the runs under the lock, so that concurrent loads
    # of other intervals see each other's runs; songplays adds the inferred members of keys not loaded yet
    assert held == {
        "stage_events": 3, "stage_songs": 5, "load_users": 11, "load_songs": 5, "load_artists": 5, "load_time": 5,
        "load_songplays": 5, "check_users": 2, "check_songs": 2, "check_artists": 2, "check_time": 2,
        "check_songplays": 2, "finish": 2,
    }  # fmt: skip


@pytest.fixture
def shop(s3):
    upload(s3, "shop-raw", ORDERS.parent / "data")
    s3.create_bucket(Bucket="shop-warehouse", CreateBucketConfiguration={"LocationConstraint": "us-west-2"})
    return s3


def test_merged_fact_plan_matches_golden_file(shop) -> None:
    text = plan_text(load_project(ORDERS), NOV_3, Redshift(), Options(variables=ORDERS_VARS, s3_client=lambda: shop))
    assert_golden(text, ORDERS_GOLDEN)


def test_a_merged_fact_merges_from_a_staging_table_its_checks_read(shop) -> None:
    connection = FakeRedshift()
    engine, options = Redshift(CopyAuth(), region="us-west-2"), Options(variables=ORDERS_VARS, s3_client=lambda: shop)
    target = RedshiftTarget(engine, lambda: connection, "redshift://test")
    project = load_project(ORDERS)
    runner = StepRunner(project, NOV_3, target, options)
    for step in plan(project):
        runner.run_step(step)
    sent = connection.statements
    in_order(sent, planned(plan_text(project, NOV_3, engine, options)))
    (merge,) = [s for s in sent if s.startswith('MERGE INTO "orders"')]
    assert 'USING "staging"."orders__merged_20181103" AS "batch"' in merge
    assert "WHEN MATCHED THEN UPDATE SET" in merge and "WHEN NOT MATCHED THEN INSERT" in merge
    dropped = [s for s in sent if s.startswith('DROP TABLE IF EXISTS "staging"."orders__merged_20181103"')]
    assert len(dropped) == 2  # before the load fills it, and when the interval finishes


FILE_GOLDEN = {  # format → the golden plan of the orders spec whose source is in that format
    "csv": ROOT / "tests" / "golden" / "plan_redshift_orders_csv.sql",
    "parquet": ROOT / "tests" / "golden" / "plan_redshift_orders_parquet.sql",
}


@pytest.fixture(params=list(FILE_GOLDEN))
def shop_files(request: pytest.FixtureRequest, s3, tmp_path: Path):
    """The orders spec with its source as CSV (gzip-compressed, `;`-delimited) or Parquet, its files in S3."""
    kind = {"csv": "csv-semicolon-gzip", "parquet": "parquet"}[request.param]
    source, write = FORMATS[kind]
    write(tmp_path / "data" / "orders")
    upload(s3, "shop-raw", tmp_path / "data")
    s3.create_bucket(Bucket="shop-warehouse", CreateBucketConfiguration={"LocationConstraint": "us-west-2"})
    return request.param, load_project(project(tmp_path / "project", source)), s3


def test_csv_and_parquet_plans_match_golden_files(shop_files) -> None:
    kind, project, s3 = shop_files
    text = plan_text(project, NOV_3, Redshift(), Options(variables=ORDERS_VARS, s3_client=lambda: s3))
    assert_golden(text, FILE_GOLDEN[kind])


def test_a_parquet_copy_fills_the_staging_table_by_position_signed_with_credentials(shop_files, caplog) -> None:
    """DG copy-usage_notes-copy-from-columnar.html: the file's columns fill the table's in order; no REGION,
    MAXERROR or ACCESS_KEY_ID (keys go in CREDENTIALS); DG copy-parameters-data-source-s3.html#copy-manifest-file:
    a manifest of Parquet objects gives each one's content_length."""
    kind, project, s3 = shop_files
    caplog.set_level(logging.INFO, logger="warehouse.sql")
    connection = FakeRedshift()
    auth = CopyAuth(None, "AKIAEXAMPLEKEY", "secret/Key+123", "session-token-xyz")
    engine = Redshift(auth, region="us-west-2")
    target = RedshiftTarget(engine, lambda: connection, "redshift://test", auth.secrets)
    options = Options(variables=ORDERS_VARS, s3_client=lambda: s3)
    runner = StepRunner(project, NOV_3, target, options)
    for step in plan(project):
        runner.run_step(step)
    (copy,) = [s for s in connection.statements if s.startswith("COPY ")]
    key = "staging/orders/manifests/order_changes/20181103.manifest"
    (entry,) = json.loads(s3.get_object(Bucket="shop-warehouse", Key=key)["Body"].read())["entries"]
    size = s3.head_object(Bucket="shop-raw", Key="orders/2018-11-03." + ("csv.gz" if kind == "csv" else "parquet"))
    if kind == "parquet":
        assert copy.startswith('COPY "staging"."order_changes_20181103" FROM ')
        assert "CREDENTIALS 'aws_access_key_id=AKIAEXAMPLEKEY;aws_secret_access_key=secret/Key+123;token=" in copy
        assert copy.endswith("FORMAT AS PARQUET STATUPDATE OFF MANIFEST")
        assert entry["meta"] == {"content_length": size["ContentLength"]}
        assert not any("load_error" in s for s in connection.statements)  # COPY of Parquet fails on a bad value
    else:
        assert '"order_changes_20181103" ("order_id", "customer_id", "status", "amount", "ordered_at"' in copy
        assert "FORMAT AS CSV QUOTE AS '\"' DELIMITER AS ';' NULL AS '' IGNOREHEADER AS 1 ENCODING AS UTF8" in copy
        assert "SECRET_ACCESS_KEY 'secret/Key+123'" in copy and copy.endswith("IGNOREBLANKLINES GZIP MANIFEST")
        assert "meta" not in entry
    assert "secret/Key+123" not in caplog.text and "session-token-xyz" not in caplog.text


def test_a_parquet_copy_reads_the_cluster_region_only(shop_files) -> None:
    """DG copy-usage_notes-copy-from-columnar.html: "The Amazon S3 bucket must be in the same AWS Region as the
    Amazon Redshift database", and COPY of Parquet takes no REGION: a target whose region= is not the cluster's is
    refused before anything runs (a CSV COPY names the Region)."""
    kind, project, s3 = shop_files
    engine = Redshift(CopyAuth(), region="us-west-2", cluster_region="us-east-1")
    runner = StepRunner(
        project,
        NOV_3,
        RedshiftTarget(engine, FakeRedshift, "redshift://test"),
        Options(variables=ORDERS_VARS, s3_client=lambda: s3),
    )
    steps = plan(project)
    runner.run_step(steps[0])  # setup
    if kind == "parquet":
        with pytest.raises(StepFailed, match="COPY of Parquet takes no REGION"):
            runner.run_step(steps[1])
    else:
        assert runner.run_step(steps[1]).status == "success"
