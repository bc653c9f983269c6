"""Redshift through redshift_connector. Staging is a COPY of exactly the interval's S3 objects, named in a
manifest; the keys COPY signs with, when it does not use a role, are secrets and never logged.

Pages of the Amazon Redshift Database Developer Guide this module relies on (DG below):
https://docs.aws.amazon.com/redshift/latest/dg/ + the page named in each comment."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, unquote, urlsplit

from sqlglot import exp

from warehouse.results import DataError
from warehouse.secrets import mask
from warehouse.sources.objects import SourceObject
from warehouse.spec import CsvSource, JsonSource, ParquetSource
from warehouse.sql.names import ident
from warehouse.sql.statement import ROW, Action, Statement, Upload
from warehouse.targets.base import Target
from warehouse.targets.engine import catalog_sql, md5_prefix
from warehouse.targets.postgres import Postgres

if TYPE_CHECKING:
    from warehouse.sources.batch import Batch

# DG copy-parameters-data-load.html: MAXERROR's limit. Every COPY sets bad records aside up to it, so that the
# step reads them back in its own transaction, where PG_LAST_COPY_ID still names this COPY (DG PG_LAST_COPY_ID.html:
# not updated when the COPY's transaction rolls back), and fails naming them when the source says `fail`
# (DG system-tables-for-troubleshooting-data-loads.html: set MAXERROR large enough for COPY to tell what it refused).
MAX_ERRORS = 100_000
CONFLICT = "1023"  # DG c_serial_isolation.html: "ERROR:1023 DETAIL: Serializable isolation violation on table"


@dataclass(frozen=True)
class CopyAuth:
    """What one COPY signs its reads of S3 with: a role (an ARN, or `default`, the cluster's default role) or keys
    (secrets). DG copy-parameters-authorization.html: exactly one of IAM_ROLE or the keys."""

    iam_role: str | None = "default"
    access_key_id: str | None = None
    secret_access_key: str | None = None
    session_token: str | None = None

    @property
    def secrets(self) -> tuple[str, ...]:
        return tuple(s for s in (self.secret_access_key, self.session_token) if s)


@dataclass(frozen=True)
class CopySigning:
    """How a target's COPYs sign: `fetch` gives one COPY's authorization, and is called as each COPY is built
    (temporary keys expire during a long run); `description` says where it comes from, for the plan."""

    fetch: Callable[[], CopyAuth]
    description: str

    @classmethod
    def fixed(cls, auth: CopyAuth) -> CopySigning:
        role = "the cluster's default IAM role" if auth.iam_role == "default" else f"the IAM role {auth.iam_role}"
        return cls(lambda: auth, role if auth.iam_role else "fixed keys")

    @classmethod
    def environment(cls) -> CopySigning:
        """Keys from boto3's credential chain (environment, profile, instance role), or the cluster's default role
        when there are none."""

        def fetch() -> CopyAuth:
            import boto3

            credentials = boto3.Session().get_credentials()
            if credentials is None:
                return CopyAuth()
            frozen = credentials.get_frozen_credentials()  # one consistent set (they refresh independently)
            return CopyAuth(None, frozen.access_key, frozen.secret_key, frozen.token)

        return cls(fetch, "the keys of the environment's AWS credentials, or the cluster's default IAM role without")


class Redshift(Postgres):
    """Redshift: the warehouse's production engine; S3 is read by the cluster itself.

    `signing`: how COPY signs (default: the environment's AWS credentials); `region`: the Region of the manifest
    and every data bucket, when it is not the cluster's; `serverless`: Redshift Serverless, which has the SYS
    monitoring views only (DG cm_chap_system-tables.html), where a provisioned cluster also has STL."""

    name = "redshift"
    byte_order = None
    unlogged_staging = False
    staging_backup = False  # DG r_CREATE_TABLE_NEW.html: "for tables, such as staging tables, ... specify BACKUP NO"
    indexes = False
    table_properties = True
    informational_keys = True
    # DG r_LOCK.html: LOCK [ TABLE ] table_name [, ...], ACCESS EXCLUSIVE until the transaction ends. DG
    # c_serial_isolation.html: against error 1023, "lock all tables affected by the transaction, including those
    # affected by read-only SELECT statements", "in the same order", "at the beginning of the transaction".
    lock_template = "LOCK {}"
    locks_every_table = True
    # DG t_Analyzing_tables.html: "the COPY command performs an analysis automatically when it loads data into an
    # empty table" (a staging table), and automatic analyze keeps the other tables' statistics in the background.
    analyze = False
    # DG c_unsupported-postgresql-functions.html lists the advisory lock functions (pg_advisory_lock, ...) as
    # unsupported: each step's LOCK of its tables is what keeps concurrent runs apart there.
    advisory_locks = False
    reads_files = False
    # ALTER TABLE (https://docs.aws.amazon.com/redshift/latest/dg/r_ALTER_TABLE.html): ADD COLUMN one column at a
    # time, DROP COLUMN and RENAME COLUMN may run in a transaction (c_serial_isolation.html lists "ALTER TABLE (to
    # add or drop columns)"); ALTER COLUMN ... TYPE only lengthens a VARCHAR and "can't run within a transaction
    # block". A description is COMMENT ON (r_COMMENT.html). Every other change is a deep copy (create, INSERT ...
    # SELECT, rename), in one transaction.
    alterations = frozenset({"add_column", "widen_varchar", "rename_column", "drop_column", "description"})
    alone = frozenset({"widen_varchar"})

    def __init__(
        self,
        signing: CopySigning | CopyAuth | None = None,
        region: str | None = None,
        serverless: bool = False,
        cluster_region: str | None = None,
    ):
        if signing is None:
            signing = CopySigning.environment()
        self.signing = CopySigning.fixed(signing) if isinstance(signing, CopyAuth) else signing
        self.region, self.serverless, self.cluster_region = region, serverless, cluster_region
        self._secrets: set[str] = set()

    def hash64(self, text: exp.Expression) -> exp.Expression:
        """STRTOL(hex, 16) is a BIGINT (https://docs.aws.amazon.com/redshift/latest/dg/r_STRTOL.html); MD5 gives
        32 hex digits (https://docs.aws.amazon.com/redshift/latest/dg/r_MD5.html); TO_CHAR's US is microseconds
        (https://docs.aws.amazon.com/redshift/latest/dg/r_FORMAT_strings.html)."""
        return exp.func("STRTOL", md5_prefix(text), exp.Literal.number(16))

    def column_type(self, datatype: exp.DataType) -> exp.DataType:
        return datatype.copy()

    def staging_notes(self) -> list[str]:
        return [f"COPY signs with {self.signing.description} (secrets masked)"]

    def check_objects(self, urls: list[str], s3_client: Callable[[], Any]) -> None:
        """DG copy-parameters-data-source-s3.html: "If the REGION parameter is specified, all resources, including
        a manifest file or multiple Amazon S3 buckets, must be located in the specified Region"; without it, "all
        the buckets must be in the same AWS Region as the Amazon Redshift cluster". A COPY whose buckets are known
        to be in other Regions is refused here, before it runs (a bucket whose Region cannot be read is not)."""
        buckets = sorted({urlsplit(url).netloc for url in urls if url.startswith("s3://")})
        client = s3_client() if buckets else None
        known = {b: r for b in buckets if (r := bucket_region(client, b))}
        where = ", ".join(f"s3://{b} in {r}" for b, r in known.items())
        page = "https://docs.aws.amazon.com/redshift/latest/dg/copy-parameters-data-source-s3.html"
        if len(set(known.values())) > 1:
            raise ValueError(f"one COPY reads its manifest and every data bucket in one Region, but {where} ({page})")
        expected = self.region or self.cluster_region
        if known and expected and set(known.values()) != {expected}:
            (region,) = set(known.values())
            said = f"region={self.region}" if self.region else f"the cluster is in {expected} and no region= is set"
            raise ValueError(f"COPY would read S3 in {expected} ({said}), but {where}: set region={region} ({page})")

    def redact(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return text

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

    def dataset_namespace(self, url: str) -> tuple[str, str]:
        """`redshift://<cluster or workgroup>.<region>:<port>`, as the naming scheme (and the Amazon provider's
        RedshiftSQLHook) name a cluster; an endpoint without a Region, by its host."""
        parts = urlsplit(url)
        host, region = parts.hostname or "", host_region(parts.hostname)
        authority = f"{host.split('.')[0]}.{region}" if region else host
        return f"redshift://{authority}:{parts.port or 5439}", unquote(parts.path.lstrip("/"))

    def comment_query(self, schema: str) -> exp.Query:
        """The `remarks` of SVV_TABLES and SVV_COLUMNS: what COMMENT ON wrote (DG r_SVV_TABLES.html,
        r_SVV_COLUMNS.html)."""
        return catalog_sql(
            "SELECT table_name, NULL, remarks FROM svv_tables WHERE table_schema = :schema "
            "UNION ALL SELECT table_name, column_name, remarks FROM svv_columns WHERE table_schema = :schema",
            self.name,
            schema,
        )

    def stage(self, table: exp.Table, batch: Batch) -> list[Action]:
        """Write the manifest, COPY exactly its objects, and read back the count and the rows COPY set aside (a
        COPY of Parquet sets none aside: it fails on the first)."""
        if not batch.objects:
            return []
        local = [url for url in batch.urls if not url.startswith("s3://")]
        if local:
            raise ValueError(f"Redshift COPY reads S3 only; {local[0]} is not an s3:// object")
        if not (batch.manifest_url or "").startswith("s3://"):
            raise ValueError("Redshift needs the spec's staging_location to be an s3:// prefix (for COPY manifests)")
        columnar = isinstance(batch.staged_as, ParquetSource)
        if columnar and self.region and self.cluster_region and self.region != self.cluster_region:
            raise ValueError(
                f"a COPY of Parquet takes no REGION: its buckets must be in the cluster's Region ({self.cluster_region}"
                f"), not region={self.region} (DG copy-usage_notes-copy-from-columnar.html)"
            )
        actions: list[Action] = [
            Upload(batch.manifest_url, manifest(batch.objects, lengths=columnar)),
            Statement(self.copy(table, batch)),
            Statement(exp.select(exp.func("pg_last_copy_count").as_("staged", quoted=True)), ROW),
        ]
        return actions if columnar else [*actions, Statement(self.load_errors(batch.urls), rows="rejects")]

    def copy(self, into: exp.Table, batch: Batch) -> exp.Copy:
        """COPY exactly the manifest's objects, in the source's format, setting bad records aside (MAXERROR).
        Flags last (sqlglot and Redshift agree on that order). A COPY of Parquet takes only a few parameters (DG
        copy-usage_notes-copy-from-columnar.html: not REGION, MAXERROR, COMPUPDATE, nor the keys' own parameters,
        so keys go in CREDENTIALS) and fills the table's columns by position, the staging table's being the
        source's in order."""
        source = batch.staged_as
        columnar = isinstance(source, ParquetSource)
        params, flags = COPY_FORMATS[source.format](source)
        if not columnar:
            if self.region:  # DG copy-parameters-data-source-s3.html: the manifest and every bucket are in it
                params.append(_param("REGION", exp.Literal.string(self.region)))
            params.append(_param("MAXERROR", exp.Literal.number(MAX_ERRORS)))
            params.append(_param("COMPUPDATE", exp.var("OFF")))
        params.append(_param("STATUPDATE", exp.var("OFF")))
        params += flags
        # DG copy-parameters-file-compression.html; Parquet compresses inside its files
        params += [_param("GZIP")] if not columnar and all(u.endswith(".gz") for u in batch.urls) else []
        params.append(_param("MANIFEST"))
        credentials = exp.Credentials()
        auth = self.signing.fetch()
        self._secrets.update(auth.secrets)
        if auth.iam_role:
            role = exp.var("default") if auth.iam_role == "default" else exp.Literal.string(auth.iam_role)
            credentials.set("iam_role", role)
        elif columnar:  # DG copy-parameters-authorization.html#copy-credentials
            keys = f"aws_access_key_id={auth.access_key_id};aws_secret_access_key={auth.secret_access_key}"
            keys += f";token={auth.session_token}" if auth.session_token else ""
            credentials.set("credentials", exp.Literal.string(keys))
        else:
            keys = [
                ("ACCESS_KEY_ID", auth.access_key_id),
                ("SECRET_ACCESS_KEY", auth.secret_access_key),
                ("SESSION_TOKEN", auth.session_token),
            ]
            params[:0] = [_param(name, exp.Literal.string(value)) for name, value in keys if value]
        names = [ident(n) for n in source.columns]
        return exp.Copy(
            this=into.copy() if columnar else exp.Schema(this=into.copy(), expressions=names),
            kind=True,
            files=[exp.Literal.string(batch.manifest_url)],
            credentials=credentials,
            params=params,
        )

    def load_errors(self, urls: list[str]) -> exp.Select:
        """The records the COPY just run set aside, as rejects: url, line, reason, raw line (None on Serverless)."""
        return _sys_load_errors(urls) if self.serverless else _stl_load_errors()


def _stl_load_errors() -> exp.Select:
    """DG r_STL_LOAD_ERRORS.html (provisioned clusters): `query` is the id PG_LAST_COPY_ID returns for the
    session's last COPY (DG PG_LAST_COPY_ID.html, whose example joins on it); CHAR columns, so trimmed."""
    return (
        exp.select(
            _trim("filename").as_("url", quoted=True),
            exp.column("line_number").as_("line", quoted=True),
            _reason("colname", "err_reason").as_("reason", quoted=True),
            _trim("raw_line").as_("raw", quoted=True),
        )
        .from_(exp.to_table("stl_load_errors"))
        .where(exp.column("query").eq(exp.func("pg_last_copy_id")))
        .order_by(exp.column("filename"), exp.column("line_number"))
    )


def _sys_load_errors(urls: list[str]) -> exp.Select:
    """DG SYS_LOAD_ERROR_DETAIL.html (Serverless too; no raw line). Its query_id is not the STL id PG_LAST_COPY_ID
    returns, so the rows are this session's (`session_id`: "the process identifier of the process running the
    copy", DG PG_BACKEND_PID.html), of these objects (one prefix covers them: an IN list of thousands of song
    files would outgrow a statement), from the latest COPY of them (`start_time`: "when the copy began")."""
    first, last = min(urls), max(urls)
    common = next((i for i, (a, b) in enumerate(zip(first, last, strict=False)) if a != b), len(first))
    prefix = first[:common].split("%")[0]  # a `_` in it matches itself, among other characters

    def mine() -> exp.Expression:
        return exp.and_(
            exp.column("session_id").eq(exp.func("pg_backend_pid")),
            exp.Like(this=_trim("file_name"), expression=exp.Literal.string(f"{prefix}%")),
        )

    latest = exp.select(exp.func("max", exp.column("start_time"))).from_("sys_load_error_detail").where(mine())
    return (
        exp.select(
            _trim("file_name").as_("url", quoted=True),
            exp.column("line_number").as_("line", quoted=True),
            _reason("column_name", "error_message").as_("reason", quoted=True),
            exp.null().as_("raw", quoted=True),
        )
        .from_(exp.to_table("sys_load_error_detail"))
        .where(exp.and_(mine(), exp.column("start_time").eq(latest.subquery())))
        .order_by(exp.column("file_name"), exp.column("line_number"))
    )


def _trim(name: str) -> exp.Expression:
    return exp.func("trim", exp.column(name))


def _reason(column: str, message: str) -> exp.Expression:
    """`column: message`, or the message alone when no column is named (a line that is not JSON)."""
    prefix = exp.DPipe(this=_trim(column), expression=exp.Literal.string(": "))
    named = exp.DPipe(this=prefix, expression=_trim(message))
    return exp.Case(ifs=[exp.If(this=_trim(column).eq(exp.Literal.string("")), true=_trim(message))], default=named)


def manifest(objects: list[SourceObject], lengths: bool = False) -> bytes:
    """A COPY manifest naming exactly these objects (a key prefix would also match `x.json.bak`), with each one's
    size in bytes where `lengths` (DG copy-parameters-data-source-s3.html#copy-manifest-file: "content_length"
    is required to load Parquet or ORC)."""
    entries = [
        {"url": o.url, "mandatory": True, **({"meta": {"content_length": o.size}} if lengths else {})} for o in objects
    ]
    return json.dumps({"entries": entries}, indent=1).encode()


def _json_format(source: JsonSource) -> tuple[list[exp.CopyParameter], list[exp.CopyParameter]]:
    """DG copy-parameters-data-format.html#copy-json; copy-parameters-data-conversion.html#copy-timeformat."""
    match = "auto ignorecase" if source.match == "ignorecase" else "auto"
    return [
        _param("FORMAT AS JSON", exp.Literal.string(match)),
        _param("TIMEFORMAT", exp.Literal.string(source.timeformat)),
    ], []


def _csv_format(source: CsvSource) -> tuple[list[exp.CopyParameter], list[exp.CopyParameter]]:
    """DG copy-parameters-data-format.html#copy-csv (QUOTE follows CSV; a quote doubled inside a quoted field),
    #copy-delimiter; copy-parameters-data-conversion.html: #copy-null-as, #copy-ignoreheader, #copy-encoding,
    #copy-timeformat, and the flag #copy-ignoreblanklines (blank lines skipped, as DuckDB's read_csv skips them).
    Fields fill the column list by position (DG copy-parameters-column-mapping.html)."""
    params = [
        _param("FORMAT AS CSV"),
        _param("QUOTE AS", exp.Literal.string(source.quote)),
        _param("DELIMITER AS", exp.Literal.string(source.delimiter)),
        _param("NULL AS", exp.Literal.string(source.null_as)),
    ]
    if source.header:
        params.append(_param("IGNOREHEADER AS", exp.Literal.number(1)))
    params.append(_param("ENCODING AS", exp.var(source.encoding.upper())))
    params.append(_param("TIMEFORMAT", exp.Literal.string(source.timeformat)))
    return params, [_param("IGNOREBLANKLINES")]


def _parquet_format(source: ParquetSource) -> tuple[list[exp.CopyParameter], list[exp.CopyParameter]]:
    """DG copy-parameters-data-format.html#copy-parquet."""
    return [_param("FORMAT AS PARQUET")], []


# a source's format → its COPY parameters: those with values, and flags (which go last)
COPY_FORMATS: dict[str, Callable[[Any], tuple[list[exp.CopyParameter], list[exp.CopyParameter]]]] = {
    "json": _json_format,
    "csv": _csv_format,
    "parquet": _parquet_format,
}


def _param(name: str, value: exp.Expression | None = None) -> exp.CopyParameter:
    return exp.CopyParameter(this=exp.var(name), expression=value)


class RedshiftError(Exception):
    """An error the Redshift server reported, as its message and detail: redshift_connector raises its error
    classes with the server's fields as the one argument, e.g. {'S': 'ERROR', 'C': 'XX000', 'M': '1023', 'D':
    'Serializable isolation violation on table ...'} (its core.py `handle_ERROR_RESPONSE`)."""

    def __init__(self, fields: dict[str, str]):
        self.fields = fields
        message, detail = fields.get("M", ""), (fields.get("D") or "").strip()
        if message.isdigit() and detail:  # an error number, explained by the detail
            text = f"{message}: {detail}"
        else:
            text = "\n".join(part for part in (message, detail) if part)
        super().__init__(text or str(fields))

    @property
    def message(self) -> str:
        return self.fields.get("M", "")


def server_error(error: Exception) -> Exception:
    """The driver's error as the runner reports it: a COPY that refused more records than MAXERROR is a DataError,
    any other error of the server a RedshiftError; an error of the driver itself as it is."""
    fields = error.args[0] if error.args else None
    if not isinstance(fields, dict):
        return error
    if fields.get("C") == "XX000" and fields.get("M", "").startswith("Load into table"):
        return DataError(RedshiftError(fields).args[0])
    return RedshiftError(fields)


class RedshiftTarget(Target):
    @classmethod
    def from_url(cls, url: str, read_only: bool = False) -> RedshiftTarget:
        """redshift://user:password@host:5439/database[?iam_role=arn:...|default][&region=us-west-2]
        [&serverless=true]; without iam_role, COPY signs with the AWS credentials of the environment. A host of
        a Serverless workgroup (`*.redshift-serverless.amazonaws.com`) needs no `serverless`."""
        parts = urlsplit(url)
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        password = unquote(parts.password or "")

        def connect() -> Any:
            import redshift_connector

            return redshift_connector.connect(
                host=parts.hostname, port=parts.port or 5439, database=parts.path.lstrip("/") or "dev",
                user=unquote(parts.username or ""), password=password,
            )  # fmt: skip

        signing = CopySigning.fixed(CopyAuth(query["iam_role"])) if "iam_role" in query else None
        serverless = serverless_host(parts.hostname, query.get("serverless"))
        engine = Redshift(signing, query.get("region"), serverless, host_region(parts.hostname))
        return cls(engine, connect, mask(url), (password,))

    @contextmanager
    def _cursor(self) -> Iterator[Any]:
        import redshift_connector

        cursor = self.connection.cursor()
        cursor.paramstyle = "pyformat"  # the ledger's named parameters, %(name)s (the driver's default is %s)
        try:
            yield cursor
        except redshift_connector.Error as error:
            raise server_error(error) from error
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

    def _commit(self) -> None:
        import redshift_connector

        try:
            self.connection.commit()  # a serialization conflict may show only here
        except redshift_connector.Error as error:
            raise server_error(error) from error

    def conflict(self, error: BaseException) -> bool:
        """Error 1023, which redshift_connector raises as ProgrammingError with M '1023' (aws/aws-sdk-pandas#665)."""
        return isinstance(error, RedshiftError) and error.message == CONFLICT


def bucket_region(client: Any, bucket: str) -> str | None:
    """The Region of a bucket, or None when it cannot be read (no permission, no such bucket, no network)."""
    try:
        location = client.get_bucket_location(Bucket=bucket).get("LocationConstraint")
    except Exception:
        return None
    return {None: "us-east-1", "": "us-east-1", "EU": "eu-west-1"}.get(location, location)  # the API's legacy names


def host_region(host: str | None) -> str | None:
    """The Region in a Redshift endpoint (`<cluster>.<id>.us-west-2.redshift.amazonaws.com`, or a Serverless
    workgroup's `...us-west-2.redshift-serverless.amazonaws.com`), else None."""
    labels = (host or "").split(".")
    if len(labels) >= 4 and labels[-3] in ("redshift", "redshift-serverless") and labels[-2] == "amazonaws":
        region = labels[-4]
        return region if re.fullmatch(r"[a-z]{2}(-[a-z]+)+-\d", region) else None
    return None


def serverless_host(host: str | None, flag: str | bool | None = None) -> bool:
    """Whether a target is Redshift Serverless: as `flag` says (a URL option or a connection extra), else by its
    host, a workgroup endpoint `<workgroup>.<account>.<region>.redshift-serverless.amazonaws.com`."""
    if flag is not None and flag != "":
        return flag is True or str(flag).lower() in ("true", "1", "yes")
    return ".redshift-serverless." in (host or "")
