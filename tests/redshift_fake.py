"""A DB-API connection that behaves like redshift_connector 2.x where the loader depends on it, for tests that
cannot reach Redshift. It stands for an empty database: it keeps no data, and answers only what a test scripts.

What it shares with the driver (aws/amazon-redshift-python-driver, cited by file and line):
- Server errors raise the driver's own classes with the server's fields as the one argument, e.g.
  ProgrammingError({'S': 'ERROR', 'C': 'XX000', 'M': '1023', 'D': 'Serializable isolation violation ...'}):
  redshift_connector/core.py `handle_ERROR_RESPONSE` (lines 936-977) picks InterfaceError for SQLSTATE 28000,
  IntegrityError for 23505 and ProgrammingError for every other code; DataError is raised only for more than
  32767 bind parameters (core.py line 1772).
- Without autocommit the first statement opens a transaction ("begin transaction", cursor.py lines 469-472);
  after an error the transaction is aborted and every statement fails with SQLSTATE 25P02 until a rollback
  (github.com/aws/amazon-redshift-python-driver/issues/113); COMMIT of an aborted transaction rolls it back.
- rowcount: the server's count for INSERT, DELETE, UPDATE, COPY and SELECT, -1 for MERGE and DDL (core.py lines
  503-511 and 2063-2069: MERGE is not among the commands with a count; cursor rows reset to -1 at line 1904).
- Rows are lists (core.py `handle_DATA_ROW`); `description` holds 7-tuples whose first item is the name.
- PG_LAST_COPY_ID() is -1 before any COPY and the query id of the last COPY that began loading, even one that
  failed on bad data; PG_LAST_COPY_COUNT() is that COPY's rows, 0 when it failed:
  https://docs.aws.amazon.com/redshift/latest/dg/PG_LAST_COPY_ID.html,
  https://docs.aws.amazon.com/redshift/latest/dg/PG_LAST_COPY_COUNT.html

Every statement must pass `redshift_rules.violations`; one that does not raises AssertionError naming the rule.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from redshift_connector.error import Error, IntegrityError, InterfaceError, ProgrammingError
from redshift_rules import parse, system_relation, violations
from sqlglot import exp

LOAD_ERROR_VIEWS = {"stl_load_errors", "stl_loaderror_detail", "sys_load_error_detail"}


def server_error(code: str, message: str, detail: str | None = None) -> Error:
    """The exception redshift_connector raises for an ErrorResponse with this SQLSTATE, message and detail."""
    fields = {"S": "ERROR", "C": code, "M": message} | ({"D": detail} if detail else {})
    kind = {"28000": InterfaceError, "23505": IntegrityError}.get(code, ProgrammingError)
    return kind(fields)


def load_error(table: str) -> Error:
    """COPY refused the data: SQLSTATE XX000 (github.com/harrystech/arthur-redshift-etl/pull/215; psycopg2 shows
    it as InternalError, the class of XX000: github.com/blaze/odo/issues/298)."""
    return server_error(
        "XX000", f"Load into table '{table}' failed.  Check 'stl_load_errors' system table for details."
    )


def serializable_violation(table_id: int = 100167) -> Error:
    """ERROR 1023, as redshift_connector reported it in aws/aws-sdk-pandas#665."""
    detail = f"Serializable isolation violation on table - {table_id}, transactions forming the cycle are: 1745830, 1745762 (pid:15021)"  # noqa: E501
    return server_error("XX000", "1023", detail)


def missing_column(name: str) -> Error:
    return server_error("42703", f'column "{name}" does not exist')


@dataclass
class Sent:
    """A statement the connection received: its text, parameters and the transaction it ran in (1-based)."""

    sql: str
    params: Any
    transaction: int


@dataclass
class _Failure:
    pattern: re.Pattern
    error: Error
    nth: int
    seen: int = 0


