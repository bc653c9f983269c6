"""Newline-delimited JSON read by an in-process DuckDB: how input rows are read and cast to a source's columns,
for the engines that stage from files (DuckDB, PostgreSQL). One rule casts every value (`cast`), used both by the
fast path and by the diagnosis of refused rows, so the two always agree.

The fast path reads every file in one `read_json`. When DuckDB refuses the data (a string longer than its column
allows, in bytes as Redshift counts, is refused too), `diagnose` finds each bad line, naming file, line and
reason, with Python's JSON parser for syntax and the same casts for values. `without` writes copies of the files
without those lines, for sources that set bad rows aside.
"""

from __future__ import annotations

import gzip
import json
import tempfile
from pathlib import Path
from typing import IO, Any

import duckdb
from sqlglot import exp

from warehouse.results import Reject
from warehouse.spec import Column, FileSource, JsonSource
from warehouse.sql.names import column, ident
from warehouse.sql.types import TEXT, TIMES, max_bytes
from warehouse.targets.duckdb import DuckDB

RAW_CHARS = 1000
EPOCH_SCALE = {"epochmillisecs": 1_000, "epochsecs": 1_000_000}  # a timestamp written as a number, in µs per unit
READER = DuckDB()


def cast(name: str, col: Column, raw: exp.Expression, timeformat: str) -> tuple[exp.Expression, exp.Expression, str]:
    """How one JSON value (read as text) becomes its column's value: the value (whose evaluation fails when the
    value is refused), the condition under which it is refused, and the reason. "" is NULL in non-text columns,
    as Redshift's JSON COPY loads it; numbers in timestamp columns are epochs by the source's timeformat (COPY
    TIMEFORMAT); a string longer than its column's bytes is refused, as Redshift refuses it."""
    datatype = col.datatype
    if datatype.this in TEXT:
        size = max_bytes(datatype)
        reason = f"{name}: longer than its {size} bytes"
        refused = exp.func("strlen", raw.copy()) > size
        stop = exp.func("error", exp.Literal.string(reason))
        return exp.Case(ifs=[exp.If(this=refused.copy(), true=stop)], default=raw), refused, reason
    text = exp.Nullif(this=raw, expression=exp.Literal.string(""))
    scale = EPOCH_SCALE.get(timeformat) if datatype.this in TIMES else None
    kind = exp.DataType.build("bigint") if scale else READER.column_type(datatype)
    refused = exp.and_(exp.not_(text.copy().is_(exp.null())), exp.TryCast(this=text.copy(), to=kind).is_(exp.null()))
    value: exp.Expression = exp.cast(text, kind)
    if scale:
        value = exp.func("make_timestamp", exp.Mul(this=value, expression=exp.Literal.number(scale)))
    return value, refused, f"{name}: not a {col.type}"


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


def census(files: list[str]) -> set[str]:
    """Every top-level key that occurs in the files (lines that are not JSON are left to the staging read)."""
    ignore_errors = exp.Kwarg(this=exp.var("ignore_errors"), expression=exp.true())
    objects = exp.func("read_ndjson_objects", exp.array(*map(exp.Literal.string, files)), ignore_errors)
    keys = exp.Unnest(expressions=[exp.func("json_keys", exp.column("json"))])
    query = exp.select(keys.as_("key", quoted=True)).distinct().from_(objects)
    with duckdb.connect() as connection:
        return {row[0] for row in connection.execute(query.sql("duckdb")).fetchall()}


def keys_of(source: JsonSource, files: list[tuple[str, Path]]) -> tuple[dict[str, str], list[str]]:
    """The keys the data really uses for each column, and a warning for each key that fills no column, naming
    where the first one is."""
    if not files:
        return {c: c for c in source.columns}, []
    keys, unused = json_keys(source, census([str(p) for _, p in files]))
    return keys, [f"key {key!r} fills no column and was ignored; first seen at {_first(files, key)}" for key in unused]


def rows(source: JsonSource, files: list[str], keys: dict[str, str]) -> exp.Select:
    """The files' rows as the source's columns, every key read as text and cast (`cast`); a refused value stops
    the read with its reason."""
    projections = [
        exp.alias_(cast(name, col, column(keys[name]), source.timeformat)[0], ident(name))
        for name, col in source.columns.items()
    ]
    return exp.select(*projections).from_(reader(files, {keys[n]: "VARCHAR" for n in source.columns}))


