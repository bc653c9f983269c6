"""PostgreSQL (e.g. an RDS analytical database). A batch's rows are read by an in-process DuckDB, as the DuckDB
target reads them, and streamed into the staging table with COPY ... FROM STDIN."""

from __future__ import annotations

import hashlib
import os
import socket
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

import duckdb
import psycopg
import sqlglot
from sqlglot import exp

from warehouse.results import DataError
from warehouse.secrets import mask
from warehouse.sources.reader import file_reader
from warehouse.sql.names import ident
from warehouse.sql.statement import Action, Statement
from warehouse.targets.base import Target
from warehouse.targets.engine import Engine, catalog_sql, md5_prefix

if TYPE_CHECKING:
    from warehouse.sources.batch import Batch

COPY_CHUNK = 1 << 20
# Settings of a loading session. A step's statements are few and large, and each is planned once: JIT compiling
# them costs 50 to 60 ms each whenever the estimated cost passes jit_above_cost, more than it saves on batches of a
# day. work_mem bounds each sort or hash of a statement: at the default 4MB a monthly batch of 800,000 facts is
# sorted on disk; 64MB keeps a day's batches, and most of a month's, in memory (a statement runs few such nodes).
# default_statistics_target sets how many rows the session's ANALYZE of its staging and batch tables samples (300
# per unit): at the default 100, 30,000 rows, statistics of every column of each, 130 to 270 ms per table of a day
# (a fifth of a daily run); 10 samples 3,000, enough for the row counts and distinct keys that its joins are
# planned by. Autovacuum's ANALYZE of the warehouse's tables keeps the server's setting.
SESSION = {
    "jit": exp.var("off"),
    "work_mem": exp.Literal.string("64MB"),
    "default_statistics_target": exp.Literal.number(10),
}
LOCKS = "warehouse"  # the namespace of the project's advisory locks


