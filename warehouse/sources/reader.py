"""The in-process DuckDB that reads source files for the loader itself (key census, conflicting rows, Parquet
column names, PostgreSQL's COPY feed), as opposed to the warehouse's DuckDB."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import duckdb

_LOCK = threading.Lock()
_OPEN: dict[int, duckdb.DuckDBPyConnection] = {}  # by process id: a forked task process opens its own


@contextmanager
def file_reader() -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection of its own to one in-memory DuckDB kept for the process: opening a database costs 20 to 50 ms,
    paid a few times per interval, a connection to an open one next to nothing. The database holds no table
    (queries read files; a caller's temporary tables are its connection's own), so callers never meet."""
    with _LOCK:
        database = _OPEN.get(os.getpid())
        if database is None:
            database = _OPEN.setdefault(os.getpid(), duckdb.connect())
    connection = database.cursor()
    try:
        yield connection
    finally:
        connection.close()
