"""Incremental extracts of an operational database (the app's PostgreSQL on RDS) to staged files.

The interval's rows (by the incremental column) are streamed through a server-side cursor into gzipped JSON
lines, `part-0000.json.gz`, ... under the run's files; a rerun replaces them. The files then load like any JSON
source, on every engine. For local development a `duckdb:///` URL can stand in for the database.
"""

from __future__ import annotations

import gzip
import itertools
import json
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from sqlglot import exp, parse_one

from warehouse.interval import Interval
from warehouse.sources.objects import ObjectStore, SourceObject
from warehouse.spec import JsonSource, PostgresSource
from warehouse.sql.load import in_interval
from warehouse.sql.names import column, columns, ident

ROWS_PER_PART = 250_000
FETCH_ROWS = 10_000


def extract_query(source: PostgresSource, interval: Interval) -> exp.Select:
    """SELECT the declared columns of the rows whose incremental column falls in the interval."""
    if source.table:
        schema, _, name = source.table.rpartition(".")
        origin: exp.Expression = exp.Table(this=ident(name), db=ident(schema) if schema else None)
    else:
        origin = parse_one(source.query, read="postgres").subquery(ident("extracted"))
    window = in_interval(column(source.incremental_column), interval)
    return exp.select(*columns(list(source.columns))).from_(origin).where(window)


def as_json_source(source: PostgresSource, prefix: str) -> JsonSource:
    """How the extracted files load: keys are the column names, timestamps ISO text."""
    return JsonSource(format="json", location=prefix, match="auto", timeformat="auto", on_missing="empty",
                      columns=source.columns)  # fmt: skip


def extract(
    source: PostgresSource, url: str, interval: Interval, store: ObjectStore, prefix: str
) -> tuple[list[SourceObject], int]:
    """Write the interval's rows under `prefix` (replacing an earlier extract); return the parts and the rows."""
    scheme = urlsplit(url).scheme
    dialect = "duckdb" if scheme == "duckdb" else "postgres"
    query = extract_query(source, interval).sql(dialect=dialect)
    names = list(source.columns)
    written: list[SourceObject] = []
    total = 0
    with _rows(url, query) as batches, tempfile.TemporaryDirectory(prefix="warehouse-extract-") as scratch:
        rows = itertools.chain.from_iterable(batches)
        while True:
            path = Path(scratch) / f"part-{len(written):04d}.json.gz"
            with gzip.open(path, "wt", encoding="utf-8", compresslevel=4) as out:
                count = 0
                for row in itertools.islice(rows, ROWS_PER_PART):
                    out.write(json.dumps(dict(zip(names, row, strict=True)), default=_json_value, ensure_ascii=False))
                    out.write("\n")
                    count += 1
            if not count:
                break
            total += count
            written.append(_publish(path, store, prefix))
    keep = {w.url for w in written}
    for stale in store.list(prefix):
        if stale.url not in keep:
            store.delete(stale.url)
    return written, total


def _publish(path: Path, store: ObjectStore, prefix: str) -> SourceObject:
    url = f"{prefix.rstrip('/')}/{path.name}"
    store.write(url, path.read_bytes())
    found = store.stat(url)
    if found is None:
        raise FileNotFoundError(f"the extract just written is not at {url}")
    return found


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime):
        naive = value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value
        return naive.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"cannot write a {type(value).__name__} value to JSON: {value!r}")


@contextmanager
def _rows(url: str, query: str) -> Iterator[Iterator[list[tuple]]]:
    """Batches of rows from a server-side cursor (memory stays flat whatever the table's size)."""
    if urlsplit(url).scheme == "duckdb":
        import duckdb

        connection = duckdb.connect(url[len("duckdb:///") :], read_only=True)
        try:
            cursor = connection.execute(query)
            yield iter(lambda: cursor.fetchmany(FETCH_ROWS), [])
        finally:
            connection.close()
        return
    import psycopg

    with psycopg.connect("postgresql://" + url.split("://", 1)[1]) as connection:
        connection.execute("SET TIME ZONE 'UTC'")  # naive interval bounds are UTC
        with connection.cursor(name="warehouse_extract") as cursor:
            cursor.itersize = FETCH_ROWS
            cursor.execute(query)
            yield iter(lambda: cursor.fetchmany(FETCH_ROWS), [])
