"""Newline-delimited JSON read by an in-process DuckDB: how input rows are read and cast to a source's columns,
for the engines that stage from files (DuckDB, PostgreSQL). One set of value rules (`warehouse.sources.values`) casts
every value, used both by the fast path and by the diagnosis of refused rows, so the two always agree.

The fast path reads every file in one `read_json`. When DuckDB refuses the data, `diagnose` finds each bad line,
naming file, line and reason: lines are split on bytes (so a line number is exact whatever the bytes hold), decoded
as UTF-8, parsed by Python's JSON parser, then the values are checked with the same rules. `without` writes copies
of the files without those lines, for sources that set bad rows aside.
"""

from __future__ import annotations

import gzip
import json
import tempfile
from collections import Counter
from collections.abc import Collection, Iterator, Sequence
from pathlib import Path
from typing import Any

import duckdb
from sqlglot import exp

from warehouse.results import Reject
from warehouse.sources.batch import Keyed, Rule
from warehouse.sources.reader import file_reader
from warehouse.sources.values import rules, value
from warehouse.spec import FileSource, JsonSource
from warehouse.sql.names import column, ident

RAW_BYTES = 4096  # ledger.rejects.raw is varchar(4096): a longer line is kept up to that many bytes
GZIP_MAGIC = b"\x1f\x8b"
COMPRESSED = "compressed object: name it .gz (only objects named .gz are read as gzip)"


def json_keys(source: JsonSource, found: Collection[str]) -> tuple[dict[str, str], list[str]]:
    """Map each column to the JSON key that fills it, as COPY's 'auto' / 'auto ignorecase' would (with keys that
    differ only in case, the first found: `census` lists the most used first); return the mapping and the keys
    found in the data that fill no column."""
    if source.match == "auto":
        mapping = {c: c for c in source.columns}
    else:
        by_lower: dict[str, str] = {}
        for key in found:
            by_lower.setdefault(key.lower(), key)
        mapping = {c: by_lower.get(c, c) for c in source.columns}
    unused = sorted(set(found) - set(mapping.values()))
    return mapping, unused


def census(files: list[str], ignorecase: bool) -> tuple[list[str], bool]:
    """Every top-level key that occurs in the files, the most used first (lines that are not JSON are left to the
    staging read), and whether an object holds two keys that differ only in case (with `ignorecase`). One read:
    the objects grouped by their list of keys (a few shapes, however many rows), counted here."""
    ignore_errors = exp.Kwarg(this=exp.var("ignore_errors"), expression=exp.true())
    objects = exp.func("read_ndjson_objects", exp.array(*map(exp.Literal.string, files)), ignore_errors)
    shape = exp.func("json_keys", exp.column("json"))
    query = exp.select(shape.as_("keys", quoted=True), exp.Count(this=exp.Star())).from_(objects).group_by(shape)
    with file_reader() as connection:
        shapes = connection.execute(query.sql("duckdb")).fetchall()
    used: Counter[str] = Counter()
    for keys, rows in shapes:
        used.update(dict.fromkeys(keys or [], rows))
    clash = ignorecase and any(len({k.lower() for k in keys}) < len(keys) for keys, _ in shapes if keys)
    return sorted(used, key=lambda key: (-used[key], key)), clash


def keys_of(source: JsonSource, files: list[tuple[str, Path]]) -> tuple[dict[str, str], list[str], bool]:
    """The keys the data really uses for each column, a warning for each key that fills no column (naming where
    the first one is), and whether an object holds two keys that differ only in case."""
    if not files:
        return {c: c for c in source.columns}, [], False
    found, clash = census([str(p) for _, p in files], source.match == "ignorecase")
    keys, unused = json_keys(source, found)
    warnings = [f"key {key!r} fills no column and was ignored; first seen at {_first(files, key)}" for key in unused]
    return keys, warnings, clash


def rows(source: JsonSource, files: list[str], keys: dict[str, str], clash: bool = False) -> exp.Select:
    """The files' rows as the source's columns, every key read as text and cast by the value rules; a refused
    value stops the read with its reason, as does an object with keys that differ only in case (`clash`)."""
    projections = [
        exp.alias_(value(name, col, column(keys[name]), source.timeformat), ident(name))
        for name, col in source.columns.items()
    ]
    query = exp.select(*projections).from_(reader(files, {keys[n]: "VARCHAR" for n in source.columns}))
    if clash:
        query = query.where(exp.func("error", exp.Literal.string(CLASH)).is_(exp.null()))
    return query


CLASH = "an object holds keys that differ only in case"


