"""Parquet objects read by an in-process DuckDB (`read_parquet`), for the engines that stage from files. Redshift's
COPY puts a Parquet file's columns into the table's by position, and refuses a file with another number of
columns (https://docs.aws.amazon.com/redshift/latest/dg/copy-usage_notes-copy-from-columnar.html): so do these
engines, whatever the files' column names. Each value is read as text and cast by the rule every format follows
(`warehouse.sources.values`), so that a string too long for its column, or a number out of its range, is refused alike.

DuckDB matches the columns of several files by name; files are therefore grouped by their column names and each
group read by its own names, in order."""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from pathlib import Path

from sqlglot import exp

from warehouse.results import Reject
from warehouse.sources.batch import Rule
from warehouse.sources.jsonlines import refused_values
from warehouse.sources.reader import file_reader
from warehouse.sources.values import value
from warehouse.spec import ParquetSource
from warehouse.sql.names import column, ident

Files = list[tuple[str, Path]]
PAGE = "https://docs.aws.amazon.com/redshift/latest/dg/copy-usage_notes-copy-from-columnar.html"


class ParquetFiles:
    def local(self, source: ParquetSource, files: Files, scratch: Path) -> Files:
        return files

    def keys(self, source: ParquetSource, files: Files) -> tuple[dict[str, str], list[str], bool]:
        """Refuse a file whose number of columns is not the source's (COPY would)."""
        for url, path in files:
            found = len(_names(str(path)))
            if found != len(source.columns):
                raise ValueError(
                    f"{url}: {found} column(s) where the source has {len(source.columns)}: COPY fills a table "
                    f"from Parquet by position and needs as many ({PAGE})"
                )
        return {c: c for c in source.columns}, [], False

    def rows(self, source: ParquetSource, paths: list[str], keys: dict[str, str], clash: bool = False) -> exp.Query:
        """Each group of files with the same column names, its columns taken in order; the groups' rows together."""
        selects = [
            exp.select(
                *(
                    exp.alias_(value(name, col, _text(field), source.timeformat), ident(name))
                    for (name, col), field in zip(source.columns.items(), names, strict=True)
                )
            ).from_(_reader(group))
            for names, group in _groups(paths).items()
        ]
        query: exp.Query = selects[0]
        for other in selects[1:]:
            query = exp.union(query, other, distinct=False)
        return query

    def diagnose(self, source: ParquetSource, files: Files, required: Sequence[Rule] = ()) -> list[Reject]:
        """The values the casts refuse, by file and row (counted from 1)."""
        index = {str(path): i for i, (_, path) in enumerate(files)}
        with tempfile.TemporaryDirectory(prefix="warehouse-diagnose-") as scratch:
            values = Path(scratch) / "values.json"
            parts = []
            for names, group in _groups(list(index)).items():
                ids = exp.Case(
                    ifs=[
                        exp.If(this=column("filename").eq(exp.Literal.string(p)), true=exp.Literal.number(index[p]))
                        for p in group
                    ]
                )
                texts = [
                    exp.alias_(_text(field), ident(name)) for name, field in zip(source.columns, names, strict=True)
                ]
                parts.append(
                    exp.select(
                        ids.as_("_file"),
                        (column("file_row_number") + exp.Literal.number(1)).as_("_line"),
                        *texts,
                    ).from_(_reader(group, located=True))
                )
            query: exp.Query = parts[0]
            for other in parts[1:]:
                query = exp.union(query, other, distinct=False)
            written = exp.Copy(
                this=query.subquery(),
                kind=False,
                files=[exp.Literal.string(str(values))],
                params=[exp.CopyParameter(this=exp.var("FORMAT"), expression=exp.var("json"))],
            )
            with file_reader() as connection:
                connection.execute(written.sql("duckdb"))
            return refused_values(source, files, values, required)

    def without(self, source: ParquetSource, files: Files, rejects: list[Reject], scratch: Path) -> Files:
        raise ValueError("a Parquet source has no on_bad_rows: reject (COPY of Parquet takes no MAXERROR)")


def _names(path: str) -> list[str]:
    """A file's column names, in order."""
    query = exp.Describe(this=exp.select("*").from_(_reader([path])))
    with file_reader() as connection:
        return [row[0] for row in connection.execute(query.sql("duckdb")).fetchall()]


def _groups(paths: list[str]) -> dict[tuple[str, ...], list[str]]:
    groups: dict[tuple[str, ...], list[str]] = {}
    for path in paths:
        groups.setdefault(tuple(_names(path)), []).append(path)
    return groups


def _text(name: str) -> exp.Expression:
    return exp.cast(column(name), exp.DataType.build("varchar"))


def _reader(paths: list[str], located: bool = False) -> exp.Func:
    """read_parquet of the files (with each row's file and row number, `located`)."""
    options = [exp.Kwarg(this=exp.var(k), expression=exp.true()) for k in ("filename", "file_row_number") if located]
    return exp.func("read_parquet", exp.array(*map(exp.Literal.string, paths)), *options)
