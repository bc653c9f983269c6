"""Newline-delimited JSON read by DuckDB, for the engines that read files themselves (DuckDB, PostgreSQL).

The fast path reads every file in one `read_json`. When DuckDB refuses the data (a string longer than its column
allows, in bytes as Redshift counts, is refused too), `diagnose` finds each bad line, naming file, line and
reason, with Python's JSON parser for syntax and DuckDB's own casts for values, so it agrees with the fast path.
`without` writes copies of the files without those lines, for sources that set bad rows aside.
"""

from __future__ import annotations

import gzip
import json
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import duckdb
from sqlglot import exp

from warehouse.spec import JsonSource
from warehouse.sql.names import column
from warehouse.sql.stage import EPOCH_SCALE, duckdb_json_rows, duckdb_key_census, duckdb_reader, json_keys
from warehouse.sql.types import TEXT, TIMES, for_dialect, max_bytes
from warehouse.targets.base import Reject

RAW_CHARS = 1000


@dataclass(frozen=True)
class Read:
    rows: exp.Select  # the rows, as the source's columns
    warnings: list[str]


def read(connection: Any, source: JsonSource, files: list[tuple[str, Path]]) -> Read:
    """The SELECT that reads the files, with the keys the data really uses (census) and a warning for keys that
    fill no column, naming where the first one is."""
    paths = [str(p) for _, p in files]
    found = {row[0] for row in connection.execute(duckdb_key_census(paths).sql("duckdb")).fetchall()}
    keys, unused = json_keys(source, found)
    warnings = [f"key {key!r} fills no column and was ignored; first seen at {_first(files, key)}" for key in unused]
    return Read(duckdb_json_rows(source, paths, keys), warnings)


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
        rejects += _refused_values(source, files, values)
    return sorted(rejects, key=lambda r: ([u for u, _ in files].index(r.url), r.line or 0))


def _refused_values(source: JsonSource, files: list[tuple[str, Path]], values: Path) -> list[Reject]:
    """Values that the fast path's casts refuse, or that are longer than their column, found by DuckDB."""
    names = list(source.columns)
    read_types = {"_file": "INTEGER", "_line": "BIGINT", **{n: "VARCHAR" for n in names}}
    connection = duckdb.connect()
    try:
        rows = exp.select("*").from_(duckdb_reader([str(values)], read_types))
        connection.execute(exp.Create(this=exp.to_table("v"), kind="TABLE", expression=rows).sql("duckdb"))
        found: list[Reject] = []
        for name, col in source.columns.items():
            value = exp.Nullif(this=column(name), expression=exp.Literal.string(""))
            size = max_bytes(col.datatype)
            if col.datatype.this in TEXT:
                refused = exp.func("strlen", column(name)) > size
                reason = f"{name}: longer than its {size} bytes"
            else:
                target = "bigint" if EPOCH_SCALE.get(source.timeformat) and col.datatype.this in TIMES else None
                kind = exp.DataType.build(target) if target else for_dialect(col.datatype, "duckdb")
                refused = exp.and_(
                    value.is_(exp.not_(exp.null())), exp.TryCast(this=value.copy(), to=kind).is_(exp.null())
                )
                reason = f"{name}: not a {col.type}"
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
