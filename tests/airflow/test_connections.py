"""Inside Airflow, targets open through the providers' hooks (plugins/operators/targets.py): PostgreSQL through
PostgresHook, Redshift through RedshiftSQLHook, with every extra of the connection (IAM, Serverless, timeouts),
and COPY signs with the spec's AWS connection. `Connection.get_uri()` loses extras that are not strings."""

from __future__ import annotations

import json
from urllib.parse import urlsplit

import boto3
import psycopg
import pytest
import redshift_connector
from helpers import SPEC
from sqlglot import exp, parse_one

from warehouse.compile import load_project
from warehouse.sources.batch import Batch
from warehouse.sources.objects import SourceObject

ROLE = "arn:aws:iam::123456789012:role/loader"
CLUSTER = "wh.abc123example.us-west-2.redshift.amazonaws.com"


def connection(monkeypatch: pytest.MonkeyPatch, conn_id: str, **fields) -> None:
    monkeypatch.setenv(f"AIRFLOW_CONN_{conn_id.upper()}", json.dumps(fields))


def test_a_postgres_connection_opens_through_postgres_hook_with_its_extras(
    pg_database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from operators.targets import open_connection, target_url

    from warehouse.targets import open_target

    url = urlsplit(pg_database)
    extra = {"connect_timeout": 5, "application_name": "warehouse-hook-test"}  # a number: not a string
    connection(monkeypatch, "warehouse_pg", conn_type="postgres", host=url.hostname, port=url.port,
               login=url.username, schema=url.path[1:], extra=extra)  # fmt: skip
    assert "__extra__=" in target_url("warehouse_pg")  # what rebuilding the target from get_uri() made of them
    with pytest.raises(psycopg.ProgrammingError, match="__extra__"), open_target(target_url("warehouse_pg")) as lost:
        lost.scalar(exp.select("1"))
    with open_connection("warehouse_pg", "aws_default") as target:
        assert target.scalar(parse_one("SELECT current_setting('application_name')")) == "warehouse-hook-test"
        with target.transaction():
            target.execute(parse_one("CREATE TABLE written (a INT)"))
    with open_connection("warehouse_pg", "aws_default", read_only=True) as source:  # a database source
        assert source.log.name == "warehouse.sql.source"
        with pytest.raises(psycopg.errors.ReadOnlySqlTransaction), source.transaction():
            source.execute(parse_one("CREATE TABLE refused (a INT)"))


@pytest.fixture
def driver(monkeypatch: pytest.MonkeyPatch) -> dict:
    """redshift_connector.connect, recording what RedshiftSQLHook passes it, answered by the fake connection."""
    from redshift_fake import FakeRedshift

    passed: dict = {}

    def connect(**kwargs):
        passed.update(kwargs)
        return FakeRedshift(serverless=bool(kwargs.get("is_serverless")))

    monkeypatch.setattr(redshift_connector, "connect", connect)
    return passed


def batch() -> Batch:
    events = load_project(SPEC).spec.sources["events"]
    return Batch("events", events, [SourceObject("s3://sparkify-raw/log_data/e.json", 1, "v")], "s3://b/m.manifest")


def test_redshift_opens_through_redshift_sql_hook_with_iam_and_copy_signs_as_the_aws_connection_role(
    s3, driver: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    from operators.targets import open_connection

    boto3.client("redshift", region_name="us-west-2").create_cluster(
        ClusterIdentifier="wh", NodeType="ra3.xlplus", ClusterType="single-node",
        MasterUsername="admin", MasterUserPassword="Admin-pw-1",
    )  # fmt: skip
    connection(monkeypatch, "warehouse_rs", conn_type="redshift", host=CLUSTER, port=5439, login="loader",
               schema="dev", extra={"iam": True, "timeout": 30})  # fmt: skip
    connection(monkeypatch, "aws_wh", conn_type="aws", extra={"region_name": "us-west-2", "role_arn": ROLE,
                                                              "region": "us-west-2"})  # fmt: skip
    with open_connection("warehouse_rs", "aws_wh") as target:
        assert target.scalar(exp.select(exp.func("pg_backend_pid"))) > 0
        copy = target.engine.copy(exp.to_table("staging.events_20181101"), batch()).sql(dialect="redshift")
    assert driver["user"] == "IAM:loader" and len(driver["password"]) == 32  # from GetClusterCredentials
    assert (driver["host"], driver["port"], driver["database"]) == (CLUSTER, 5439, "dev")
    assert driver["iam"] is True and driver["timeout"] == 30  # every extra reaches the driver
    assert f"IAM_ROLE '{ROLE}'" in copy and "REGION 'us-west-2'" in copy
    assert target.engine.cluster_region == "us-west-2" and not target.engine.serverless
    assert target.engine.staging_notes() == [
        f"COPY signs with the IAM role {ROLE} (role_arn of 'aws_wh') (secrets masked)"
    ]


def test_copy_signs_with_the_aws_connection_keys_fetched_for_each_copy_and_masked(
    s3, driver: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    from operators.targets import open_connection

    connection(monkeypatch, "warehouse_rs", conn_type="redshift", host=CLUSTER, login="loader",
               password="Redshift-pw-4e2a", schema="dev")  # fmt: skip
    from airflow.providers.amazon.aws.hooks.s3 import S3Hook

    connection(monkeypatch, "aws_keys", conn_type="aws", login="AKIAFROMCONNECTION", password="conn/Secret+7f1")
    fetched = []
    get_credentials = S3Hook.get_credentials
    monkeypatch.setattr(S3Hook, "get_credentials", lambda hook: fetched.append(1) or get_credentials(hook))
    with open_connection("warehouse_rs", "aws_keys") as target:
        assert target.scalar(exp.select(exp.func("pg_backend_pid"))) > 0
        copies = [target.engine.copy(exp.to_table("staging.events_20181101"), batch()) for _ in range(2)]
        assert len(fetched) == 2  # for each COPY: temporary keys expire
        texts = [c.sql(dialect="redshift") for c in copies]
        assert all("ACCESS_KEY_ID 'AKIAFROMCONNECTION' SECRET_ACCESS_KEY 'conn/Secret+7f1'" in t for t in texts)
        assert "conn/Secret+7f1" not in target.redact(texts[0]) and "Redshift-pw-4e2a" not in target.redact(
            f"{target.description} Redshift-pw-4e2a"
        )
    assert driver["password"] == "Redshift-pw-4e2a" and "iam" not in driver


def test_a_serverless_workgroup_reads_its_load_errors_from_the_sys_views(s3, driver, monkeypatch) -> None:
    from operators.targets import open_connection

    host = "wg.123456789012.us-west-2.redshift-serverless.amazonaws.com"
    connection(monkeypatch, "warehouse_sl", conn_type="redshift", host=host, login="loader", password="pw-Serverless-1",
               schema="dev", extra={"is_serverless": True, "serverless_work_group": "wg"})  # fmt: skip
    with open_connection("warehouse_sl", "aws_default") as target:
        errors = target.engine.load_errors(["s3://sparkify-raw/log_data/e.json"]).sql(dialect="redshift")
        assert target.engine.serverless and "FROM sys_load_error_detail" in errors
        assert target.fetch(target.engine.load_errors(["s3://sparkify-raw/log_data/e.json"]))[1] == []
    assert driver["is_serverless"] is True and driver["serverless_work_group"] == "wg"
