"""Extracts of an operational database (the app's PostgreSQL on RDS) to staged files.

An extract is `changes` (the rows whose incremental column falls in the interval) or `full` (every row before the
interval's end: a source's first load into a target, and a full refresh). Its rows, as JSON made by the database,
are streamed through a server-side cursor into gzipped JSON lines, `part-0000.json.gz`, ... under the run's
files (memory stays flat whatever the table's size); a rerun replaces them. The files then load like any JSON
source, on every engine. For local development a `duckdb:///` URL can stand in for the database.
"""

from __future__ import annotations

import gzip
import itertools
import tempfile
from collections.abc import Iterator
from pathlib import Path

from sqlglot import exp, parse_one

from warehouse.interval import Interval
from warehouse.sources.objects import ObjectStore, SourceObject
from warehouse.spec import JsonSource, PostgresSource
from warehouse.sql.load import in_interval, timestamp
from warehouse.sql.names import column, ident
from warehouse.targets.base import Target
from warehouse.targets.engine import Engine

ROWS_PER_PART = 250_000
FETCH_ROWS = 10_000


def extract_kind(source: PostgresSource, loaded: set | None) -> str:
    """`full` for the first load of a source with `initial_load: full` (nothing in `loaded`, the ledger's answer to
    whether every table reading it has loaded it before; None: not asked, as in a full refresh), else `changes`."""
    return "full" if source.initial_load == "full" and not loaded else "changes"


def extract_query(source: PostgresSource, interval: Interval, engine: Engine, kind: str) -> exp.Select:
    """One JSON object per row of the extract (`full`: before the interval's end; `changes`: in the interval), made
    by the database: the declared columns, each cast to its declared type (a timestamptz becomes a UTC timestamp:
    the session runs in UTC)."""
    if source.table:
        schema, _, name = source.table.rpartition(".")
        origin: exp.Expression = exp.Table(this=ident(name), db=ident(schema) if schema else None)
    else:
        origin = parse_one(source.query, read="postgres").subquery(ident("extracted_query"))
    typed = [
        exp.alias_(exp.cast(column(n), engine.column_type(c.datatype)), ident(n)) for n, c in source.columns.items()
    ]
    changed = column(source.incremental_column)
    where = changed < timestamp(interval.end) if kind == "full" else in_interval(changed, interval)
    rows = exp.select(*typed).from_(origin).where(where)
    as_json = exp.Anonymous(this=engine.row_to_json, expressions=[column("extracted")])
    return exp.select(exp.cast(as_json, "text").as_("line", quoted=True)).from_(rows.subquery(ident("extracted")))


def as_json_source(source: PostgresSource, prefix: str) -> JsonSource:
    """How the extracted files load: keys are the column names, timestamps ISO text."""
    return JsonSource(format="json", location=prefix, match="auto", timeformat="auto", on_missing="empty",
                      columns=source.columns)  # fmt: skip


def extract(
    source: PostgresSource, database: Target, interval: Interval, store: ObjectStore, prefix: str, kind: str
) -> tuple[list[SourceObject], int]:
    """Write the extract's rows under `prefix` (replacing an earlier extract); return the parts and the rows.
    `database` is opened read-only, and closed here."""
    with database, tempfile.TemporaryDirectory(prefix="warehouse-") as scratch:
        database.execute(exp.Command(this="SET", expression=exp.Literal.string("TIME ZONE 'UTC'")))  # naive bounds
        with database.stream(extract_query(source, interval, database.engine, kind), FETCH_ROWS) as batches:
            written = _write_parts(batches, Path(scratch), store, prefix)
    keep = {part.url for part, _ in written}
    for stale in store.list(prefix):
        if stale.url not in keep:
            store.delete(stale.url)
    return [part for part, _ in written], sum(count for _, count in written)


def _write_parts(
    batches: Iterator[list[tuple]], scratch: Path, store: ObjectStore, prefix: str
) -> list[tuple[SourceObject, int]]:
    """Rows as gzipped JSON lines, `ROWS_PER_PART` to a part, each published under `prefix` once written."""
    written: list[tuple[SourceObject, int]] = []
    lines = itertools.chain.from_iterable(batches)
    while True:
        path = scratch / f"part-{len(written):04d}.json.gz"
        with gzip.open(path, "wt", encoding="utf-8", compresslevel=4) as out:
            count = 0
            for (line,) in itertools.islice(lines, ROWS_PER_PART):
                out.write(line)
                out.write("\n")
                count += 1
        if not count:
            return written
        written.append((_publish(path, store, prefix), count))


def _publish(path: Path, store: ObjectStore, prefix: str) -> SourceObject:
    url = f"{prefix.rstrip('/')}/{path.name}"
    store.write(url, path.read_bytes())
    found = store.stat(url)
    if found is None:
        raise FileNotFoundError(f"the extract just written is not at {url}")
    return found