class Postgres(Engine):
    name = "postgres"
    byte_order = "C"
    unlogged_staging = True
    indexes = True
    lock_template = "LOCK TABLE {} IN SHARE ROW EXCLUSIVE MODE"
    # Autovacuum never analyzes temporary tables, and analyzes a new staging table only a minute or more after it
    # is filled: without statistics the planner guesses its size from its pages (wildly, for a table filled in the
    # same transaction) and plans joins and sorts for that guess.
    analyze = True
    advisory_locks = True

    def hash64(self, text: exp.Expression) -> exp.Expression:
        bits = exp.cast(exp.DPipe(this=exp.Literal.string("x0"), expression=md5_prefix(text)), "bit(64)")
        return exp.cast(bits, "bigint")

    def stage(self, table: exp.Table, batch: Batch) -> list[Action]:
        if batch.rows is None:
            return []
        return [Statement(copy_from_stdin(table, list(batch.staged_as.columns)), "staged", feed=batch.rows)]

    # Advisory locks (https://www.postgresql.org/docs/15/explicit-locking.html#ADVISORY-LOCKS): a session-level
    # lock is held until released or the session ends, whatever its transactions do; pg_try_advisory_lock does not
    # wait. Keyed (int4, int4): the project's namespace, then the name; pg_locks shows them as classid, objid.
    def advisory_lock(self, name: str, wait: bool) -> exp.Query:
        if wait:  # pg_advisory_lock returns void once it holds the lock
            return exp.select(exp.true()).from_(exp.select(_lock_call("pg_advisory_lock", name)).subquery("taken"))
        return exp.select(_lock_call("pg_try_advisory_lock", name))

    def advisory_unlock(self, name: str) -> exp.Query:
        return exp.select(_lock_call("pg_advisory_unlock", name))

    def lock_holder(self, name: str) -> exp.Query:
        namespace, key = lock_key(name)
        return sqlglot.parse_one(
            "SELECT a.pid, a.application_name FROM pg_catalog.pg_locks AS l "
            "JOIN pg_catalog.pg_stat_activity AS a ON a.pid = l.pid "
            f"WHERE l.locktype = 'advisory' AND l.granted AND l.classid = {namespace} AND l.objid = {key} "
            "AND l.objsubid = 2 AND l.database = (SELECT oid FROM pg_catalog.pg_database WHERE datname = "
            "current_database())",
            read=self.name,
        )

    def catalog_query(self, schema: str) -> exp.Query:
        """From pg_catalog: information_schema writes `character varying` without its length."""
        return catalog_sql(
            "SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod), NOT a.attnotnull, a.attnum "
            "FROM pg_catalog.pg_attribute AS a JOIN pg_catalog.pg_class AS c ON c.oid = a.attrelid "
            "JOIN pg_catalog.pg_namespace AS n ON n.oid = c.relnamespace "
            "WHERE n.nspname = :schema AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped",
            self.name,
            schema,
        )

    def dataset_namespace(self, url: str) -> tuple[str, str]:
        parts = urlsplit(url)
        return f"postgres://{parts.hostname}:{parts.port or 5432}", unquote(parts.path.lstrip("/"))

    def comment_query(self, schema: str) -> exp.Query:
        """From pg_description: a table's own (objsubid 0) and its columns' (objsubid = attnum)."""
        return catalog_sql(
            "SELECT c.relname, a.attname, d.description FROM pg_catalog.pg_description AS d "
            "JOIN pg_catalog.pg_class AS c ON c.oid = d.objoid "
            "JOIN pg_catalog.pg_namespace AS n ON n.oid = c.relnamespace "
            "LEFT JOIN pg_catalog.pg_attribute AS a ON a.attrelid = c.oid AND a.attnum = d.objsubid "
            "WHERE n.nspname = :schema AND c.relkind = 'r' AND d.classoid = CAST('pg_catalog.pg_class' AS REGCLASS)",
            self.name,
            schema,
        )

    def key_query(self, schema: str) -> exp.Query:
        """The columns of each table's key index (`<table>__key`, created by setup)."""
        return catalog_sql(
            "SELECT t.relname, a.attname, array_position(CAST(x.indkey AS SMALLINT[]), a.attnum) "
            "FROM pg_catalog.pg_index AS x JOIN pg_catalog.pg_class AS i ON i.oid = x.indexrelid "
            "JOIN pg_catalog.pg_class AS t ON t.oid = x.indrelid "
            "JOIN pg_catalog.pg_namespace AS n ON n.oid = t.relnamespace "
            "JOIN pg_catalog.pg_attribute AS a ON a.attrelid = t.oid AND a.attnum = ANY(x.indkey) "
            "WHERE n.nspname = :schema AND i.relname = t.relname || '__key'",
            self.name,
            schema,
        )


def lock_key(name: str) -> tuple[int, int]:
    """The (namespace, key) of the advisory lock `name`: both non-negative int4, the same in every process."""
    namespace, key = (int.from_bytes(hashlib.blake2b(n.encode(), digest_size=4).digest()) >> 1 for n in (LOCKS, name))
    return namespace, key


def _lock_call(function: str, name: str) -> exp.Expression:
    return exp.Anonymous(this=function, expressions=[exp.Literal.number(k) for k in lock_key(name)])


def copy_from_stdin(into: exp.Table, names: list[str]) -> exp.Copy:
    """COPY rows sent by the client as CSV."""
    target = exp.Schema(this=into.copy(), expressions=[ident(n) for n in names])
    return exp.Copy(this=target, kind=True, files=[exp.var("STDIN")], params=_csv_options())


def csv_export(rows: exp.Query, path: str) -> exp.Copy:
    """DuckDB: write rows as headerless CSV (NULL unquoted-empty, empty strings quoted, as PostgreSQL reads it)."""
    return exp.Copy(
        this=rows.subquery(), kind=False, files=[exp.Literal.string(path)], params=_csv_options(header=False)
    )


def _csv_options(header: bool | None = None) -> list[exp.CopyParameter]:
    params = [exp.CopyParameter(this=exp.var("FORMAT"), expression=exp.var("csv"))]
    if header is not None:
        params.append(exp.CopyParameter(this=exp.var("HEADER"), expression=exp.Boolean(this=header)))
    return params


