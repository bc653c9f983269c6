"""DuckDB: the embedded default. Reads staged objects from local files with read_json."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
from sqlglot import exp

from warehouse.spec import JsonSource
from warehouse.sql.load import insert
from warehouse.targets import jsonlines
from warehouse.targets.files import FileReadingTarget


class DuckDBTarget(FileReadingTarget):
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

    def _load_files(
        self, table: exp.Table, source: JsonSource, files: list[tuple[str, Path]], scratch: Path
    ) -> tuple[int, list[str]]:
        read = jsonlines.read(self.connection, source, files)
        return self.execute(insert(table, list(source.columns), read.rows)), read.warnings