def conflicts(files: list[tuple[str, Path]], keys: dict[str, str], keyed: Sequence[Keyed]) -> list[str]:
    """A warning per table that keeps one row per key when two rows of one key hold different values, naming
    the first such key and two objects that hold it."""
    urls = {str(path): url for url, path in files}
    warnings = []
    with file_reader() as connection:
        for table in keyed:
            names = [*table.key, *table.values]
            read = reader(list(urls), {keys[n]: "VARCHAR" for n in names}, filename=True)
            rows = exp.select(column("filename"), *(exp.alias_(column(keys[n]), ident(n)) for n in names)).from_(read)
            variants = exp.func("count", exp.Distinct(expressions=[exp.func("row", *map(column, table.values))]))
            query = (
                exp.select(
                    *map(column, table.key), exp.func("min", column("filename")), exp.func("max", column("filename"))
                )
                .from_(rows.distinct().subquery("r"))
                .group_by(*map(column, table.key))
                .having(variants > 1)
            )
            found = connection.execute(query.sql("duckdb")).fetchall()
            if found:
                *key, first, last = min(found, key=lambda row: [str(v) for v in row])
                shown = ", ".join(f"{k} {v!r}" for k, v in zip(table.key, key, strict=True))
                warnings.append(
                    f"{table.table}: {len(found)} key(s) with different values in different rows, e.g. {shown} in "
                    f"{urls[first]} and {urls[last]}: the load keeps one of them"
                )
    return warnings


def reader(files: list[str], types: dict[str, str], filename: bool = False) -> exp.Func:
    """read_json of newline-delimited files, one object a line, each key read as the given DuckDB type."""
    struct = [exp.PropertyEQ(this=exp.Literal.string(k), expression=exp.Literal.string(t)) for k, t in types.items()]
    return exp.func(
        "read_json",
        exp.array(*map(exp.Literal.string, files)),
        exp.Kwarg(this=exp.var("format"), expression=exp.Literal.string("newline_delimited")),
        exp.Kwarg(this=exp.var("records"), expression=exp.Literal.string("true")),
        exp.Kwarg(this=exp.var("columns"), expression=exp.Struct(expressions=struct)),
        *([exp.Kwarg(this=exp.var("filename"), expression=exp.true())] if filename else []),
    )


def diagnose(source: JsonSource, files: list[tuple[str, Path]], required: Sequence[Rule] = ()) -> list[Reject]:
    """Every bad line of the files: not UTF-8, not JSON, not an object (an array counts its records), keys that
    differ only in case, a value its column's rules refuse, a row that breaks a `required` rule; and every
    compressed object not named .gz."""
    rejects: list[Reject] = []
    with tempfile.TemporaryDirectory(prefix="warehouse-diagnose-") as scratch:
        values = Path(scratch) / "values.json"
        with values.open("w", encoding="utf-8") as out:
            for index, (url, path) in enumerate(files):
                if _compressed(path):
                    rejects.append(Reject(url, None, COMPRESSED, records=_records(path)))
                    continue
                for number, data in lines(path):
                    record, reason = _parsed(source, data)
                    if reason:
                        count = len(record) if isinstance(record, list) else 1
                        rejects.append(Reject(url, number, reason, raw_text(data), count))
                    elif record is not None:
                        texts = {name: _text(record.get(name)) for name in source.columns}
                        out.write(json.dumps({"_file": index, "_line": number, **texts}) + "\n")
        rejects += refused_values(source, files, values, required)
    return sorted(rejects, key=lambda r: ([u for u, _ in files].index(r.url), r.line or 0))


