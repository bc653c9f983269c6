"""A DB-API connection that behaves like redshift_connector 2.x where the loader depends on it, for tests that
cannot reach Redshift. It stands for a database that keeps no rows: it knows which tables exist (its catalog), the
load errors COPY recorded, and answers only what a test scripts.

What it shares with the driver (aws/amazon-redshift-python-driver, cited by file and line):
- Server errors raise the driver's own classes with the server's fields as the one argument, e.g.
  ProgrammingError({'S': 'ERROR', 'C': 'XX000', 'M': '1023', 'D': 'Serializable isolation violation ...'}):
  redshift_connector/core.py `handle_ERROR_RESPONSE` (lines 936-977) picks InterfaceError for SQLSTATE 28000,
  IntegrityError for 23505 and ProgrammingError for every other code; DataError is raised only for more than
  32767 bind parameters (core.py line 1772).
- Without autocommit the first statement opens a transaction ("begin transaction", cursor.py lines 469-472);
  after an error the transaction is aborted and every statement fails with SQLSTATE 25P02 until a rollback
  (github.com/aws/amazon-redshift-python-driver/issues/113); COMMIT of an aborted transaction rolls it back.
  A serialization conflict (1023) may also be raised by COMMIT: script it with `fail("^COMMIT$", ...)`.
- rowcount: the server's count for INSERT, DELETE, UPDATE, COPY and SELECT, -1 for MERGE and DDL (core.py lines
  503-511 and 2063-2069: MERGE is not among the commands with a count; cursor rows reset to -1 at line 1904).
- Rows are lists (core.py `handle_DATA_ROW`); `description` holds 7-tuples whose first item is the name.

What it shares with the server (Amazon Redshift Database Developer Guide, DG = docs.aws.amazon.com/redshift/latest/dg/):
- Names are folded to lowercase (DG r_names.html); CREATE TABLE of an existing table, DROP TABLE (without IF
  EXISTS) or LOCK of a missing one fail (42P07, 42P01); catalog changes roll back with their transaction.
- COPY meets the bad records a test scripts (`copy_errors`) and records them in STL_LOAD_ERRORS (DG
  r_STL_LOAD_ERRORS.html; provisioned only) and SYS_LOAD_ERROR_DETAIL (DG SYS_LOAD_ERROR_DETAIL.html, whose
  query_id is numbered apart from STL's query), CHAR columns blank-padded as the server returns them; more bad
  records than MAXERROR (default 0: DG copy-parameters-data-load.html) fail it with XX000 "Load into table ...".
- PG_LAST_COPY_ID() is -1 before any COPY and the query id of the last COPY that began loading, even one that
  failed on bad data; a COPY whose transaction rolls back later leaves it as it was (DG PG_LAST_COPY_ID.html);
  PG_LAST_COPY_COUNT() is that COPY's rows, 0 when it failed (DG PG_LAST_COPY_COUNT.html); PG_BACKEND_PID() is
  the session's process id (DG PG_BACKEND_PID.html). Queries of those, of system views and of
  information_schema.tables run on an in-process DuckDB holding what the fake knows; COMMENT ON a table or column
  shows as the remarks of SVV_TABLES and SVV_COLUMNS (DG r_COMMENT.html, r_SVV_TABLES.html, r_SVV_COLUMNS.html).
- Foreign keys (named constraints of CREATE TABLE and ALTER TABLE ADD/DROP CONSTRAINT) are informational (DG
  t_Defining_constraints.html) but a table another references cannot be dropped without CASCADE (DG
  r_DROP_TABLE.html: "cannot drop table feedback because other objects depend on it"); the referenced table must
  exist when the constraint is declared (assumed, as in PostgreSQL).
- `serverless=True`: Redshift Serverless has no STL views (DG r_STL_LOAD_ERRORS.html: provisioned clusters only);
  reading one fails as a missing relation (assumed; verify on a workgroup).

Every statement must pass `redshift_rules.violations`; one that does not raises AssertionError naming the rule.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import duckdb
from redshift_connector.error import Error, IntegrityError, InterfaceError, ProgrammingError
from redshift_rules import locked_tables, parse, system_relation, violations
from sqlglot import exp

SESSION_FUNCTIONS = {"pg_last_copy_id", "pg_last_copy_count", "pg_backend_pid"}
# The system relations the fake answers, with their columns as DuckDB types; CHAR(n) columns are padded to n.
VIEWS: dict[str, dict[str, str]] = {
    "stl_load_errors": {  # DG r_STL_LOAD_ERRORS.html
        "userid": "INTEGER", "slice": "INTEGER", "tbl": "INTEGER", "starttime": "TIMESTAMP", "session": "INTEGER",
        "query": "INTEGER", "filename": "CHAR(256)", "line_number": "BIGINT", "colname": "CHAR(127)",
        "type": "CHAR(10)", "col_length": "CHAR(10)", "position": "INTEGER", "raw_line": "CHAR(1024)",
        "raw_field_value": "CHAR(1024)", "err_code": "INTEGER", "err_reason": "CHAR(100)",
    },
    "sys_load_error_detail": {  # DG SYS_LOAD_ERROR_DETAIL.html
        "user_id": "INTEGER", "query_id": "BIGINT", "transaction_id": "BIGINT", "session_id": "INTEGER",
        "database_name": "CHAR(64)", "table_id": "INTEGER", "start_time": "TIMESTAMP", "file_name": "CHAR(256)",
        "line_number": "BIGINT", "column_name": "CHAR(127)", "column_type": "CHAR(10)",
        "column_length": "CHAR(10)", "position": "INTEGER", "error_code": "INTEGER", "error_message": "CHAR(512)",
    },
    "information_schema.tables": {
        "table_catalog": "VARCHAR", "table_schema": "VARCHAR", "table_name": "VARCHAR", "table_type": "VARCHAR"
    },
    "svv_columns": {  # DG r_SVV_COLUMNS.html (the columns the loader reads, and those beside them)
        "table_catalog": "VARCHAR", "table_schema": "VARCHAR", "table_name": "VARCHAR", "column_name": "VARCHAR",
        "ordinal_position": "INTEGER", "column_default": "VARCHAR", "is_nullable": "VARCHAR",
        "data_type": "VARCHAR", "character_maximum_length": "INTEGER", "numeric_precision": "INTEGER",
        "numeric_scale": "INTEGER", "remarks": "VARCHAR",
    },
    "svv_tables": {  # DG r_SVV_TABLES.html
        "table_catalog": "VARCHAR", "table_schema": "VARCHAR", "table_name": "VARCHAR", "table_type": "VARCHAR",
        "remarks": "VARCHAR",
    },
}  # fmt: skip
# SVV_COLUMNS' data_type of each type, as the information schema names them (DG r_SVV_COLUMNS.html)
CATALOG_TYPES = {
    exp.DataType.Type.SMALLINT: "smallint", exp.DataType.Type.INT: "integer", exp.DataType.Type.BIGINT: "bigint",
    exp.DataType.Type.DECIMAL: "numeric", exp.DataType.Type.FLOAT: "real",
    exp.DataType.Type.DOUBLE: "double precision", exp.DataType.Type.BOOLEAN: "boolean",
    exp.DataType.Type.CHAR: "character", exp.DataType.Type.VARCHAR: "character varying",
    exp.DataType.Type.DATE: "date", exp.DataType.Type.TIMESTAMP: "timestamp without time zone",
    exp.DataType.Type.TIMESTAMPTZ: "timestamp with time zone",
}  # fmt: skip
SYS_QUERY_IDS = 10_000_000  # SYS views number queries apart from STL (the notes: not the id PG_LAST_COPY_ID gives)


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


def missing_relation(name: str) -> Error:
    return server_error("42P01", f'relation "{name}" does not exist')


@dataclass(frozen=True)
class BadRecord:
    """A record COPY refuses: where it is and why (DG r_Load_Error_Reference.html: 1207 is "Invalid digit")."""

    file_name: str
    line_number: int
    column_name: str
    error_message: str
    raw_line: str = ""
    error_code: int = 1207


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
    """The connection. Script it with `fail`, `answer`, `copy_rows` and `copy_errors` (and `logged`: load errors
    recorded before, by other sessions or COPYs), then read `sent`, `committed`, `rolled_back` and `tables`."""

    autocommit: bool = False
    serverless: bool = False
    pid: int = 1073815557  # PG_BACKEND_PID()
    sent: list[Sent] = field(default_factory=list)
    committed: list[list[str]] = field(default_factory=list)
    rolled_back: list[list[str]] = field(default_factory=list)
    copy_rows: list[int] = field(default_factory=list)  # rows each successive COPY loads (0 when not scripted)
    copy_errors: list[list[BadRecord]] = field(default_factory=list)  # bad records each successive COPY meets
    logged: list[dict[str, Any]] = field(default_factory=list)  # load errors recorded: session, query, record, time
    tables: dict[tuple[str, str], str] = field(default_factory=dict)  # (schema, name) -> table_type
    _columns: dict[tuple[str, str], list[tuple]] = field(default_factory=dict)  # each table's, as SVV_COLUMNS shows
    remarks: dict[tuple[str, str, str | None], str] = field(default_factory=dict)  # COMMENT ON: (schema, table, column)
    foreign_keys: dict[tuple[str, str, str], tuple[str, str]] = field(default_factory=dict)  # (table, name) -> to
    _answers: list[tuple[re.Pattern, list[tuple]]] = field(default_factory=list)
    _failures: list[_Failure] = field(default_factory=list)
    _open: list[str] | None = None
    _aborted: bool = False
    _transactions: int = 0
    _query_id: int = 1000
    _last_copy: tuple[int, int] = (-1, 0)  # (PG_LAST_COPY_ID, PG_LAST_COPY_COUNT)
    _before: tuple[dict, tuple[int, int], dict, dict] | None = None  # catalog, last COPY, remarks, foreign keys
    _refused: bool = False  # a COPY of the transaction failed on its data (its id stays the last, rolled back)
    _clock: datetime = datetime(2018, 11, 2, 1, 0)
    closed: bool = False

    def fail(self, pattern: str, error: Error, nth: int = 1) -> None:
        """The `nth` statement matching `pattern` (a regular expression searched in its text; "COMMIT" for a
        commit) raises `error`."""
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
        if self._open is not None and not self._aborted:
            failure = self._failing("COMMIT")
            if failure is not None:
                self.rollback()
                raise failure
        if self._open is not None:
            (self.rolled_back if self._aborted else self.committed).append(self._open)
            if self._aborted:
                self._restore()
        self._open, self._aborted, self._before = None, False, None

    def rollback(self) -> None:
        if self._open is not None:
            self.rolled_back.append(self._open)
            self._restore()
        self._open, self._aborted, self._before = None, False, None

    def close(self) -> None:
        self.rollback()
        self.closed = True

    def _restore(self) -> None:
        if self._before is not None:
            tables, last_copy, remarks, foreign_keys = self._before
            self.tables, self.remarks, self.foreign_keys = dict(tables), dict(remarks), dict(foreign_keys)
            if not self._refused:
                self._last_copy = last_copy

    def _failing(self, text: str) -> Error | None:
        due = None
        for failure in self._failures:
            if failure.pattern.search(text):
                failure.seen += 1
                if failure.seen == failure.nth and due is None:
                    due = failure.error
        return due

    def _run(self, cursor: FakeCursor, sql: str, params: Any) -> None:
        broken = violations(sql)
        if broken:
            raise AssertionError(f"statement breaks Redshift rules: {broken}\n{sql}")
        if not self.autocommit and self._open is None:
            self._open, self._transactions = [], self._transactions + 1
            self._before = (dict(self.tables), self._last_copy, dict(self.remarks), dict(self.foreign_keys))
            self._refused = False
        self.sent.append(Sent(sql, params, self._transactions if self._open is not None else 0))
        if self._open is not None:
            self._open.append(sql)
        if self._aborted:
            raise server_error(
                "25P02", "current transaction is aborted, commands ignored until end of transaction block"
            )
        self._query_id += 1
        self._clock += timedelta(seconds=1)
        tree = parse(sql)
        try:
            error = self._failing(sql)
            if error is not None:
                if isinstance(tree, exp.Copy) and "Load into table" in str(error):
                    self._last_copy, self._refused = (self._query_id, 0), True  # the load began: the id moves
                raise error
            cursor._result(*self._respond(tree, sql, params))
        except Error:
            self._aborted = self._open is not None
            raise

    def _respond(self, tree: exp.Expression, sql: str, params: Any) -> tuple[list[str], list[list], int]:
        """(column names, rows, rowcount) for a statement that succeeded."""
        if isinstance(tree, exp.Copy):
            return [], [], self._copy(tree)
        if isinstance(tree, exp.Create | exp.Drop) and (tree.args.get("kind") or "").upper() == "TABLE":
            self._catalog(tree)
            return [], [], -1
        if isinstance(tree, exp.Comment):
            self._remark(tree)
            return [], [], -1
        if isinstance(tree, exp.Alter) and any(isinstance(a, exp.AlterRename) for a in tree.args["actions"]):
            self._rename(tree)
            return [], [], -1
        if isinstance(tree, exp.Alter) and any(
            isinstance(a, exp.AddConstraint | exp.Drop) for a in tree.args["actions"]
        ):
            self._constraints(tree)
            return [], [], -1
        locked = locked_tables(sql)
        if locked is not None:
            for key in locked:
                if self._find(*key.rpartition(".")[::2]) is None:
                    raise missing_relation(key)
            return [], [], -1
        if isinstance(tree, exp.Merge):
            return [], [], -1
        if isinstance(tree, exp.Insert) and isinstance(tree.expression, exp.Values):
            self._fits(tree, params)
            return [], [], len(tree.expression.expressions)
        if isinstance(tree, (exp.Insert, exp.Update, exp.Delete)):  # from or on empty tables
            return [], [], 0
        if not isinstance(tree, exp.Query):
            return [], [], -1
        names = tree.named_selects if isinstance(tree, exp.Select) else []
        rows = next((list(map(list, r)) for p, r in self._answers if p.search(sql)), None)
        if rows is not None:
            return names, rows, len(rows)
        if any(system_relation(t) for t in tree.find_all(exp.Table)) or any(
            f.name.lower() in SESSION_FUNCTIONS for f in tree.find_all(exp.Anonymous)
        ):
            return self._system(tree)
        rows = self._default_rows(tree)
        return names, rows, len(rows)

    def _copy(self, copy: exp.Copy) -> int:
        """Record the bad records this COPY meets; fail it when they are more than MAXERROR."""
        records = self.copy_errors.pop(0) if self.copy_errors else []
        limit = next(
            (int(p.expression.name) for p in copy.args.get("params") or [] if p.this.name.upper() == "MAXERROR"), 0
        )
        self.logged += [
            {"session": self.pid, "query": self._query_id, "time": self._clock, "record": r} for r in records
        ]
        if len(records) > limit:
            self._last_copy, self._refused = (self._query_id, 0), True
            raise load_error(copy.this.this.name if isinstance(copy.this, exp.Schema) else copy.this.name)
        rows = self.copy_rows.pop(0) if self.copy_rows else 0
        self._last_copy = (self._query_id, rows)
        return rows

    def _catalog(self, tree: exp.Create | exp.Drop) -> None:
        """CREATE TABLE and DROP TABLE change the catalog (names folded to lowercase, temporary tables in the
        session's schema)."""
        if isinstance(tree, exp.Create):
            table = tree.find(exp.Table)
            temporary = any(True for _ in tree.find_all(exp.TemporaryProperty))
            schema = f"pg_temp_{self.pid % 100}" if temporary else (table.db or "public").lower()
            if (schema, table.name.lower()) in self.tables:
                if not tree.args.get("exists"):
                    raise server_error("42P07", f'relation "{table.name.lower()}" already exists')
                return
            self.tables[(schema, table.name.lower())] = "LOCAL TEMPORARY" if temporary else "BASE TABLE"
            like = next(iter(tree.find_all(exp.LikeProperty)), None)
            source = self._find(like.this.db, like.this.name) if like is not None else None
            self._columns[(schema, table.name.lower())] = (
                list(self._columns.get(source, [])) if like is not None else _columns(tree)
            )
            self._add_foreign_keys((schema, table.name.lower()), list(tree.find_all(exp.Constraint)))
            return
        for table in tree.args.get("tables") or []:
            key = self._find(table.db, table.name)
            if key is None and not tree.args.get("exists"):
                raise server_error("42P01", f'table "{table.name.lower()}" does not exist')
            if any(to == key and f[:2] != key for f, to in self.foreign_keys.items()):  # DG r_DROP_TABLE.html
                raise server_error(
                    "2BP01", f"cannot drop table {key[1]} because other objects depend on it",
                    "Use DROP ... CASCADE to drop the dependent objects too.",
                )  # fmt: skip
            self.foreign_keys = {f: to for f, to in self.foreign_keys.items() if f[:2] != key}
            self.tables.pop(key, None)
            self._columns.pop(key, None)
            self.remarks = {r: text for r, text in self.remarks.items() if r[:2] != key}

    def _remark(self, comment: exp.Comment) -> None:
        """COMMENT ON TABLE or COLUMN of an existing table (DG r_COMMENT.html), shown as SVV_TABLES' and
        SVV_COLUMNS' remarks."""
        target = comment.this
        column_name = target.name.lower() if isinstance(target, exp.Column) else None
        schema, name = (target.db, target.table) if isinstance(target, exp.Column) else (target.db, target.name)
        key = self._find(schema, name)
        if key is None:
            raise missing_relation(f"{schema}.{name}" if schema else name)
        if column_name is not None and column_name not in [c[0] for c in self._columns.get(key, [])]:
            raise server_error("42703", f'column "{column_name}" of relation "{key[1]}" does not exist')
        self.remarks[(*key, column_name)] = comment.expression.name

    def _add_foreign_keys(self, key: tuple[str, str], found: list[exp.Constraint]) -> None:
        """A table's named FOREIGN KEY constraints; the referenced table must exist (assumed, as in PostgreSQL)."""
        for constraint in found:
            reference = constraint.find(exp.Reference)
            if reference is None:
                continue
            to = self._find(reference.this.this.db, reference.this.this.name)
            if to is None:
                raise missing_relation(reference.this.this.name)
            self.foreign_keys[(*key, constraint.name)] = to

    def _constraints(self, alter: exp.Alter) -> None:
        """ALTER TABLE ... ADD CONSTRAINT (a foreign key) or DROP CONSTRAINT (DG r_ALTER_TABLE.html)."""
        key = self._find(alter.this.db, alter.this.name)
        if key is None:
            raise missing_relation(alter.this.name)
        for action in alter.args["actions"]:
            if isinstance(action, exp.AddConstraint):
                self._add_foreign_keys(key, list(action.find_all(exp.Constraint)))
            elif (action.args.get("kind") or "").upper() == "CONSTRAINT":
                name = action.args["tables"][0].name
                if self.foreign_keys.pop((*key, name), None) is None:
                    raise server_error("42704", f'constraint "{name}" of relation "{key[1]}" does not exist')

    def _rename(self, alter: exp.Alter) -> None:
        """ALTER TABLE ... RENAME TO: the table keeps its columns and remarks under the new name."""
        key = self._find(alter.this.db, alter.this.name)
        if key is None:
            raise missing_relation(alter.this.name)
        new = (key[0], alter.args["actions"][0].this.name.lower())
        self.tables[new] = self.tables.pop(key)
        self._columns[new] = self._columns.pop(key, [])
        self.foreign_keys = {
            (*(new if f[:2] == key else f[:2]), f[2]): (new if to == key else to) for f, to in self.foreign_keys.items()
        }  # a constraint stays with its table, and a reference with the table it names
        for remark in [r for r in self.remarks if r[:2] == key]:
            self.remarks[(*new, remark[2])] = self.remarks.pop(remark)

    def _fits(self, insert: exp.Insert, params: Any) -> None:
        """A bound value longer than its CHAR/VARCHAR column, in bytes, fails the INSERT (DG r_Character_types.html:
        lengths are bytes; "value too long for type character varying(n)")."""
        target = insert.this
        key = self._find(target.this.db, target.this.name) if isinstance(target, exp.Schema) else None
        if key is None or not isinstance(params, dict):
            return
        sizes = {c[0]: c[3] for c in self._columns.get(key, []) if c[1] in ("character", "character varying")}
        for column, value in zip(target.expressions, insert.expression.expressions[0].expressions, strict=False):
            bound = params.get(value.name) if isinstance(value, exp.Placeholder) else None
            size = sizes.get(column.name)
            if isinstance(bound, str) and size is not None and len(bound.encode()) > size:
                raise server_error("22001", f"value too long for type character varying({size})")

    def _find(self, schema: str, name: str) -> tuple[str, str] | None:
        """The catalog key of a table as a statement names it (unqualified: temporary tables first)."""
        name = name.lower()
        schemas = [schema.lower()] if schema else [f"pg_temp_{self.pid % 100}", "public"]
        return next(((s, name) for s in schemas if (s, name) in self.tables), None)

    def _system(self, tree: exp.Query) -> tuple[list[str], list[list], int]:
        """A query of system views and session functions, run on DuckDB over what the fake knows."""
        tree = tree.copy()
        values = {
            "pg_last_copy_id": self._last_copy[0], "pg_last_copy_count": self._last_copy[1], "pg_backend_pid": self.pid
        }  # fmt: skip
        for function in list(tree.find_all(exp.Anonymous)):
            if function.name.lower() in values:
                function.replace(exp.Literal.number(values[function.name.lower()]))
        for table in list(tree.find_all(exp.Table)):
            key = system_relation(table)
            if key is None:
                continue
            if key not in VIEWS:
                raise AssertionError(f"the fake does not answer {key}: model it in tests/redshift_fake.py")
            if self.serverless and key.startswith("stl_"):
                raise missing_relation(key)
            alias = table.args.get("alias")
            table.replace(exp.Table(this=exp.to_identifier(key.replace(".", "__")), alias=alias))
        with duckdb.connect() as database:
            for key, columns in VIEWS.items():
                name = key.replace(".", "__")
                database.execute(f"CREATE TABLE {name} ({', '.join(f'{c} {t}' for c, t in columns.items())})")
                rows = self._view_rows(key)
                if rows:
                    database.executemany(f"INSERT INTO {name} VALUES ({', '.join('?' * len(columns))})", rows)
            cursor = database.execute(tree.sql(dialect="duckdb"))
            names = [d[0] for d in cursor.description]
            rows = [list(r) for r in cursor.fetchall()]
        return names, rows, len(rows)

    def _view_rows(self, key: str) -> list[tuple]:
        if key == "information_schema.tables":
            return [("dev", schema, name, kind) for (schema, name), kind in sorted(self.tables.items())]
        if key == "svv_tables":
            return [
                ("dev", schema, name, kind, self.remarks.get((schema, name, None)))
                for (schema, name), kind in sorted(self.tables.items())
            ]
        if key == "svv_columns":
            return [
                ("dev", schema, name, column, position, None, "NO" if not_null else "YES", kind, length, precision,
                 scale, self.remarks.get((schema, name, column)))
                for (schema, name) in sorted(self.tables)
                for position, (column, kind, not_null, length, precision, scale) in enumerate(
                    self._columns.get((schema, name), []), 1
                )
            ]  # fmt: skip
        rows = []
        for entry in self.logged:
            r, query = entry["record"], entry["query"]
            if key == "stl_load_errors":
                rows.append(
                    (
                        100,
                        0,
                        100200,
                        entry["time"],
                        entry["session"],
                        query,
                        _pad(r.file_name, 256),
                        r.line_number,
                        _pad(r.column_name, 127),
                        _pad("int4", 10),
                        _pad("0", 10),
                        0,
                        _pad(r.raw_line, 1024),
                        _pad("", 1024),
                        r.error_code,
                        _pad(r.error_message, 100),
                    )
                )
            else:
                rows.append(
                    (
                        100,
                        query + SYS_QUERY_IDS,
                        5000 + query,
                        entry["session"],
                        _pad("dev", 64),
                        100200,
                        entry["time"],
                        _pad(r.file_name, 256),
                        r.line_number,
                        _pad(r.column_name, 127),
                        _pad("int4", 10),
                        _pad("0", 10),
                        0,
                        r.error_code,
                        _pad(r.error_message, 512),
                    )
                )
        return rows  # fmt: skip

    def _default_rows(self, tree: exp.Query) -> list[list]:
        if (
            isinstance(tree, exp.Select)
            and not tree.args.get("group")
            and all(s.find(exp.AggFunc) for s in tree.selects)
        ):  # aggregates over empty tables: one row, COUNT 0, the others NULL
            return [
                [0 if all(isinstance(a, exp.Count) for a in s.find_all(exp.AggFunc)) else None for s in tree.selects]
            ]
        return []


def _columns(create: exp.Create) -> list[tuple]:
    """(name, data_type, not null, character length, numeric precision, scale) of a CREATE TABLE's columns."""
    found = []
    for column in create.find_all(exp.ColumnDef):
        kind = column.args.get("kind")
        params = [p.name for p in kind.expressions] if kind is not None else []
        text = kind is not None and kind.this in (exp.DataType.Type.CHAR, exp.DataType.Type.VARCHAR)
        length = (65535 if params[0].upper() == "MAX" else int(params[0])) if text and params else None
        numeric = kind is not None and kind.this == exp.DataType.Type.DECIMAL
        precision, scale = (
            (int(params[0]), int(params[1]) if len(params) > 1 else 0) if numeric and params else (None, None)
        )
        not_null = any(isinstance(c.kind, exp.NotNullColumnConstraint) for c in column.args.get("constraints") or [])
        found.append((column.name, CATALOG_TYPES.get(kind.this) if kind is not None else None, not_null, length,
                      precision, scale))  # fmt: skip
    return found


def _pad(text: str, size: int) -> str:
    """A CHAR(n) value as the server returns it: blank-padded to n."""
    return text.ljust(size)[:size]


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