@dataclass
class FakeRedshift:
    """The connection. Script it with `fail`, `answer`, `copy_rows` and `load_errors`, then read `sent`,
    `committed` and `rolled_back`."""

    autocommit: bool = False
    sent: list[Sent] = field(default_factory=list)
    committed: list[list[str]] = field(default_factory=list)
    rolled_back: list[list[str]] = field(default_factory=list)
    copy_rows: list[int] = field(default_factory=list)  # rows each successive COPY loads (0 when not scripted)
    load_errors: list[dict[str, Any]] = field(default_factory=list)  # rows of the load-error views, by column
    _answers: list[tuple[re.Pattern, list[tuple]]] = field(default_factory=list)
    _failures: list[_Failure] = field(default_factory=list)
    _open: list[str] | None = None
    _aborted: bool = False
    _transactions: int = 0
    _query_id: int = 1000
    _last_copy: tuple[int, int] = (-1, 0)  # (PG_LAST_COPY_ID, PG_LAST_COPY_COUNT)
    closed: bool = False

    def fail(self, pattern: str, error: Error, nth: int = 1) -> None:
        """The `nth` statement matching `pattern` (a regular expression searched in its text) raises `error`."""
        self._failures.append(_Failure(re.compile(pattern), error, nth))

    def answer(self, pattern: str, rows: list[tuple]) -> None:
        """Queries matching `pattern` return these rows (the first script that matches wins)."""
        self._answers.append((re.compile(pattern), rows))

    @property
    def statements(self) -> list[str]:
        return [s.sql for s in self.sent]

    def cursor(self) -> FakeCursor:
        if self.closed:
            raise InterfaceError("connection is closed")
        return FakeCursor(self)

    def commit(self) -> None:
        if self._open is not None:
            (self.rolled_back if self._aborted else self.committed).append(self._open)
        self._open, self._aborted = None, False

    def rollback(self) -> None:
        if self._open is not None:
            self.rolled_back.append(self._open)
        self._open, self._aborted = None, False

    def close(self) -> None:
        self.rollback()
        self.closed = True

    def _run(self, cursor: FakeCursor, sql: str, params: Any) -> None:
        broken = violations(sql)
        if broken:
            raise AssertionError(f"statement breaks Redshift rules: {broken}\n{sql}")
        if not self.autocommit and self._open is None:
            self._open, self._transactions = [], self._transactions + 1
        self.sent.append(Sent(sql, params, self._transactions if self._open is not None else 0))
        if self._open is not None:
            self._open.append(sql)
        if self._aborted:
            raise server_error(
                "25P02", "current transaction is aborted, commands ignored until end of transaction block"
            )
        self._query_id += 1
        tree = parse(sql)
        for failure in self._failures:
            if failure.pattern.search(sql):
                failure.seen += 1
                if failure.seen == failure.nth:
                    if isinstance(tree, exp.Copy) and "Load into table" in str(failure.error):
                        self._last_copy = (self._query_id, 0)  # the load began: PG_LAST_COPY_ID moves
                    self._aborted = self._open is not None
                    raise failure.error
        cursor._result(*self._respond(tree, sql))

    def _respond(self, tree: exp.Expression, sql: str) -> tuple[list[str], list[list], int]:
        """(column names, rows, rowcount) for a statement that succeeded."""
        if isinstance(tree, exp.Copy):
            rows = self.copy_rows.pop(0) if self.copy_rows else 0
            self._last_copy = (self._query_id, rows)
            return [], [], rows
        if isinstance(tree, exp.Merge):
            return [], [], -1
        if isinstance(tree, exp.Insert) and isinstance(tree.expression, exp.Values):
            return [], [], len(tree.expression.expressions)
        if isinstance(tree, (exp.Insert, exp.Update, exp.Delete)):  # from or on empty tables
            return [], [], 0
        if not isinstance(tree, exp.Query):
            return [], [], -1
        names = tree.named_selects if isinstance(tree, exp.Select) else []
        rows = next((list(map(list, r)) for p, r in self._answers if p.search(sql)), None)
        if rows is None:
            rows = self._default_rows(tree, names)
        return names, rows, len(rows)

    def _default_rows(self, tree: exp.Query, names: list[str]) -> list[list]:
        functions = {f.name.lower(): f for f in tree.find_all(exp.Anonymous)}
        reads_views = any(system_relation(t) for t in tree.find_all(exp.Table))
        if {"pg_last_copy_id", "pg_last_copy_count"} & functions.keys() and not reads_views:
            copy_id, count = self._last_copy
            return [[copy_id if "copy_id" in str(e).lower() else count for e in tree.selects]]
        views = {system_relation(t) for t in tree.find_all(exp.Table)} & LOAD_ERROR_VIEWS
        if views:
            return [[row.get(name) for name in names] for row in self.load_errors]
        if (
            isinstance(tree, exp.Select)
            and not tree.args.get("group")
            and all(s.find(exp.AggFunc) for s in tree.selects)
        ):  # aggregates over empty tables: one row, COUNT 0, the others NULL
            return [
                [0 if all(isinstance(a, exp.Count) for a in s.find_all(exp.AggFunc)) else None for s in tree.selects]
            ]
        return []


class FakeCursor:
    def __init__(self, connection: FakeRedshift):
        self._c: FakeRedshift | None = connection
        self.description: list[tuple] | None = None
        self.rowcount = -1
        self._rows: list[list] = []

    def execute(self, operation: str, args: Any = None) -> FakeCursor:
        if self._c is None:
            raise InterfaceError("Cursor closed")
        self.description, self.rowcount, self._rows = None, -1, []
        self._c._run(self, operation, args)
        return self

    def executemany(self, operation: str, param_sets: list) -> FakeCursor:
        """As the driver's: the statement once per set of parameters (redshift_connector/cursor.py executemany)."""
        for args in param_sets:
            self.execute(operation, args)
        return self

    def _result(self, names: list[str], rows: list[list], rowcount: int) -> None:
        self.description = [(n, 25, None, None, None, None, None) for n in names] if names else None
        self._rows, self.rowcount = rows, rowcount

    def fetchone(self) -> list | None:
        return self._rows.pop(0) if self._rows else None

    def fetchall(self) -> tuple:
        rows, self._rows = tuple(self._rows), []
        return rows

    def close(self) -> None:
        self._c = None

    def __enter__(self) -> FakeCursor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