def _parsed(source: JsonSource, data: bytes) -> tuple[Any, str]:
    """A line's object (its keys lowercased with ignorecase), or why the line is refused; (None, "") when blank."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        return None, f"not valid UTF-8 (byte {error.start + 1} of the line)"
    if not text.strip():
        return None, ""
    try:
        record = json.loads(text, parse_float=str, parse_int=str)
    except ValueError as error:
        return None, f"not valid JSON: {error.args[0].split(':')[0]} (column {error.colno})"
    if isinstance(record, list):
        return record, f"a JSON array of {len(record)} record(s), not one object per line: refused"
    if not isinstance(record, dict):
        return None, "not a JSON object"
    if source.match == "ignorecase":
        lowered: dict[str, Any] = {}
        for key, item in record.items():
            other = next((k for k in record if k != key and k.lower() == key.lower()), None)
            if other is not None:
                return None, f"keys {other!r} and {key!r} differ only in case (match: ignorecase)"
            lowered[key.lower()] = item
        record = lowered
    return record, ""


def lines(path: Path) -> Iterator[tuple[int, bytes]]:
    """A file's lines as bytes, numbered from 1, split on newline bytes alone (a gzip object's, uncompressed)."""
    with gzip.open(path) if path.suffix == ".gz" else path.open("rb") as data:
        for number, line in enumerate(data, 1):
            yield number, line.rstrip(b"\n")


def raw_text(data: bytes) -> str:
    """A line as the ledger keeps it: UTF-8 (invalid bytes and NUL written as escapes), at most RAW_BYTES."""
    text = data.decode("utf-8", errors="backslashreplace").replace("\x00", "\\x00")
    return text.encode()[:RAW_BYTES].decode("utf-8", errors="ignore")


def _compressed(path: Path) -> bool:
    with path.open("rb") as data:
        return path.suffix != ".gz" and data.read(2) == GZIP_MAGIC


def _records(path: Path) -> int:
    """How many non-blank lines a compressed object holds (at least 1: what was lost is counted)."""
    try:
        with gzip.open(path) as data:
            return max(1, sum(1 for line in data if line.strip()))
    except (OSError, EOFError):
        return 1


def refused_values(
    source: FileSource, files: list[tuple[str, Path]], values: Path, required: Sequence[Rule] = ()
) -> list[Reject]:
    """Values that the fast path's rules refuse, found with the same rules, then the rows of values it accepts
    that break a `required` rule; each with its raw line. `values` holds a JSON object per row, its file (an index
    into `files`), line and each column's value as text (every file format's diagnosis writes it)."""
    names = list(source.columns)
    read_types = {"_file": "INTEGER", "_line": "BIGINT", **{n: "VARCHAR" for n in names}}
    found: dict[tuple[int, int], list[str]] = {}
    accepted: list[exp.Expression] = []
    with duckdb.connect() as connection:
        read = exp.select("*").from_(reader([str(values)], read_types))
        connection.execute(exp.Create(this=exp.to_table("v"), kind="TABLE", expression=read).sql("duckdb"))
        for name, col in source.columns.items():
            for rule in rules(name, col, column(name), source.timeformat):
                accepted.append(exp.not_(exp.func("coalesce", rule.refused.copy(), exp.false())))
                for file_index, line, text in connection.execute(_offending(rule, name).sql("duckdb")).fetchall():
                    found.setdefault((file_index, line), []).append(f"{rule.reason}: {_shown(text)}")
        typed = [exp.alias_(value(n, c, column(n), source.timeformat), ident(n)) for n, c in source.columns.items()]
        good = exp.select(column("_file"), column("_line"), *typed).from_("v").where(exp.and_(*accepted))
        connection.execute(exp.Create(this=exp.to_table("t"), kind="TABLE", expression=good).sql("duckdb"))
        for rule in required:
            query = exp.select(column("_file"), column("_line")).from_("t").where(rule.refused.copy())
            for file_index, line in connection.execute(query.sql("duckdb")).fetchall():
                found.setdefault((file_index, line), []).append(rule.reason)
    return [
        Reject(files[index][0], number, "; ".join(found[index, number]), raw_text(data))
        for index, number, data in _raw_lines(files, set(found))
    ]


def _offending(rule: Rule, name: str) -> exp.Select:
    return exp.select(column("_file"), column("_line"), column(name)).from_("v").where(rule.refused)


def _raw_lines(files: list[tuple[str, Path]], wanted: set[tuple[int, int]]) -> Iterator[tuple[int, int, bytes]]:
    for index in sorted({i for i, _ in wanted}):
        for number, data in lines(files[index][1]):
            if (index, number) in wanted:
                yield index, number, data


def without(files: list[tuple[str, Path]], rejects: list[Reject], scratch: Path) -> list[tuple[str, Path]]:
    """The files, with copies (in `scratch`) of those that hold rejected lines, minus those lines; an object
    rejected as a whole is left out."""
    bad: dict[str, set[int | None]] = {}
    for reject in rejects:
        bad.setdefault(reject.url, set()).add(reject.line)
    kept = []
    for index, (url, path) in enumerate(files):
        if url not in bad:
            kept.append((url, path))
            continue
        if None in bad[url]:
            continue
        clean = scratch / f"clean-{index:06d}.json"
        with clean.open("wb") as out:
            out.writelines(data + b"\n" for number, data in lines(path) if number not in bad[url])
        kept.append((url, clean))
    return kept


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
    needle = json.dumps(key).encode()
    for url, path in files:
        for number, data in lines(path):
            if needle in data:
                try:
                    if key in json.loads(data):
                        return f"{url}, line {number}"
                except ValueError:
                    continue
    return "(not found again)"
