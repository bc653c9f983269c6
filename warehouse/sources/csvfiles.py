"""CSV objects read by an in-process DuckDB (`read_csv`), for the engines that stage from files. Fields fill the
source's columns by position, as Redshift's `COPY ... CSV` fills a column list, each read as text and cast by the
rule JSON values follow (`warehouse.sources.values`): an empty field is NULL in a non-text column, a field equal to the
source's `null` is NULL in any column.

When DuckDB refuses the data, `diagnose` reads each record with Python's csv module (the same quoting: fields
quoted by `quote`, a quote doubled inside one) and names the bad ones by file and first line: a record that is
not well formed, one with another number of fields than the source has columns, a value its column refuses.
"""

from __future__ import annotations

import csv
import gzip
import json
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO

from sqlglot import exp

from warehouse.results import Reject
from warehouse.sources.batch import Rule
from warehouse.sources.jsonlines import raw_text, refused_values
from warehouse.sources.values import value
from warehouse.spec import CsvSource
from warehouse.sql.names import column, ident

Files = list[tuple[str, Path]]
CODECS = {"utf8": "utf-8", "utf16": "utf-16", "utf16le": "utf-16-le", "utf16be": "utf-16-be"}  # spec → Python


class CsvFiles:
    def local(self, source: CsvSource, files: Files, scratch: Path) -> Files:
        """UTF-8 copies of objects in another encoding (DuckDB reads UTF-8)."""
        if source.encoding == "utf8":
            return files
        copies = scratch / "utf8"
        copies.mkdir(parents=True, exist_ok=True)
        converted = []
        for index, (url, path) in enumerate(files):
            copy = copies / f"utf8-{index:06d}.csv"
            with _open(path, CODECS[source.encoding]) as text, copy.open("w", encoding="utf-8", newline="") as out:
                while chunk := text.read(1 << 20):
                    out.write(chunk)
            converted.append((url, copy))
        return converted

    def keys(self, source: CsvSource, files: Files) -> tuple[dict[str, str], list[str], bool]:
        return {c: c for c in source.columns}, [], False

    def rows(self, source: CsvSource, paths: list[str], keys: dict[str, str], clash: bool = False) -> exp.Select:
        projections = [
            exp.alias_(value(name, col, column(name), source.timeformat), ident(name))
            for name, col in source.columns.items()
        ]
        return exp.select(*projections).from_(reader(source, paths))

    def diagnose(self, source: CsvSource, files: Files, required: Sequence[Rule] = ()) -> list[Reject]:
        rejects: list[Reject] = []
        expected = len(source.columns)
        with tempfile.TemporaryDirectory(prefix="warehouse-diagnose-") as scratch:
            values = Path(scratch) / "values.json"
            with values.open("w", encoding="utf-8") as out:
                for index, (url, path) in enumerate(files):
                    for line, raw, fields in _data(source, path):
                        if isinstance(fields, csv.Error):
                            rejects.append(Reject(url, line, f"not valid CSV: {fields}", raw_text(raw.encode())))
                        elif len(fields) != expected:
                            reason = f"{len(fields)} field(s) where the source has {expected} column(s)"
                            rejects.append(Reject(url, line, reason, raw_text(raw.encode())))
                        else:
                            named = zip(source.columns, fields, strict=True)
                            texts = {n: None if f == source.null_as else f for n, f in named}
                            out.write(json.dumps({"_file": index, "_line": line, **texts}) + "\n")
            rejects += refused_values(source, files, values, required)
        return sorted(rejects, key=lambda r: ([u for u, _ in files].index(r.url), r.line or 0))

    def without(self, source: CsvSource, files: Files, rejects: list[Reject], scratch: Path) -> Files:
        """Copies without the rejected records (each written as it was read, the header kept)."""
        bad: dict[str, set[int]] = {}
        for reject in rejects:
            bad.setdefault(reject.url, set()).add(reject.line or 0)
        kept = []
        for index, (url, path) in enumerate(files):
            if url not in bad:
                kept.append((url, path))
                continue
            clean = scratch / f"clean-{index:06d}.csv"
            with clean.open("w", encoding="utf-8", newline="") as out:
                out.writelines(raw for line, raw, _ in _records(source, path) if line not in bad[url])
            kept.append((url, clean))
        return kept


def reader(source: CsvSource, paths: list[str]) -> exp.Func:
    """read_csv of the files with the source's dialect, every field read as text (by position: the source's
    column names, not the header's)."""
    options = {
        "header": exp.Boolean(this=source.header),
        "delim": exp.Literal.string(source.delimiter),
        "quote": exp.Literal.string(source.quote),
        "escape": exp.Literal.string(source.quote),
        "nullstr": exp.Literal.string(source.null_as),
        "auto_detect": exp.false(),
        "columns": exp.Struct(
            expressions=[
                exp.PropertyEQ(this=exp.Literal.string(n), expression=exp.Literal.string("VARCHAR"))
                for n in source.columns
            ]
        ),
    }
    kwargs = [exp.Kwarg(this=exp.var(k), expression=v) for k, v in options.items()]
    return exp.func("read_csv", exp.array(*map(exp.Literal.string, paths)), *kwargs)


def _records(source: CsvSource, path: Path) -> Iterator[tuple[int, str, list[str] | csv.Error]]:
    """Each record of a (UTF-8) file, the header first if it has one: its first line, its text as written, and
    its fields or why it is not well formed. Blank lines are skipped."""
    with _open(path, "utf-8") as text:
        consumed: list[str] = []

        def lines() -> Iterator[str]:
            for line in text:
                consumed.append(line)
                yield line

        records = csv.reader(lines(), delimiter=source.delimiter, quotechar=source.quote, strict=True)
        first = 1
        while True:
            try:
                fields: list[str] | csv.Error = next(records)
            except StopIteration:
                return
            except csv.Error as error:
                fields = error
            raw = "".join(consumed)
            consumed.clear()
            if raw.strip():
                yield first, raw, fields
            first = records.line_num + 1


def _data(source: CsvSource, path: Path) -> Iterator[tuple[int, str, list[str] | csv.Error]]:
    """The records after the header."""
    records = _records(source, path)
    if source.header:
        next(records, None)
    return records


def _open(path: Path, encoding: str) -> IO[str]:
    if path.suffix == ".gz":
        return gzip.open(path, "rt", encoding=encoding, errors="replace", newline="")
    return path.open(encoding=encoding, errors="replace", newline="")
