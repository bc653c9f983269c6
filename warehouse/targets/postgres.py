"""PostgreSQL (e.g. an RDS analytical database). JSON is read by an in-process DuckDB, the same way the DuckDB
target reads it, and streamed into the staging table with COPY ... FROM STDIN."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlsplit

import duckdb
import psycopg
from sqlglot import exp

from warehouse.spec import JsonSource
from warehouse.sql.stage import copy_from_stdin, csv_export
from warehouse.targets import jsonlines
from warehouse.targets.base import DataError, redact_url
from warehouse.targets.files import FileReadingTarget

COPY_CHUNK = 1 << 20


class PostgresTarget(FileReadingTarget):
    dialect = "postgres"
    default_schema = "public"

    @classmethod
    def from_url(cls, url: str) -> PostgresTarget:
        """postgresql://user:password@host:port/database (libpq parameters in the query string)."""
        password = unquote(urlsplit(url).password or "")
        return cls(lambda: psycopg.connect(_libpq_url(url)), redact_url(url), (password,))

    def _load_files(
        self, table: exp.Table, source: JsonSource, files: list[tuple[str, Path]], scratch: Path
    ) -> tuple[int, list[str]]:
        csv = scratch / "rows.csv"
        with duckdb.connect() as reader:
            read = jsonlines.read(reader, source, files)
            reader.execute(csv_export(read.rows, str(csv)).sql("duckdb"))
        statement = self._logged(copy_from_stdin(table, list(source.columns)))
        try:
            with self._cursor() as cursor, csv.open("rb") as data:
                with cursor.copy(statement) as copy:
                    while chunk := data.read(COPY_CHUNK):
                        copy.write(chunk)
                return cursor.rowcount, read.warnings
        except psycopg.errors.DataError as error:
            raise DataError(str(error).splitlines()[0]) from error


def _libpq_url(url: str) -> str:
    return "postgresql://" + url.split("://", 1)[1]
