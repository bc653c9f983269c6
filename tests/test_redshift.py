"""Redshift, verified without a cluster: the statement sequence of one interval (golden file), sqlglot round trips,
and what RedshiftTarget sends over a recording connection (manifest, COPY, transactions, secrets)."""

import json
import logging
import os
from datetime import datetime

import pytest
import sqlglot
from helpers import ROOT, SPEC, upload
from plan_statements import in_order, planned
from redshift_fake import FakeRedshift

from warehouse.compile import load_project
from warehouse.interval import Interval
from warehouse.plan import plan
from warehouse.printed import plan_text
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
    text = plan_text(load_project(SPEC), DAY, Redshift(), options)
    if os.environ.get("UPDATE_GOLDEN"):
        GOLDEN.write_text(text)
    assert text == GOLDEN.read_text(), f"plan changed: review, then rerun with UPDATE_GOLDEN=1 to accept ({GOLDEN})"


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


def test_each_step_commits_once_and_nothing_truncates(raw) -> None:
    connection = run_interval(raw, CopyAuth())
    sent = connection.statements
    steps = plan(load_project(SPEC), ["users", "songs", "artists", "time", "songplays"])
    assert len(connection.committed) == len(steps) and not connection.rolled_back
    assert not any(s.upper().startswith("TRUNCATE") for s in sent)
    (merge_users,) = [i for i, s in enumerate(sent) if s.startswith('MERGE INTO "users"')]
    assert sent[merge_users - 3].startswith('CREATE TEMPORARY TABLE "users__batch" (LIKE "users")')


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


@pytest.fixture
def shop(s3):
    upload(s3, "shop-raw", ORDERS.parent / "data")
    s3.create_bucket(Bucket="shop-warehouse", CreateBucketConfiguration={"LocationConstraint": "us-west-2"})
    return s3


def test_merged_fact_plan_matches_golden_file(shop) -> None:
    text = plan_text(load_project(ORDERS), NOV_3, Redshift(), Options(variables=ORDERS_VARS, s3_client=lambda: shop))
    if os.environ.get("UPDATE_GOLDEN"):
        ORDERS_GOLDEN.write_text(text)
    assert text == ORDERS_GOLDEN.read_text(), f"plan changed: review, then rerun with UPDATE_GOLDEN=1 ({ORDERS_GOLDEN})"


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
