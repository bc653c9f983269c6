"""DuckDB: the embedded default. Stages a batch with its own JSON reader (`read_json` of the local files)."""

from __future__ import annotations

import json
import re
import socket
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
from sqlglot import exp

from warehouse.results import Busy
from warehouse.sql.load import insert
from warehouse.sql.statement import Action, Statement
from warehouse.sql.types import TEXT
from warehouse.targets import duckdb_path
from warehouse.targets.base import Target
from warehouse.targets.engine import Engine, md5_prefix, tables_named

if TYPE_CHECKING:
    from warehouse.sources.batch import Batch


class DuckDB(Engine):
    name = "duckdb"
    default_schema = "main"
    create_like = False  # no CREATE TABLE (LIKE ...): a session table is CREATE ... AS SELECT ... LIMIT 0
    single_writer = True  # one process may open a database file for writing
    row_to_json = "to_json"

    def column_type(self, datatype: exp.DataType) -> exp.DataType:
        """DuckDB ignores text lengths (the byte limit is checked when staging)."""
        return exp.DataType.build("varchar") if datatype.this in TEXT else datatype.copy()

    def hash64(self, text: exp.Expression) -> exp.Expression:
        return exp.cast(exp.DPipe(this=exp.Literal.string("0x"), expression=md5_prefix(text)), "bigint")

    def timestamp_text(self, value: exp.Expression) -> exp.Expression:
        return exp.func("STRFTIME", value, exp.Literal.string("%Y-%m-%d %H:%M:%S.%f"))

    def present_query(self, tables: list[exp.Table]) -> exp.Select:
        """DuckDB's own catalog function: its information_schema views list every catalog (a few ms more)."""
        return tables_named(exp.Anonymous(this="duckdb_tables"), "schema_name", tables)

    def dataset_namespace(self, url: str) -> tuple[str, str]:
        """The naming scheme has no DuckDB: the file on its host, `duckdb://<host><absolute path>`, and its catalog
        (the file's stem, as DuckDB names it)."""
        path = Path(duckdb_path(url)).resolve()
        return f"duckdb://{socket.gethostname()}{path.as_posix()}", path.stem

    def stage(self, table: exp.Table, batch: Batch) -> list[Action]:
        if batch.rows is None:
            return []
        return [Statement(insert(table, list(batch.staged_as.columns), batch.rows), "staged")]

    def bound_rows(self, insert: exp.Expression) -> exp.Expression:
        """`INSERT INTO t (a, b) VALUES (:a, 'x')` as `INSERT INTO t (a, b) SELECT j ->> '$.a', 'x' FROM
        UNNEST(CAST(? AS JSON[])) AS r(j)`: a row per element of the one JSON array bound, each named value read from
        its element as text, which the INSERT casts to its column's type."""
        if not isinstance(insert, exp.Insert) or not isinstance(insert.expression, exp.Values):
            raise TypeError(f"not an INSERT of named values: {insert.sql('duckdb')}")
        element = exp.column("j", quoted=True)

        def read(node: exp.Expression) -> exp.Expression:
            if isinstance(node, exp.Placeholder):
                return exp.JSONExtractScalar(this=element.copy(), expression=exp.Literal.string(f"$.{node.name}"))
            return node

        (values,) = insert.expression.expressions
        rows = exp.Unnest(
            expressions=[exp.cast(exp.Placeholder(), "JSON[]")],
            alias=exp.TableAlias(
                this=exp.to_identifier("r", quoted=True), columns=[exp.to_identifier("j", quoted=True)]
            ),
        )
        select = exp.select(*(value.transform(read) for value in values.expressions)).from_(rows)
        return exp.Insert(this=insert.this.copy(), expression=select)


class DuckDBTarget(Target):
    data_errors = (duckdb.ConversionException, duckdb.InvalidInputException)

    @classmethod
    def from_url(cls, url: str, read_only: bool = False) -> DuckDBTarget:
        return cls(duckdb_path(url), read_only)

    def __init__(self, path: str, read_only: bool = False):
        super().__init__(DuckDB(), self._open, description=f"duckdb:///{path}")
        self.path, self.read_only = path, read_only

    def _open(self) -> duckdb.DuckDBPyConnection:
        try:
            connection = duckdb.connect(self.path, read_only=self.read_only)
        except duckdb.IOException as error:
            holder = re.search(r"Conflicting lock is held in .*\(PID (\d+)\)", str(error))
            if holder is None:
                raise
            raise Busy(
                f"{self.description} is busy: process {holder[1]} has it open, and DuckDB lets one process at a "
                "time open a database file for writing; run again once it ends"
            ) from None
        # Each step commits its own transaction; checkpointing at the default 16 MB of WAL would rewrite the
        # file every day or so of a backfill. DuckDB still checkpoints when the connection closes.
        connection.execute("SET checkpoint_threshold = '256MB'")
        return connection

    def _begin(self) -> None:
        self.connection.begin()

    def execute(self, statement: exp.Expression | Statement, params: Mapping[str, Any] | None = None) -> int:
        if params is None:
            return super().execute(statement)
        return super().execute(statement, [_json_rows([params])])

    def execute_many(self, statement: Statement, rows: list[dict[str, Any]]) -> None:
        if rows:
            super().execute(statement, [_json_rows(rows)])

    @contextmanager
    def _cursor(self) -> Iterator[Any]:
        yield self.connection  # a DuckDB cursor is another connection, with its own transaction

    def _rowcount(self, cursor: Any) -> int:
        rows = cursor.fetchall()  # DuckDB answers DML with one row: the count
        return int(rows[0][0]) if rows and rows[0] else -1


def _json_rows(rows: list[Mapping[str, Any]]) -> str:
    """Rows to bind as one JSON array (see `DuckDB.bound_rows`): DuckDB's client tries to import pandas for each
    value it binds (a failed import is not cached: about 0.2 ms per value, 10 s for the ledger rows of a first load
    of 1,001 song files), so one value in all does the work of thousands."""
    return json.dumps(rows, default=_json_value)


def _json_value(value: Any) -> str:
    """A value JSON has no type for, as text DuckDB casts back: dates and times in ISO form."""
    if isinstance(value, date):
        return value.isoformat(sep=" ") if isinstance(value, datetime) else value.isoformat()
    raise TypeError(f"cannot bind {type(value).__name__}")
