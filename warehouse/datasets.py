"""A run's datasets as OpenLineage names them (https://openlineage.io/docs/spec/naming): a namespace for the
instance and a name within it. Tables: the target's namespace (`Engine.dataset_namespace`) and
`database.schema.table`; JSON sources: `s3://<bucket>` and the key prefix of their location, or `file` and the
absolute path; database sources: their database's namespace and `database.schema.table`. Plain data, with no
Airflow or OpenLineage import: the operators (`plugins/operators/lineage.py`) turn it into facets."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from warehouse.compile import Project
from warehouse.docs.lineage import ColumnLineage, trace
from warehouse.docs.model import gather
from warehouse.results import CheckResult
from warehouse.spec import STAGING, JsonSource, PostgresSource
from warehouse.targets import engine_name, engine_named


@dataclass(frozen=True)
class Dataset:
    namespace: str
    name: str

    @property
    def asset_uri(self) -> str:
        """The Airflow asset of the same name: `<namespace>/<database>/<schema>/<table>` (for PostgreSQL and
        Redshift, the providers turn it back into this namespace and name)."""
        return f"{self.namespace}/{self.name.replace('.', '/')}"


@dataclass(frozen=True)
class Load:
    """What a load step reads and writes: its output table, its inputs, and for each output column the input
    columns it is computed from (the data dictionary's lineage, traced with sqlglot)."""

    output: Dataset
    inputs: list[Dataset]
    columns: dict[str, list[tuple[Dataset, str]]] = field(default_factory=dict)


@dataclass(frozen=True)
class Assertion:
    """A check's result, as OpenLineage's data quality assertion: the check's name, whether it passed, its
    severity, its column when it has one."""

    assertion: str
    success: bool
    severity: str
    column: str | None = None


def table(url: str, schema: str | None, name: str) -> Dataset:
    """A warehouse table of the target at `url`."""
    engine = engine_named(engine_name(url))
    namespace, database = engine.dataset_namespace(url)
    return Dataset(namespace, f"{database}.{schema or engine.default_schema}.{name}")


def source(project: Project, name: str, variables: dict[str, str], url_of: Callable[[str], str]) -> Dataset:
    """A source's raw data: a JSON source's location up to its first day field (the objects it reads are under
    it), or a database source's table (`url_of`: a connection id's URL)."""
    item = project.spec.sources[name]
    if isinstance(item, PostgresSource):
        url = url_of(item.connection)
        schema, _, table_name = (item.table or f".{name}").rpartition(".")
        return table(url, schema or None, table_name)
    assert isinstance(item, JsonSource)
    prefix = item.location.split("{day")[0].format(**project.spec.variables(variables))
    if prefix.startswith("s3://"):
        parts = urlsplit(prefix)
        return Dataset(f"s3://{parts.netloc}", parts.path.strip("/"))
    return Dataset("file", Path(project.spec.resolve(prefix)).resolve().as_posix())


def load(project: Project, name: str, url: str, variables: dict[str, str], url_of: Callable[[str], str]) -> Load:
    """The datasets of the step that loads table `name` into the target at `url`."""
    schema = project.spec.warehouse_schema

    def dataset(reference: str) -> tuple[Dataset, str]:
        """`staging.<source>.<column>` or `<table>.<column>` → the dataset and the column."""
        *owner, column = reference.split(".")
        if owner[0] == STAGING:
            return source(project, owner[1], variables, url_of), column
        return table(url, schema, owner[0]), column

    lineage = _traced(project)[name]
    columns = {column: [dataset(i) for i in traced.inputs] for column, traced in lineage.items()}
    inputs = list(dict.fromkeys(d for fields in columns.values() for d, _ in fields))
    return Load(table(url, schema, name), inputs, columns)


_TRACED: dict[str, dict[str, dict[str, ColumnLineage]]] = {}  # by the spec's fingerprint: traced once a process


def _traced(project: Project) -> dict[str, dict[str, ColumnLineage]]:
    if project.fingerprint not in _TRACED:
        _TRACED[project.fingerprint] = trace(gather(project.spec.file))
    return _TRACED[project.fingerprint]


def assertions(project: Project, name: str, results: list[CheckResult]) -> list[Assertion]:
    """The checks a step ran on table `name` (not those it could not run), as assertions, each with its column
    when it checks one."""
    options = {check.label: check.options for check in project.spec.tables[name].checks}

    def column(label: str) -> str | None:
        found = getattr(options.get(label), "columns", None) or [getattr(options.get(label), "column", None)]
        return found[0] if len(found) == 1 else None

    return [Assertion(r.name, r.passed, r.severity, column(r.name)) for r in results if not r.skipped]
