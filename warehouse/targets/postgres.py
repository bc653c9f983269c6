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
from warehouse.sql.stage import copy_from_stdin, csv_export
from warehouse.targets import jsonlines
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
        exclude: tuple[jsonlines.Reject, ...] = (),
    ) -> Staged:
        if not objects:
            return Staged()
        files = jsonlines.without(self.local_files(objects, store, scratch), list(exclude), scratch)
        csv = scratch / "rows.csv"
        reader = duckdb.connect()
        try:
            read = jsonlines.read(reader, source, files)
            reader.execute(csv_export(read.rows, str(csv)).sql("duckdb"))
        except (duckdb.ConversionException, duckdb.InvalidInputException) as error:
            raise jsonlines.DataError(str(error).splitlines()[0]) from error
        finally:
            reader.close()
        statement = self._logged(copy_from_stdin(table, list(source.columns)))
        try:
            with self._cursor() as cursor, csv.open("rb") as data:
                with cursor.copy(statement) as copy:
                    while chunk := data.read(COPY_CHUNK):
                        copy.write(chunk)
                rows = cursor.rowcount
        except psycopg.errors.DataError as error:
            raise jsonlines.DataError(str(error).splitlines()[0]) from error
        check = jsonlines.too_long(table, source, self.dialect)
        if check is not None and self.scalar(check):
            raise jsonlines.DataError("a string is longer than its column")
        return Staged(rows=rows, objects=len(objects), rejects=list(exclude), warnings=read.warnings)


def _libpq_url(url: str) -> str:
    return "postgresql://" + url.split("://", 1)[1]