class PostgresTarget(Target):
    data_errors = (psycopg.errors.DataError,)

    @classmethod
    def from_url(cls, url: str, read_only: bool = False) -> PostgresTarget:
        """postgresql://user:password@host:port/database (libpq parameters in the query string)."""
        parts = urlsplit(url)
        password = unquote(parts.password or "")
        named = {} if "application_name=" in parts.query else {"application_name": application_name()}
        return cls.connected(lambda: psycopg.connect(libpq_url(url), **named), mask(url), read_only, (password,))

    @classmethod
    def connected(
        cls, connect: Callable[[], psycopg.Connection], description: str, read_only: bool = False, secrets=()
    ) -> PostgresTarget:
        """A target whose connections `connect` opens (a URL's, or an Airflow hook's), read-only for a source."""

        def opened() -> psycopg.Connection:
            connection = connect()
            if not isinstance(connection, psycopg.Connection):
                raise TypeError(f"the PostgreSQL target needs a psycopg 3 connection, got {type(connection).__name__}")
            connection.read_only = read_only
            with connection.transaction():
                for name, value in SESSION.items():
                    connection.execute(_setting(name, value).sql("postgres"))
            return connection

        return cls(Postgres(), opened, description, secrets)

    @contextmanager
    def stream(self, statement: exp.Expression, size: int) -> Iterator[Iterator[list[tuple]]]:
        """Batches of a query's rows through a server-side cursor (memory stays flat whatever the size)."""
        with self.transaction(), self.connection.cursor(name="warehouse_stream") as cursor:
            cursor.itersize = size
            cursor.execute(self._logged(statement))
            yield iter(lambda: cursor.fetchmany(size), [])

    def _copy_in(self, statement: Statement) -> int:
        """Run the feed in an in-process DuckDB that writes CSV into a pipe, streamed as it comes into COPY ...
        FROM STDIN: no file holds the rows. This process keeps a write end of the pipe open until DuckDB is done,
        so that the COPY ends (end of file) only then, whether DuckDB opened the pipe or failed first; a COPY that
        fails closes the read end, and DuckDB's next write fails too."""
        assert statement.feed is not None
        text = self._logged(statement)
        with tempfile.TemporaryDirectory(prefix="warehouse-copy-") as scratch:
            pipe = Path(scratch) / "rows.csv"
            os.mkfifo(pipe)
            read_end = os.open(pipe, os.O_RDONLY | os.O_NONBLOCK)
            held = os.open(pipe, os.O_WRONLY)
            os.set_blocking(read_end, True)
            failed: list[BaseException] = []
            writer = threading.Thread(target=_export, args=(statement.feed, pipe, held, failed), daemon=True)
            writer.start()
            try:
                with self._cursor() as cursor, os.fdopen(read_end, "rb") as data:
                    with cursor.copy(text) as copy:
                        while chunk := data.read(COPY_CHUNK):
                            copy.write(chunk)
                        writer.join()
                        if failed:  # raised inside the COPY: it is cancelled
                            raise _refused(failed[0])
                    return cursor.rowcount
            except psycopg.errors.DataError as error:
                raise DataError(str(error).splitlines()[0]) from error
            finally:
                writer.join()


def _export(feed: exp.Query, pipe: Path, held: int, failed: list[BaseException]) -> None:
    """Write the feed's rows as CSV into the pipe (run in a thread); then close this process's write end."""
    try:
        with file_reader() as reader:
            reader.execute(csv_export(feed, str(pipe)).sql("duckdb"))
    except BaseException as error:  # handed to the thread that reads the pipe
        failed.append(error)
    finally:
        os.close(held)


def _refused(error: BaseException) -> BaseException:
    """DuckDB's refusal of a value as the DataError that names it; another error as it is."""
    if isinstance(error, duckdb.ConversionException | duckdb.InvalidInputException):
        return DataError(str(error).splitlines()[0])
    return error


def _setting(name: str, value: exp.Expression) -> exp.Set:
    """SET name = value, for the session."""
    return exp.Set(expressions=[exp.SetItem(this=exp.EQ(this=exp.column(name), expression=value))])


def application_name() -> str:
    """How the server shows this process's sessions (pg_stat_activity): which program, process and host."""
    return f"warehouse (pid {os.getpid()} on {socket.gethostname()})"[:63]  # NAMEDATALEN - 1


def libpq_url(url: str) -> str:
    return "postgresql://" + url.split("://", 1)[1]
