"""Staging statements: how each engine bulk-loads a source's objects, built from the spec per dialect."""

from __future__ import annotations

from sqlglot import exp

from warehouse.spec import JsonSource
from warehouse.sql.ddl import create_table, drop_table
from warehouse.sql.names import column, ident
from warehouse.sql.types import TEXT, TIMES, for_dialect

# How a timestamp written as a number is read (DuckDB), by the source's timeformat.
EPOCH_SCALE = {"epochmillisecs": 1_000, "epochsecs": 1_000_000}


def json_keys(source: JsonSource, found: set[str]) -> tuple[dict[str, str], list[str]]:
    """Map each column to the JSON key that fills it, as COPY's 'auto' / 'auto ignorecase' would;
    return the mapping and the keys found in the data that fill no column."""
    if source.match == "auto":
        mapping = {c: c for c in source.columns}
    else:
        by_lower: dict[str, str] = {}
        for key in sorted(found):
            other = by_lower.setdefault(key.lower(), key)
            if other != key:
                raise ValueError(
                    f"JSON keys {other!r} and {key!r} differ only in case; match: ignorecase "
                    "cannot tell which fills the column"
                )
        mapping = {c: by_lower.get(c, c) for c in source.columns}
    unused = sorted(set(found) - set(mapping.values()))
    return mapping, unused


def duckdb_key_census(files: list[str]) -> exp.Select:
    """Every top-level key that occurs in the files."""
    objects = exp.func("read_ndjson_objects", exp.array(*map(exp.Literal.string, files)))
    keys = exp.Unnest(expressions=[exp.func("json_keys", exp.column("json"))])
    return exp.select(keys.as_("key", quoted=True)).distinct().from_(objects)


def duckdb_read_json(into: exp.Table, source: JsonSource, files: list[str], keys: dict[str, str]) -> exp.Insert:
    """INSERT the files' rows. Every key is read as text and cast to its column's type, so that "" loads as NULL
    in non-text columns, as Redshift's JSON COPY does; numbers in timestamp columns are epochs by the source's
    timeformat (COPY TIMEFORMAT)."""
    scale = EPOCH_SCALE.get(source.timeformat)
    read_types: list[exp.Expression] = []
    projections: list[exp.Expression] = []
    for name, col in source.columns.items():
        raw = column(keys[name])
        read_types.append(exp.PropertyEQ(this=exp.Literal.string(keys[name]), expression=exp.Literal.string("VARCHAR")))
        if col.datatype.this in TEXT:
            value: exp.Expression = raw
        elif scale and col.datatype.this in TIMES:
            epoch = exp.cast(exp.Nullif(this=raw, expression=exp.Literal.string("")), "bigint")
            value = exp.func("make_timestamp", exp.Mul(this=epoch, expression=exp.Literal.number(scale)))
        else:
            value = exp.cast(
                exp.Nullif(this=raw, expression=exp.Literal.string("")), for_dialect(col.datatype, "duckdb")
            )
        projections.append(exp.alias_(value, ident(name)))
    reader = exp.func(
        "read_json",
        exp.array(*map(exp.Literal.string, files)),
        _named("format", exp.Literal.string("newline_delimited")),
        _named("columns", exp.Struct(expressions=read_types)),
    )
    rows = exp.select(*projections).from_(reader)
    names = [ident(n) for n in source.columns]
    return exp.insert(rows, exp.Schema(this=into.copy(), expressions=names))


def _named(name: str, value: exp.Expression) -> exp.Expression:
    return exp.Kwarg(this=exp.var(name), expression=value)


def stage_preview(dialect: str, table: exp.Table, source: JsonSource, urls: list[str]) -> list[exp.Expression]:
    """The statements that stage `urls` on an engine, as `warehouse plan` shows them (keys as declared: with
    match: ignorecase the real keys are matched when loading)."""
    keys = {c: c for c in source.columns}
    create = create_table(table.name, source.columns, dialect, schema=table.db, if_not_exists=False)
    loads = {"duckdb": lambda: [duckdb_read_json(table, source, urls, keys)]}
    if dialect not in loads:
        raise ValueError(f"staging on {dialect} is not supported yet")
    return (
        [drop_table(table.name, table.db), create, *loads[dialect]()]
        if urls
        else [drop_table(table.name, table.db), create]
    )
