"""The engines that read the objects' files themselves (DuckDB, PostgreSQL): local copies, DuckDB's JSON reader
(`jsonlines`), and the diagnosis of refused rows. Each engine only says where the rows go."""

from __future__ import annotations

from abc import abstractmethod
from pathlib import Path

import duckdb
from sqlglot import exp

from warehouse.sources.objects import ObjectStore, SourceObject
from warehouse.spec import JsonSource
from warehouse.targets import jsonlines
from warehouse.targets.base import DataError, Reject, Staged, Target


class FileReadingTarget(Target):
    def stage_json(
        self,
        table: exp.Table,
        source: JsonSource,
        objects: list[SourceObject],
        store: ObjectStore,
        scratch: Path,
        manifest_url: str | None = None,
        exclude: tuple[Reject, ...] = (),
    ) -> Staged:
        if not objects:
            return Staged()
        files = jsonlines.without(self.local_files(objects, store, scratch), list(exclude), scratch)
        try:
            rows, warnings = self._load_files(table, source, files, scratch)
        except (duckdb.ConversionException, duckdb.InvalidInputException) as error:
            raise DataError(str(error).splitlines()[0]) from error
        return Staged(rows=rows, objects=len(objects), rejects=list(exclude), warnings=warnings)

    def diagnose(
        self, source: JsonSource, objects: list[SourceObject], store: ObjectStore, scratch: Path
    ) -> list[Reject]:
        return jsonlines.diagnose(source, self.local_files(objects, store, scratch))

    def local_files(self, objects: list[SourceObject], store: ObjectStore, scratch: Path) -> list[tuple[str, Path]]:
        """Each object with a local copy of it (S3 objects are downloaded into `scratch`)."""
        return list(zip([o.url for o in objects], store.local_paths(objects, scratch), strict=True))

    @abstractmethod
    def _load_files(
        self, table: exp.Table, source: JsonSource, files: list[tuple[str, Path]], scratch: Path
    ) -> tuple[int, list[str]]:
        """Load the files' rows into the staging table; return the rows loaded and any warnings."""
