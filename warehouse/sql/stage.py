"""Staging statements: how each engine bulk-loads a source's objects, built from the spec per dialect."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

from sqlglot import exp

from warehouse.spec import JsonSource
from warehouse.sql.ddl import create_table, drop_table
from warehouse.sql.load import insert
from warehouse.sql.names import column, ident
from warehouse.sql.types import TEXT, TIMES, for_dialect, max_bytes

# How a timestamp written as a number is read (DuckDB), by the source's timeformat.
EPOCH_SCALE = {"epochmillisecs": 1_000, "epochsecs": 1_000_000}


def json_keys(source: JsonSource, found: set[str]) -> tuple[dict[str, str], list[str]]:
    """Map each column to the JSON key that fills it, as COPY's 'auto' / 'auto ignorecase' would;
    return the mapping and the keys found in the data that fill no column."""
    if source.match == "auto":
        mapping = {c: c for c in source.columns}
    else:
        by_lower: dict[str, str] = {}
        for key in sorted(found):
            other = by_lower.setdefault(key.lower(), key)
            if other != key:
                raise ValueError(
                    f"JSON keys {other!r} and {key!r} differ only in case; match: ignorecase "
                    "cannot tell which fills the column"
                )
        mapping = {c: by_lower.get(c, c) for c in source.columns}
    unused = sorted(set(found) - set(mapping.values()))
    return mapping, unused


def duckdb_key_census(files: list[str]) -> exp.Select:
    """Every top-level key that occurs in the files."""
    objects = exp.func("read_ndjson_objects", exp.array(*map(exp.Literal.string, files)))
    keys = exp.Unnest(expressions=[exp.func("json_keys", exp.column("json"))])
    return exp.select(keys.as_("key", quoted=True)).distinct().from_(objects)


def staging_ddl(table: exp.Table, source: JsonSource, dialect: str) -> list[exp.Expression]:
    """A fresh staging table for a source: dropped, then created (UNLOGGED where the engine allows)."""
    create = create_table(table.name, source.columns, dialect, schema=table.db, if_not_exists=False, staging=True)
    return [drop_table(table.name, table.db), create]


def duckdb_read_json(into: exp.Table, source: JsonSource, files: list[str], keys: dict[str, str]) -> exp.Insert:
    """INSERT the files' rows (see `duckdb_json_rows`)."""
    return insert(into, list(source.columns), duckdb_json_rows(source, files, keys))


def duckdb_json_rows(source: JsonSource, files: list[str], keys: dict[str, str]) -> exp.Select:
    """The files' rows as the source's columns. Every key is read as text and cast to its column's type, so that
    "" loads as NULL in non-text columns, as Redshift's JSON COPY does; numbers in timestamp columns are epochs by
    the source's timeformat (COPY TIMEFORMAT); a string longer than its column's bytes stops the read."""
    scale = EPOCH_SCALE.get(source.timeformat)
    projections: list[exp.Expression] = []
    for name, col in source.columns.items():
        raw = column(keys[name])
        if col.datatype.this in TEXT:  # longer than Redshift would take (bytes): refused, as Redshift does
            size = max_bytes(col.datatype)
            refuse = exp.func("error", exp.Literal.string(f"{name}: longer than its {size} bytes"))
            value: exp.Expression = exp.Case(
                ifs=[exp.If(this=exp.func("strlen", raw) > size, true=refuse)], default=raw
            )
        elif scale and col.datatype.this in TIMES:
            epoch = exp.cast(exp.Nullif(this=raw, expression=exp.Literal.string("")), "bigint")
            value = exp.func("make_timestamp", exp.Mul(this=epoch, expression=exp.Literal.number(scale)))
        else:
            value = exp.cast(
                exp.Nullif(this=raw, expression=exp.Literal.string("")), for_dialect(col.datatype, "duckdb")
            )
        projections.append(exp.alias_(value, ident(name)))
    return exp.select(*projections).from_(duckdb_reader(files, {keys[n]: "VARCHAR" for n in source.columns}))


def duckdb_reader(files: list[str], types: dict[str, str]) -> exp.Func:
    """read_json of newline-delimited files, each key read as the given DuckDB type."""
    struct = [exp.PropertyEQ(this=exp.Literal.string(k), expression=exp.Literal.string(t)) for k, t in types.items()]
    return exp.func(
        "read_json",
        exp.array(*map(exp.Literal.string, files)),
        _named("format", exp.Literal.string("newline_delimited")),
        _named("columns", exp.Struct(expressions=struct)),
    )


