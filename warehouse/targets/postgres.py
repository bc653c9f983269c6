"""PostgreSQL (e.g. an RDS analytical database). JSON is read by an in-process DuckDB, the same way the DuckDB
target reads it, and streamed into the staging table with COPY ... FROM STDIN."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlsplit

import duckdb
import psycopg
from sqlglot import exp

from warehouse.sources.objects import ObjectStore, SourceObject
from warehouse.spec import JsonSource
from warehouse.sql.stage import copy_from_stdin, csv_export, duckdb_json_rows, duckdb_key_census, json_keys
from warehouse.targets.base import Staged, Target, redact_url

COPY_CHUNK = 1 << 20


class PostgresTarget(Target):
    dialect = "postgres"
    default_schema = "public"

    @classmethod
    def from_url(cls, url: str) -> PostgresTarget:
        """postgresql://user:password@host:port/database (libpq parameters in the query string)."""
        password = unquote(urlsplit(url).password or "")
        return cls(lambda: psycopg.connect(_libpq_url(url)), redact_url(url), (password,))

    def stage_json(
        self,
        table: exp.Table,
        source: JsonSource,
        objects: list[SourceObject],
        store: ObjectStore,
        scratch: Path,
        manifest_url: str | None = None,
    ) -> Staged:
        if not objects:
            return Staged()
        files = [str(p) for p in store.local_paths(objects, scratch)]
        csv = scratch / "rows.csv"
        reader = duckdb.connect()
        try:
            found = {row[0] for row in reader.execute(duckdb_key_census(files).sql("duckdb")).fetchall()}
            keys, unused = json_keys(source, found)
            reader.execute(csv_export(duckdb_json_rows(source, files, keys), str(csv)).sql("duckdb"))
        finally:
            reader.close()
        statement = self._logged(copy_from_stdin(table, list(source.columns)))
        with self._cursor() as cursor, csv.open("rb") as data:
            with cursor.copy(statement) as copy:
                while chunk := data.read(COPY_CHUNK):
                    copy.write(chunk)
            rows_loaded = cursor.rowcount
        warnings = [f"keys that fill no column were ignored: {', '.join(unused)}"] if unused else []
        return Staged(rows=rows_loaded, objects=len(objects), warnings=warnings)


def _libpq_url(url: str) -> str:
    return "postgresql://" + url.split("://", 1)[1]
