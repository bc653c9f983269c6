"""What one stage step loads: the source's objects for the interval and, for the engines that read files, their
local copies and the query that reads them. Found by `warehouse.sources.resolve`; the step's statements are built
from the batch alone."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlglot import exp

from warehouse.interval import Interval
from warehouse.results import Reject
from warehouse.sources.objects import SourceObject
from warehouse.spec import FileSource


@dataclass(frozen=True)
class Rule:
    """A value refused: the condition (true for a refused row) and the reason, naming the column."""

    refused: exp.Expression
    reason: str


@dataclass(frozen=True)
class Keyed:
    """A table that holds one row per key of a source's rows: the source columns of its key and of its other
    columns (two rows of one key with other values are resolved by the load, and warned about)."""

    table: str
    key: list[str]
    values: list[str]


@dataclass(frozen=True)
class Needs:
    """What the tables that read a source need of its rows (warehouse/sql/required.py)."""

    required: list[Rule] = field(default_factory=list)
    keyed: list[Keyed] = field(default_factory=list)


@dataclass(frozen=True)
class Where:
    """Where a stage step finds its objects and writes its files."""

    spec: str
    interval: Interval
    interval_key: str
    variables: dict[str, str]
    files_root: str | None  # the spec's staging_location, resolved: manifests and database extracts go under it
    s3_client: Callable[[], Any]
    connection: Callable[[str], Any]  # a database source's connection id → a read-only Target, unopened
    needs: Callable[[str], Needs] = lambda source: Needs()  # what the tables need of a source's rows

    def extract_prefix(self, source: str) -> str:
        if self.files_root is None:
            raise ValueError(f"source {source!r} is extracted to files: the spec needs a staging_location")
        return f"{self.files_root}/extracts/{source}/{self.interval_key}"

    def manifest_url(self, source: str) -> str | None:
        return f"{self.files_root}/manifests/{source}/{self.interval_key}.manifest" if self.files_root else None

    def scratch(self, source: str) -> Path:
        """Where local copies of a source's S3 objects go for this interval (the same path in plan and run)."""
        return Path(tempfile.gettempdir()) / "warehouse" / self.spec / self.interval_key / source


@dataclass
class Batch:
    source: str
    staged_as: FileSource  # how it stages (a database source: as the JSON of its extract)
    objects: list[SourceObject]
    manifest_url: str | None = None
    files: list[tuple[str, Path]] = field(default_factory=list)  # (url, local copy), for engines that read files
    keys: dict[str, str] = field(default_factory=dict)  # column → the JSON key that fills it
    rows: exp.Query | None = None  # the local copies' rows as the source's columns, read by an in-process DuckDB
    notes: list[str] = field(default_factory=list)  # for the plan: the objects, the extract
    warnings: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    excluded: list[Reject] = field(default_factory=list)  # rows set aside: the files are copies without them
    extract_kind: str | None = None  # a database source's extract: "full" or "changes"
    required: list[Rule] = field(default_factory=list)  # what its rows must hold for the tables that read them

    @property
    def urls(self) -> list[str]:
        return [o.url for o in self.objects]
