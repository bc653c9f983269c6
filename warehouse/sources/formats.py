"""How the engines that stage from local files (DuckDB, PostgreSQL) read a file source: one `FileFormat` per
`format:` of the spec, chosen from a table (JSON, CSV, Parquet). Each builds the query an in-process DuckDB reads
the files with, casting every value by one set of rules (`warehouse.sources.values`), and finds the bad rows by
file and line when that query is refused."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

from sqlglot import exp

from warehouse.results import Reject
from warehouse.sources import csvfiles, jsonlines, parquetfiles
from warehouse.sources.batch import Rule
from warehouse.spec import FileSource

Files = list[tuple[str, Path]]  # (url, local copy)


class FileFormat(Protocol):
    def local(self, source: FileSource, files: Files, scratch: Path) -> Files:
        """Copies DuckDB reads, where the objects themselves will not do (CSV in UTF-16: UTF-8 copies)."""
        ...

    def keys(self, source: FileSource, files: Files) -> tuple[dict[str, str], list[str], bool]:
        """The field that fills each column, warnings about the data's fields, and whether a record holds two
        fields that would fill one column."""
        ...

    def rows(self, source: FileSource, paths: list[str], keys: dict[str, str], clash: bool = False) -> exp.Query:
        """The files' rows as the source's columns; a value its column refuses stops the read, as does any row
        when a record holds two fields for one column (`clash`)."""
        ...

    def diagnose(self, source: FileSource, files: Files, required: Sequence[Rule] = ()) -> list[Reject]:
        """Every bad row of the files, by file and line, with the reason (a `required` rule broken too)."""
        ...

    def without(self, source: FileSource, files: Files, rejects: list[Reject], scratch: Path) -> Files:
        """Copies (in `scratch`) of the files that hold rejected rows, without them."""
        ...


class JsonFiles:
    """Newline-delimited JSON (warehouse.sources.jsonlines)."""

    def local(self, source: FileSource, files: Files, scratch: Path) -> Files:
        return files

    def keys(self, source: FileSource, files: Files) -> tuple[dict[str, str], list[str], bool]:
        return jsonlines.keys_of(source, files)

    def rows(self, source: FileSource, paths: list[str], keys: dict[str, str], clash: bool = False) -> exp.Query:
        return jsonlines.rows(source, paths, keys, clash)

    def diagnose(self, source: FileSource, files: Files, required: Sequence[Rule] = ()) -> list[Reject]:
        return jsonlines.diagnose(source, files, required)

    def without(self, source: FileSource, files: Files, rejects: list[Reject], scratch: Path) -> Files:
        return jsonlines.without(files, rejects, scratch)


FORMATS: dict[str, FileFormat] = {
    "json": JsonFiles(),
    "csv": csvfiles.CsvFiles(),
    "parquet": parquetfiles.ParquetFiles(),
}


def file_format(source: FileSource) -> FileFormat:
    return FORMATS[source.format]
