"""Where a run writes and reads: targets opened through the Airflow providers' hooks, the URL behind a connection,
and the pool a DuckDB file needs."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from airflow.sdk import BaseHook, Connection
from airflow.sdk.exceptions import AirflowNotFoundException

from warehouse.targets import SINGLE_WRITER, as_source, engine_name, open_target, single_writer

if TYPE_CHECKING:
    from warehouse.targets.base import Target
    from warehouse.targets.redshift import CopySigning

DUCKDB_POOL = "duckdb"  # one slot: a DuckDB file accepts one writer at a time


def open_connection(target: str, aws_conn_id: str, read_only: bool = False) -> Target:
    """A warehouse (or, `read_only`, a database source) by Airflow connection id, connected through its
    provider's hook, which applies the connection's IAM, Serverless and other extras: Redshift through
    RedshiftSQLHook, PostgreSQL through PostgresHook; a DuckDB connection, or a URL, as the command line opens it.
    `aws_conn_id`: the spec's AWS connection, for Redshift's IAM credentials and COPY."""
    if "://" in target:
        return open_target(target, read_only)
    connection = BaseHook.get_connection(target)
    if connection.conn_type == "redshift":
        opened = _redshift(target, connection, aws_conn_id)
    elif connection.conn_type == "postgres":
        opened = _postgres(target, connection, read_only)
    else:
        return open_target(connection.get_uri(), read_only)
    return as_source(opened) if read_only else opened


def _redshift(conn_id: str, connection: Connection, aws_conn_id: str) -> Target:
    """RedshiftSQLHook.get_conn: redshift_connector with every extra of the connection (IAM with `iam`, Serverless
    with `is_serverless` and `serverless_work_group`, timeouts, ssl), retried on connection errors."""
    from airflow.providers.amazon.aws.hooks.redshift_sql import RedshiftSQLHook

    from warehouse.targets.redshift import Redshift, RedshiftTarget, host_region, serverless_host

    hook = RedshiftSQLHook(redshift_conn_id=conn_id, aws_conn_id=aws_conn_id)
    signing, region = copy_signing(aws_conn_id)
    serverless = serverless_host(connection.host, connection.extra_dejson.get("is_serverless"))
    engine = Redshift(signing, region, serverless, host_region(connection.host))
    description = f"Redshift connection {conn_id!r} ({connection.host}/{connection.schema})"
    return RedshiftTarget(engine, hook.get_conn, description, (connection.password or "",))


def _postgres(conn_id: str, connection: Connection, read_only: bool) -> Target:
    """PostgresHook.get_conn: psycopg 3 with the connection's extras (sslmode, connect_timeout, options, IAM)."""
    from airflow.providers.postgres.hooks.postgres import PostgresHook

    from warehouse.targets.postgres import PostgresTarget

    hook = PostgresHook(postgres_conn_id=conn_id)
    description = f"PostgreSQL connection {conn_id!r} ({connection.host}/{connection.schema})"
    return PostgresTarget.connected(hook.get_conn, description, read_only, (connection.password or "",))


def copy_signing(aws_conn_id: str) -> tuple[CopySigning, str | None]:
    """How Redshift's COPY signs, and its REGION, from the spec's AWS connection, read as the provider's
    S3ToRedshiftOperator reads it (providers/amazon/aws/transfers/s3_to_redshift.py): extra `role_arn` signs as
    that IAM role; else the connection's credentials (S3Hook.get_credentials, which registers the secret key and
    token with Airflow's masker), fetched as each COPY is built, since temporary keys expire; extra `region` is
    the REGION of the buckets."""
    from airflow.providers.amazon.aws.hooks.s3 import S3Hook

    from warehouse.targets.redshift import CopyAuth, CopySigning

    try:
        extras = BaseHook.get_connection(aws_conn_id).extra_dejson
    except AirflowNotFoundException:  # the hooks fall back to boto3's credential chain
        extras = {}
    region = extras.get("region")
    if extras.get("role_arn"):
        role = extras["role_arn"]
        return CopySigning(lambda: CopyAuth(role), f"the IAM role {role} (role_arn of {aws_conn_id!r})"), region
    hook = S3Hook(aws_conn_id=aws_conn_id)

    def fetch() -> CopyAuth:
        credentials = hook.get_credentials()
        return CopyAuth(None, credentials.access_key, credentials.secret_key, credentials.token)

    return CopySigning(fetch, f"the keys of AWS connection {aws_conn_id!r}, fetched as each COPY is built"), region


def target_url(target: str) -> str:
    """A URL as given, or the URL of an Airflow connection (secrets backends, environment, metadata DB)."""
    if "://" in target:
        return target
    return BaseHook.get_connection(target).get_uri()


def parse_time_url(target: str) -> str | None:
    """A DAG's default target as far as parsing can tell without looking a connection up: a URL, or that of a
    connection id set in `AIRFLOW_CONN_<ID>` (URI or JSON); else None."""
    if "://" in target:
        return target
    definition = os.environ.get(f"AIRFLOW_CONN_{target.upper()}", "").strip()
    if not definition.startswith("{"):
        return definition or None
    try:
        return Connection.from_json(definition, conn_id=target).get_uri()
    except ValueError:
        return None


def engine_of(target: str) -> str | None:
    """The engine of a DAG's default target (`parse_time_url`), else None."""
    url = parse_time_url(target)
    try:
        return engine_name(url) if url else None
    except ValueError:
        return None


def pool_for(target: str) -> str | None:
    """The pool of a DAG whose default target is `target`: DuckDB's one-slot pool for a DuckDB file. A DuckDB
    connection defined elsewhere than `AIRFLOW_CONN_<ID>` is refused at run time (see `check_pool`)."""
    engine = engine_of(target)
    return DUCKDB_POOL if engine is not None and engine in SINGLE_WRITER else None


def check_pool(url: str, pool: str) -> None:
    """Refuse to write a DuckDB file from a task outside the one-slot pool (parallel tasks would fail on its lock)."""
    if single_writer(url) and pool != DUCKDB_POOL:
        raise ValueError(
            f"the target is a DuckDB file, which accepts one writer at a time, but this task runs in pool {pool!r}: "
            f"make the DuckDB target the DAG's default (a duckdb:// URL, or a connection set in AIRFLOW_CONN_<ID>, "
            f"named by WAREHOUSE_TARGET or the spec's connections.warehouse) so that its tasks use the "
            f"{DUCKDB_POOL!r} pool (1 slot)"
        )
