"""Finding a stage step's batch: listing or extracting the interval's objects, local copies of them for the
engines that read files, and the keys the data really uses."""

from __future__ import annotations

import fcntl
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from warehouse.results import Reject
from warehouse.sources import jsonlines
from warehouse.sources.batch import Batch, Where
from warehouse.sources.database import as_json_source, extract, extract_kind, extract_query
from warehouse.sources.files import interval_objects, location, new_objects
from warehouse.sources.formats import file_format
from warehouse.sources.objects import ObjectStore, SourceObject, store_for
from warehouse.sources.values import refusing
from warehouse.spec import CsvSource, FileSource, JsonSource, ParquetSource, PostgresSource, Source
from warehouse.targets import engine_named


@contextmanager
def resolved(
    name: str,
    source: Source,
    where: Where,
    *,
    reads_files: bool,
    loaded: set[tuple[str, str]] | None = None,
    dry: bool = False,
) -> Iterator[Batch]:
    """The batch of a source for the interval, its local copies removed afterwards. `loaded`: a prefix source's
    objects loaded before (None: all of them count as new); `dry`: nothing is extracted (a database source shows
    its first part), as `warehouse plan` needs."""
    scratch = where.scratch(name)
    with _held(scratch):
        try:
            batch = _objects(name, source, where, loaded, dry)
            batch.warnings += _duplicated(batch.objects)
            if reads_files and batch.objects:
                _local_copies(batch, where, scratch, download=not dry or reads_content(batch.staged_as))
            yield batch
        finally:
            shutil.rmtree(scratch, ignore_errors=True)


@contextmanager
def _held(scratch: Path) -> Iterator[None]:
    """The scratch folder for this process alone: its path is the same in the plan and the run (the plan shows
    the local copies a run reads), so another process staging the same source and interval waits for it."""
    scratch.parent.mkdir(parents=True, exist_ok=True)
    with open(scratch.with_name(f".{scratch.name}.lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def reads_content(source: FileSource) -> bool:
    """Whether the query that reads the files depends on what they hold (keys in any case, Parquet's column
    names, UTF-8 copies of CSV in another encoding): a plan then reads them too, to show the query a run runs."""
    if isinstance(source, JsonSource):
        return source.match == "ignorecase"
    return isinstance(source, ParquetSource) or (isinstance(source, CsvSource) and source.encoding != "utf8")


def _objects(name: str, source: Source, where: Where, loaded: set | None, dry: bool) -> Batch:
    if isinstance(source, PostgresSource):
        return _extracted(name, source, where, extract_kind(source, loaded), dry)
    store = store_for(location(source, where.variables, where.interval.start.date()), where.s3_client)
    batch = Batch(name, source, [], where.manifest_url(name))
    if source.partitioned:
        batch.objects, missing = interval_objects(source, where.variables, where.interval, store)
        if missing and source.on_missing == "error":
            raise FileNotFoundError(f"source {name!r}: no object for {', '.join(missing)} (on_missing: error)")
        batch.warnings += [f"no object for {url}: loaded as empty (on_missing: empty)" for url in missing]
    else:
        prefix = location(source, where.variables)
        batch.objects = new_objects(store.list(prefix), loaded or set())
        if not batch.objects and not loaded:
            batch.warnings.append(f"no object under {prefix}")
    batch.notes = [f"{len(batch.objects)} object(s)", *(f"  {url}" for url in batch.urls)]
    return batch


def _extracted(name: str, source: PostgresSource, where: Where, kind: str, dry: bool) -> Batch:
    """A database source's extract (`kind`: full or changes) to files under the run's files; staged like JSON."""
    prefix = where.extract_prefix(name)
    staged_as = as_json_source(source, prefix)
    query = extract_query(source, where.interval, engine_named("postgres"), kind).sql(dialect="postgres")
    notes = [f"extract ({kind}) from {source.connection} to {prefix}/part-NNNN.json.gz: {query}"]
    if dry:
        predicted = [SourceObject(f"{prefix}/part-0000.json.gz", 0, "")]
        return Batch(name, staged_as, predicted, where.manifest_url(name), notes=notes, extract_kind=kind)
    store = store_for(prefix, where.s3_client)
    objects, rows = extract(source, where.connection(source.connection), where.interval, store, prefix, kind)
    batch = Batch(
        name, staged_as, objects, where.manifest_url(name), notes=notes, counts={"extracted": rows}, extract_kind=kind
    )
    if not rows:
        span = f"before {where.interval.end:%Y-%m-%d %H:%M}" if kind == "full" else f"changed in {where.interval}"
        batch.warnings.append(f"no row of {source.table or 'the query'} {span}")
    return batch


def _local_copies(batch: Batch, where: Where, scratch: Path, download: bool) -> None:
    """Local copies of the objects (S3 ones downloaded into `scratch`), the keys the data uses and the query that
    reads them."""
    store: ObjectStore = store_for(batch.urls[0], where.s3_client)
    paths = store.local_paths(batch.objects, scratch, download=download)
    reading = file_format(batch.staged_as)
    batch.files = list(zip(batch.urls, paths, strict=True))
    batch.keys, clash = {c: c for c in batch.staged_as.columns}, False
    if download:
        batch.files = reading.local(batch.staged_as, batch.files, scratch)
        batch.keys, unused, clash = reading.keys(batch.staged_as, batch.files)
        batch.warnings += unused
        batch.warnings += [
            f"{url}: empty object (0 bytes): nothing staged from it" for url, p in batch.files if _empty(p)
        ]
    needs = where.needs(batch.source)
    batch.required = needs.required
    if download and isinstance(batch.staged_as, JsonSource):
        batch.warnings += jsonlines.conflicts(batch.files, batch.keys, needs.keyed)
    batch.rows = refusing(
        reading.rows(batch.staged_as, [str(p) for _, p in batch.files], batch.keys, clash), batch.required
    )


def _empty(path: Path) -> bool:
    return path.stat().st_size == 0


def diagnosed(batch: Batch) -> list[Reject]:
    """Every bad row of a batch's local copies, after the engine refused them."""
    return file_format(batch.staged_as).diagnose(batch.staged_as, batch.files, batch.required)


def without(batch: Batch, rejects: list[Reject], scratch: Path) -> Batch:
    """The same batch staged from copies of its files without the rejected rows."""
    scratch.mkdir(parents=True, exist_ok=True)
    reading = file_format(batch.staged_as)
    files = reading.without(batch.staged_as, batch.files, rejects, scratch)
    kept = Batch(**{**batch.__dict__, "files": files, "excluded": rejects})
    paths = [str(p) for _, p in kept.files]
    kept.rows = refusing(reading.rows(kept.staged_as, paths, kept.keys), kept.required) if paths else None
    return kept


def _duplicated(objects: list[SourceObject]) -> list[str]:
    """Objects with the same content as an earlier one: their rows are loaded once per key."""
    first: dict[tuple[str, int], str] = {}
    warnings = []
    for obj in objects:
        seen = first.setdefault((obj.version, obj.size), obj.url)
        if seen != obj.url:
            warnings.append(f"{obj.url} has the same content as {seen}: its rows merge by key")
    return warnings
