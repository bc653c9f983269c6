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
from warehouse.sql.stage import duckdb_key_census, duckdb_read_json, json_keys
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
    ) -> Staged:
        if not objects:
            return Staged()
        files = [str(p) for p in store.local_paths(objects, scratch)]
        found = {row[0] for row in self.fetch(duckdb_key_census(files))[1]}
        keys, unused = json_keys(source, found)
        rows = self.execute(duckdb_read_json(table, source, files, keys))
        warnings = [f"keys that fill no column were ignored: {', '.join(unused)}"] if unused else []
        return Staged(rows=rows, objects=len(objects), warnings=warnings)