def reader(files: list[str], types: dict[str, str]) -> exp.Func:
    """read_json of newline-delimited files, each key read as the given DuckDB type."""
    struct = [exp.PropertyEQ(this=exp.Literal.string(k), expression=exp.Literal.string(t)) for k, t in types.items()]
    return exp.func(
        "read_json",
        exp.array(*map(exp.Literal.string, files)),
        exp.Kwarg(this=exp.var("format"), expression=exp.Literal.string("newline_delimited")),
        exp.Kwarg(this=exp.var("columns"), expression=exp.Struct(expressions=struct)),
    )


def diagnose(source: JsonSource, files: list[tuple[str, Path]]) -> list[Reject]:
    """Every bad line of the files: not JSON, not an object, a value its column's type refuses, too long."""
    rejects: list[Reject] = []
    with tempfile.TemporaryDirectory(prefix="warehouse-diagnose-") as scratch:
        values = Path(scratch) / "values.json"
        with values.open("w", encoding="utf-8") as out:
            for index, (url, path) in enumerate(files):
                with _open(path) as lines:
                    for number, raw in enumerate(lines, 1):
                        if not raw.strip():
                            continue
                        try:
                            record = json.loads(raw, parse_float=str, parse_int=str)
                        except ValueError as error:
                            reason = f"not valid JSON: {error.args[0].split(':')[0]} (column {error.colno})"
                            rejects.append(Reject(url, number, reason, raw[:RAW_CHARS]))
                            continue
                        if not isinstance(record, dict):
                            rejects.append(Reject(url, number, "not a JSON object", raw[:RAW_CHARS]))
                            continue
                        if source.match == "ignorecase":
                            record = {key.lower(): value for key, value in record.items()}
                        texts = {name: _text(record.get(name)) for name in source.columns}
                        out.write(json.dumps({"_file": index, "_line": number, **texts}) + "\n")
        rejects += refused_values(source, files, values)
    return sorted(rejects, key=lambda r: ([u for u, _ in files].index(r.url), r.line or 0))


def refused_values(source: FileSource, files: list[tuple[str, Path]], values: Path) -> list[Reject]:
    """Values that the fast path's casts refuse, found with the same casts: `values` holds a JSON object per
    row, its file (an index into `files`), line and each column's value as text (every file format's diagnosis
    writes it)."""
    names = list(source.columns)
    read_types = {"_file": "INTEGER", "_line": "BIGINT", **{n: "VARCHAR" for n in names}}
    connection = duckdb.connect()
    try:
        read = exp.select("*").from_(reader([str(values)], read_types))
        connection.execute(exp.Create(this=exp.to_table("v"), kind="TABLE", expression=read).sql("duckdb"))
        found: list[Reject] = []
        for name, col in source.columns.items():
            _, refused, reason = cast(name, col, column(name), source.timeformat)
            query = exp.select(column("_file"), column("_line"), column(name)).from_("v").where(refused)
            for file_index, line, text in connection.execute(query.sql("duckdb")).fetchall():
                found.append(Reject(files[file_index][0], line, f"{reason}: {_shown(text)}"))
        return found
    finally:
        connection.close()


def without(files: list[tuple[str, Path]], rejects: list[Reject], scratch: Path) -> list[tuple[str, Path]]:
    """The files, with copies (in `scratch`) of those that hold rejected lines, minus those lines."""
    bad: dict[str, set[int]] = {}
    for reject in rejects:
        bad.setdefault(reject.url, set()).add(reject.line or 0)
    kept = []
    for index, (url, path) in enumerate(files):
        if url not in bad:
            kept.append((url, path))
            continue
        clean = scratch / f"clean-{index:06d}.json"
        with _open(path) as lines, clean.open("w", encoding="utf-8") as out:
            out.writelines(raw for number, raw in enumerate(lines, 1) if number not in bad[url])
        kept.append((url, clean))
    return kept


def _open(path: Path) -> IO[str]:
    if path.suffix == ".gz":
        return gzip.open(path, "rt", encoding="utf-8", errors="replace")
    return path.open(encoding="utf-8", errors="replace")


def _text(value: Any) -> str | None:
    """A JSON value as the text DuckDB reads into a VARCHAR column (numbers keep their written form)."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    return json.dumps(value, separators=(",", ":"))


def _shown(text: str | None) -> str:
    return repr(text if text is None or len(text) <= 60 else text[:57] + "...")


def _first(files: list[tuple[str, Path]], key: str) -> str:
    needle = json.dumps(key)
    for url, path in files:
        with _open(path) as lines:
            for number, raw in enumerate(lines, 1):
                if needle in raw:
                    try:
                        if key in json.loads(raw):
                            return f"{url}, line {number}"
                    except ValueError:
                        continue
    return "(not found again)"