def csv_export(rows: exp.Query, path: str) -> exp.Copy:
    """DuckDB: write rows as headerless CSV (NULL unquoted-empty, empty strings quoted, as PostgreSQL reads it)."""
    return exp.Copy(
        this=rows.subquery(), kind=False, files=[exp.Literal.string(path)], params=_csv_options(header=False)
    )


def copy_from_stdin(into: exp.Table, names: list[str]) -> exp.Copy:
    """PostgreSQL: COPY rows sent by the client as CSV."""
    target = exp.Schema(this=into.copy(), expressions=[ident(n) for n in names])
    return exp.Copy(this=target, kind=True, files=[exp.var("STDIN")], params=_csv_options())


def _csv_options(header: bool | None = None) -> list[exp.CopyParameter]:
    params = [exp.CopyParameter(this=exp.var("FORMAT"), expression=exp.var("csv"))]
    if header is not None:
        params.append(exp.CopyParameter(this=exp.var("HEADER"), expression=exp.Boolean(this=header)))
    return params


def _named(name: str, value: exp.Expression) -> exp.Expression:
    return exp.Kwarg(this=exp.var(name), expression=value)


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


MAX_ERRORS = 100_000  # Redshift's limit: as many bad records as COPY may set aside


def redshift_copy(
    into: exp.Table, source: JsonSource, manifest_url: str, urls: list[str], auth: CopyAuth, region: str | None
) -> exp.Copy:
    """COPY exactly the manifest's objects; bad records fail it, or are set aside (MAXERROR) when the source
    rejects bad rows. Flags last (sqlglot and Redshift agree on that order)."""
    names = [ident(n) for n in source.columns]
    params = [
        _param("FORMAT AS JSON", exp.Literal.string("auto ignorecase" if source.match == "ignorecase" else "auto"))
    ]
    params.append(_param("TIMEFORMAT", exp.Literal.string(source.timeformat)))
    if region:
        params.append(_param("REGION", exp.Literal.string(region)))
    if source.on_bad_rows == "reject":
        params.append(_param("MAXERROR", exp.Literal.number(MAX_ERRORS)))
    params += [_param("COMPUPDATE", exp.var("OFF")), _param("STATUPDATE", exp.var("OFF"))]
    params += [_param("GZIP")] if urls and all(u.endswith(".gz") for u in urls) else []
    params.append(_param("MANIFEST"))
    credentials = exp.Credentials()
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
        files=[exp.Literal.string(manifest_url)],
        credentials=credentials,
        params=params,
    )


def load_errors() -> exp.Select:
    """Redshift: the records the last COPY of this session refused, by file and line."""
    names = ["file_name", "line_number", "column_name", "error_message", "raw_line"]
    return (
        exp.select(*(exp.column(n) for n in names))
        .from_(exp.to_table("sys_load_error_detail"))
        .where(exp.column("query_id").eq(exp.func("pg_last_copy_id")))
        .order_by(exp.column("file_name"), exp.column("line_number"))
    )


def manifest(urls: list[str]) -> bytes:
    """A COPY manifest naming exactly these objects (a key prefix would also match `x.json.bak`)."""
    return json.dumps({"entries": [{"url": url, "mandatory": True} for url in urls]}, indent=1).encode()


def _param(name: str, value: exp.Expression | None = None) -> exp.CopyParameter:
    return exp.CopyParameter(this=exp.var(name), expression=value)


def stage_preview(
    dialect: str, table: exp.Table, source: JsonSource, urls: list[str], manifest_url: str | None
) -> list[exp.Expression]:
    """The statements that stage `urls` on an engine, as `warehouse plan` shows them (keys as declared; with
    match: ignorecase, DuckDB and PostgreSQL match the data's keys when loading)."""
    manifest_url = manifest_url or "s3://<staging_location>/..."
    loads: dict[str, Callable[[], exp.Expression]] = {
        "duckdb": lambda: duckdb_read_json(table, source, urls, {c: c for c in source.columns}),
        "postgres": lambda: copy_from_stdin(table, list(source.columns)),
        "redshift": lambda: redshift_copy(table, source, manifest_url, urls, CopyAuth(), None),
    }
    return [*staging_ddl(table, source, dialect), *([loads[dialect]()] if urls else [])]
