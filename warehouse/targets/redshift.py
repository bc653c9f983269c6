"""Redshift through redshift_connector. Staging is a COPY of exactly the interval's S3 objects, named in a
manifest; the keys of the AWS connection, when used instead of a role, are secrets and never logged."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, unquote, urlsplit

from sqlglot import exp

from warehouse.results import Reject
from warehouse.sql.names import ident
from warehouse.sql.statement import ROW, Action, Statement, Upload
from warehouse.targets import redact_url
from warehouse.targets.base import Target
from warehouse.targets.engine import catalog_sql
from warehouse.targets.postgres import Postgres

if TYPE_CHECKING:
    from warehouse.sources.batch import Batch

MAX_ERRORS = 100_000  # Redshift's limit: as many bad records as COPY may set aside


@dataclass(frozen=True)
class CopyAuth:
    """How Redshift reads S3: a role (an ARN, or `default`, the cluster's default role) or keys (secrets)."""

    iam_role: str | None = "default"
    access_key_id: str | None = None
    secret_access_key: str | None = None
    session_token: str | None = None

    @property
    def secrets(self) -> tuple[str, ...]:
        return tuple(s for s in (self.secret_access_key, self.session_token) if s)


class Redshift(Postgres):
    """Redshift: the warehouse's production engine; S3 is read by the cluster itself."""

    name = "redshift"
    byte_order = None
    unlogged_staging = False
    indexes = False
    table_properties = True
    informational_keys = True
    lock_template = "LOCK {}"
    reads_files = False
    # ALTER TABLE (https://docs.aws.amazon.com/redshift/latest/dg/r_ALTER_TABLE.html): ADD COLUMN one column at a
    # time, DROP COLUMN and RENAME COLUMN may run in a transaction (c_serial_isolation.html lists "ALTER TABLE (to
    # add or drop columns)"); ALTER COLUMN ... TYPE only lengthens a VARCHAR and "can't run within a transaction
    # block". Every other change is a deep copy (create, INSERT ... SELECT, rename), in one transaction.
    alterations = frozenset({"add_column", "widen_varchar", "rename_column", "drop_column"})
    alone = frozenset({"widen_varchar"})

    def __init__(self, auth: CopyAuth | None = None, region: str | None = None):
        self.auth, self.region = auth or CopyAuth(), region

    def column_type(self, datatype: exp.DataType) -> exp.DataType:
        return datatype.copy()

    def key_query(self, schema: str) -> None:
        """No indexes: a key is informational (PRIMARY KEY), recorded with the table's definition."""
        return None

    def catalog_query(self, schema: str) -> exp.Query:
        """From SVV_COLUMNS (https://docs.aws.amazon.com/redshift/latest/dg/r_SVV_COLUMNS.html), which sees every
        schema (PG_TABLE_DEF sees only those on the search path), the type rebuilt with its length or precision."""
        return catalog_sql(
            "SELECT table_name, column_name, "
            "CASE WHEN NOT character_maximum_length IS NULL "
            "THEN data_type || '(' || CAST(character_maximum_length AS VARCHAR) || ')' "
            "WHEN data_type = 'numeric' "
            "THEN data_type || '(' || CAST(numeric_precision AS VARCHAR) || ',' "
            "|| CAST(numeric_scale AS VARCHAR) || ')' "
            "ELSE data_type END, is_nullable = 'YES', ordinal_position "
            "FROM svv_columns WHERE table_schema = :schema",
            self.name,
            schema,
        )

    def stage(self, table: exp.Table, batch: Batch) -> list[Action]:
        """Write the manifest, COPY exactly its objects, and read back the count (and, when the source sets bad
        rows aside, the rows COPY refused)."""
        if not batch.objects:
            return []
        local = [url for url in batch.urls if not url.startswith("s3://")]
        if local:
            raise ValueError(f"Redshift COPY reads S3 only; {local[0]} is not an s3:// object")
        if not (batch.manifest_url or "").startswith("s3://"):
            raise ValueError("Redshift needs the spec's staging_location to be an s3:// prefix (for COPY manifests)")
        actions: list[Action] = [
            Upload(batch.manifest_url, manifest(batch.urls)),
            Statement(self.copy(table, batch)),
            Statement(exp.select(exp.func("pg_last_copy_count").as_("staged", quoted=True)), ROW),
        ]
        if batch.staged_as.on_bad_rows == "reject":
            actions.append(Statement(load_errors(), rows="rejects"))
        return actions

    def copy(self, into: exp.Table, batch: Batch) -> exp.Copy:
        """COPY exactly the manifest's objects; bad records fail it, or are set aside (MAXERROR) when the source
        rejects bad rows. Flags last (sqlglot and Redshift agree on that order)."""
        source = batch.staged_as
        names = [ident(n) for n in source.columns]
        params = [
            _param("FORMAT AS JSON", exp.Literal.string("auto ignorecase" if source.match == "ignorecase" else "auto"))
        ]
        params.append(_param("TIMEFORMAT", exp.Literal.string(source.timeformat)))
        if self.region:
            params.append(_param("REGION", exp.Literal.string(self.region)))
        if source.on_bad_rows == "reject":
            params.append(_param("MAXERROR", exp.Literal.number(MAX_ERRORS)))
        params += [_param("COMPUPDATE", exp.var("OFF")), _param("STATUPDATE", exp.var("OFF"))]
        params += [_param("GZIP")] if all(u.endswith(".gz") for u in batch.urls) else []
        params.append(_param("MANIFEST"))
        credentials = exp.Credentials()
        auth = self.auth
        if auth.iam_role:
            role = exp.var("default") if auth.iam_role == "default" else exp.Literal.string(auth.iam_role)
            credentials.set("iam_role", role)
        else:
            keys = [
                ("ACCESS_KEY_ID", auth.access_key_id),
                ("SECRET_ACCESS_KEY", auth.secret_access_key),
                ("SESSION_TOKEN", auth.session_token),
            ]
            params[:0] = [_param(name, exp.Literal.string(value)) for name, value in keys if value]
        return exp.Copy(
            this=exp.Schema(this=into.copy(), expressions=names),
            kind=True,
            files=[exp.Literal.string(batch.manifest_url)],
            credentials=credentials,
            params=params,
        )


def load_errors() -> exp.Select:
    """The records the last COPY of this session refused, as rejects: url, line, reason, raw line."""
    trimmed = {n: exp.func("trim", exp.column(n)) for n in ("file_name", "column_name", "error_message", "raw_line")}
    reason = exp.DPipe(
        this=exp.DPipe(this=trimmed["column_name"], expression=exp.Literal.string(": ")),
        expression=trimmed["error_message"],
    )
    return (
        exp.select(
            trimmed["file_name"].as_("url", quoted=True),
            exp.column("line_number").as_("line", quoted=True),
            reason.as_("reason", quoted=True),
            trimmed["raw_line"].as_("raw", quoted=True),
        )
        .from_(exp.to_table("sys_load_error_detail"))
        .where(exp.column("query_id").eq(exp.func("pg_last_copy_id")))
        .order_by(exp.column("file_name"), exp.column("line_number"))
    )


def manifest(urls: list[str]) -> bytes:
    """A COPY manifest naming exactly these objects (a key prefix would also match `x.json.bak`)."""
    return json.dumps({"entries": [{"url": url, "mandatory": True} for url in urls]}, indent=1).encode()


def _param(name: str, value: exp.Expression | None = None) -> exp.CopyParameter:
    return exp.CopyParameter(this=exp.var(name), expression=value)


class RedshiftTarget(Target):
    @classmethod
    def from_url(cls, url: str, read_only: bool = False) -> RedshiftTarget:
        """redshift://user:password@host:5439/database[?iam_role=arn:...|default][&region=us-west-2]; without
        iam_role, COPY signs with the AWS credentials of the environment."""
        parts = urlsplit(url)
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        password = unquote(parts.password or "")

        def connect() -> Any:
            import redshift_connector

            return redshift_connector.connect(
                host=parts.hostname, port=parts.port or 5439, database=parts.path.lstrip("/") or "dev",
                user=unquote(parts.username or ""), password=password,
            )  # fmt: skip

        auth = CopyAuth(iam_role=query["iam_role"]) if "iam_role" in query else environment_keys()
        engine = Redshift(auth, query.get("region"))
        return cls(engine, connect, redact_url(url), (password, *auth.secrets))

    @contextmanager
    def _cursor(self) -> Iterator[Any]:
        cursor = self.connection.cursor()
        cursor.paramstyle = "pyformat"  # the ledger's named parameters, %(name)s (the driver's default is %s)
        try:
            yield cursor
        finally:
            cursor.close()

    def execute_alone(self, statement: Statement) -> None:
        """redshift_connector opens a transaction before a statement unless the connection is in autocommit mode
        (its cursor.py): ALTER COLUMN ... TYPE "can't run within a transaction block"
        (https://docs.aws.amazon.com/redshift/latest/dg/r_ALTER_TABLE.html)."""
        self.connection.commit()
        self.connection.autocommit = True
        try:
            self.execute(statement)
        finally:
            self.connection.autocommit = False

    @property
    def data_errors(self) -> tuple[type[BaseException], ...]:
        import redshift_connector

        return (redshift_connector.Error,)

    def refused_rows(self) -> list[Reject]:
        """What Redshift recorded of the COPY that failed (its system tables outlive the rollback)."""
        return [Reject.of(row) for row in self.fetch(load_errors())[1]]


def environment_keys() -> CopyAuth:
    """Keys from boto3's credential chain, or the cluster's default role when there are none."""
    import boto3

    credentials = boto3.Session().get_credentials()
    if credentials is None:
        return CopyAuth()
    frozen = credentials.get_frozen_credentials()
    return CopyAuth(None, frozen.access_key, frozen.secret_key, frozen.token)
