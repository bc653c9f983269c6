"""DuckDB: the embedded default. Reads staged objects from local files with read_json."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
from sqlglot import exp

from warehouse.sources.objects import ObjectStore, SourceObject
from warehouse.spec import JsonSource
from warehouse.sql.names import ident
from warehouse.targets import jsonlines
from warehouse.targets.base import Staged, Target


class DuckDBTarget(Target):
    dialect = "duckdb"
    default_schema = "main"

    def __init__(self, path: str):
        super().__init__(self._open, description=f"duckdb:///{path}")
        self.path = path

    def _open(self) -> duckdb.DuckDBPyConnection:
        connection = duckdb.connect(self.path)
        # Each step commits its own transaction; checkpointing at the default 16 MB of WAL would rewrite the
        # file every day or so of a backfill. DuckDB still checkpoints when the connection closes.
        connection.execute("SET checkpoint_threshold = '256MB'")
        return connection

    def _begin(self) -> None:
        self.connection.begin()

    @contextmanager
    def _cursor(self) -> Iterator[Any]:
        yield self.connection  # a DuckDB cursor is another connection, with its own transaction

    def _rowcount(self, cursor: Any) -> int:
        rows = cursor.fetchall()  # DuckDB answers DML with one row: the count
        return int(rows[0][0]) if rows and rows[0] else -1

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
        names = exp.Schema(this=table.copy(), expressions=[ident(n) for n in source.columns])
        try:
            read = jsonlines.read(self.connection, source, files)
            rows = self.execute(exp.insert(read.rows, names))
        except (duckdb.ConversionException, duckdb.InvalidInputException) as error:
            raise jsonlines.DataError(str(error).splitlines()[0]) from error
        check = jsonlines.too_long(table, source, self.dialect)
        if check is not None and self.scalar(check):
            raise jsonlines.DataError("a string is longer than its column")
        return Staged(rows=rows, objects=len(objects), rejects=list(exclude), warnings=read.warnings)
