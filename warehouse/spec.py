"""The star-schema spec: pydantic models of the YAML, loaded with file:line:column in every error."""

from __future__ import annotations

import hashlib
import json
import os
import string
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, model_validator

from warehouse.spec_errors import NAME_PATTERN, problem_of
from warehouse.yamlfile import KeyPath, Problem, SpecError, YamlDocument, display_path, load_yaml

if TYPE_CHECKING:
    from sqlglot import exp

    from warehouse.sql.transforms import Compiled

Name = Annotated[str, Field(pattern=NAME_PATTERN)]
Encoding = Literal[
    "raw",
    "az64",
    "bytedict",
    "delta",
    "delta32k",
    "lzo",
    "mostly8",
    "mostly16",
    "mostly32",
    "runlength",
    "text255",
    "text32k",
    "zstd",
]
TEMPLATE_DATE_FIELD = "day"
UNITS = {"m": "minutes", "h": "hours", "d": "days"}
VAR_PREFIX = "WAREHOUSE_VAR_"  # WAREHOUSE_VAR_DATA_ROOT overrides the var data_root
STAGING = "staging"  # how SQL files name a source's staged rows: staging.<source>
CACHE_VERSION = "2"  # bump when the deep checks change what they accept or return


class SpecModel(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class Column(SpecModel):
    """A column: `name: int` for short, or `name: {type: int, nullable: false, description: ...}`."""

    type: str = Field(
        description="Redshift type: smallint, int, bigint, decimal(p,s), real, "
        "double precision, boolean, char(n), varchar(n), varchar(max), date, timestamp, timestamptz"
    )
    nullable: bool = True
    description: str = ""
    encode: Encoding | None = Field(None, description="Redshift compression encoding")

    @model_validator(mode="before")
    @classmethod
    def _short_form(cls, data: Any) -> Any:
        return {"type": data} if isinstance(data, str) else data

    @property
    def datatype(self) -> exp.DataType:
        from warehouse.sql.types import parse_type

        return parse_type(self.type)


Columns = dict[Name, Column]


class JsonSource(SpecModel):
    """Newline-delimited JSON objects in S3 or a local directory with the same layout."""

    format: Literal["json"]
    description: str = ""
    location: str = Field(
        description="Object key template. With {day:...} fields the source is partitioned by day and a run "
        "stages exactly its interval's objects; without, it is a prefix and a run stages the objects "
        "not loaded before. Other fields name vars, e.g. {data_root}."
    )
    match: Literal["auto", "ignorecase"] = Field(
        "auto",
        description="How JSON keys map to columns: exactly, or ignoring case (COPY 'auto ignorecase').",
    )
    timeformat: Literal["auto", "epochsecs", "epochmillisecs"] = Field(
        "auto", description="How timestamp columns are written in the data (COPY TIMEFORMAT)."
    )
    on_missing: Literal["error", "empty"] = Field(
        "error",
        description="A day with no object: fail the run, or load nothing for it (reported either way).",
    )
    on_bad_rows: Literal["fail", "reject"] = Field(
        "fail",
        description="A bad row (not JSON, a wrong type, too long for its column): fail the run naming file and "
        "line, or set it aside in ledger.rejects with the reason and load the rest.",
    )
    columns: Columns

    @property
    def partitioned(self) -> bool:
        return TEMPLATE_DATE_FIELD in template_fields(self.location)


class PostgresSource(SpecModel):
    """Rows of a table (or query) in an operational PostgreSQL database, extracted incrementally."""

    format: Literal["postgres"]
    description: str = ""
    connection: str = Field(description="Airflow connection id (or AIRFLOW_CONN_<ID> in the environment).")
    table: str | None = Field(None, description="schema.table to extract; or give `query`.")
    query: str | None = Field(None, description="A SELECT to extract instead of a table.")
    incremental_column: str = Field(description="Rows whose value falls in the interval are extracted.")
    on_bad_rows: Literal["fail", "reject"] = "fail"
    columns: Columns

    @model_validator(mode="after")
    def _table_or_query(self) -> PostgresSource:
        if (self.table is None) == (self.query is None):
            raise ValueError("give exactly one of `table` and `query`")
        return self


Source = Annotated[JsonSource | PostgresSource, Field(discriminator="format")]


class CheckBase(SpecModel):
    severity: Literal["error", "warn"] = Field("error", description="`error` fails the run; `warn` reports.")


class StagedCount(SpecModel):
    source: Name = Field(description="The source whose staged rows are counted.")
    where: str | None = Field(None, description="A condition on the source's columns (Redshift SQL).")
    tolerance: float = Field(0.0, ge=0, description="Allowed difference, as a fraction of the staged count.")


class RowCountCheck(CheckBase):
    min: int | None = Field(None, ge=0)
    max: int | None = Field(None, ge=0)
    staged: StagedCount | None = Field(None, description="Compare with this interval's staged rows.")


class ColumnsCheck(CheckBase):
    columns: list[Name] = Field(min_length=1)


class ReferencesCheck(CheckBase):
    columns: list[Name] = Field(min_length=1, description="Columns that must match a row of `to` (NULLs pass).")
    to: Name = Field(description="The referenced table.")
    to_columns: list[Name] | None = Field(None, description="The referenced columns (default: the key of `to`).")


class AcceptedValuesCheck(CheckBase):
    column: Name
    values: list[str | int | float | bool] = Field(min_length=1)


class FreshnessCheck(CheckBase):
    column: Name = Field(description="A time column.")
    max_age: str = Field(pattern=r"^\d+\s*[mhd]$", description="e.g. 90m, 36h, 2d: before the interval's end.")

    @property
    def age(self) -> timedelta:
        amount, unit = int(self.max_age[:-1]), self.max_age.strip()[-1]
        return timedelta(**{UNITS[unit]: amount})


class SqlCheck(CheckBase):
    name: Name = Field(description="How reports call the check.")
    query: str = Field(
        description="A SQL file (relative to the spec) whose SELECT returns the offending rows; it may use "
        ":interval_start and :interval_end."
    )


class Check(SpecModel):
    """One check: exactly one of its kinds, e.g. `- not_null: {columns: [user_id]}`; its rows are the failures."""

    row_count: RowCountCheck | None = None
    not_null: ColumnsCheck | None = None
    unique: ColumnsCheck | None = None
    references: ReferencesCheck | None = None
    accepted_values: AcceptedValuesCheck | None = None
    freshness: FreshnessCheck | None = None
    sql: SqlCheck | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> Check:
        if len(self.model_fields_set) != 1:
            raise ValueError(f"give exactly one check kind: {', '.join(Check.model_fields)}")
        return self

    @property
    def kind(self) -> str:
        (name,) = self.model_fields_set
        return name

    @property
    def options(self) -> CheckBase:
        return getattr(self, self.kind)


class DistKey(SpecModel):
    key: Name


class Table(SpecModel):
    description: str = ""
    select: str = Field(description="The SELECT (Redshift SQL) that produces the rows, relative to this file.")
    key: list[Name] = Field(min_length=1, description="Columns that identify a row.")
    columns: Columns
    distribution: Literal["auto", "even", "all"] | DistKey = "auto"
    sort: list[Name] = Field(default_factory=list, description="Redshift compound sort key.")
    checks: list[Check] = Field(default_factory=list)

    @property
    def column_names(self) -> list[str]:
        return list(self.columns)


class Dimension(Table):
    load: Literal["upsert", "replace"] = Field(
        "upsert", description="upsert: merge by key; replace: rebuild the whole table from each run's rows."
    )
    latest_by: Name | None = Field(
        None, description="Column that orders versions of a row: the newest wins, across runs too."
    )


class Fact(Table):
    time_column: Name = Field(description="Each run replaces the rows whose time falls in its interval.")


class Connections(SpecModel):
    warehouse: str = Field("redshift_default", description="Connection id (or URL) of the warehouse.")
    aws: str = Field("aws_default", description="Connection id for S3.")


class EmailNotice(SpecModel):
    to: list[str] = Field(min_length=1, description="Addresses to tell.")
    connection: str = Field("smtp_default", description="Airflow SMTP connection: server, login, sender.")
    from_email: str | None = Field(None, description="Sender (default: the connection's).")


class WebhookNotice(SpecModel):
    connection: str = Field(description="Airflow HTTP connection: the base URL (and credentials) to POST to.")
    endpoint: str = Field("", description="Path after the connection's URL.")


class Notify(SpecModel):
    """Who is told when a run fails (a failed check of severity `error` included), through Airflow's notifiers."""

    email: EmailNotice | None = None
    webhook: WebhookNotice | None = Field(None, description="A JSON POST, e.g. to a Slack incoming webhook.")

    @model_validator(mode="after")
    def _some(self) -> Notify:
        if self.email is None and self.webhook is None:
            raise ValueError("give `email`, `webhook` or both")
        return self


class Spec(SpecModel):
    name: Name
    description: str = ""
    owner: str | None = Field(None, description="Owner of the DAG's tasks in Airflow (default: Airflow's).")
    notify: Notify | None = Field(None, description="Who is told when a run fails.")
    schedule: Literal["@hourly", "@daily", "@weekly", "@monthly", "@yearly"] = "@daily"
    start_date: date
    end_date: date | None = None
    catchup: bool = False
    retries: int = Field(1, ge=0)
    retry_delay_minutes: int = Field(5, ge=0)
    tags: list[str] = Field(default_factory=list)
    warehouse_schema: Name | None = Field(None, alias="schema", description="Schema of the tables.")
    staging_schema: Name = "staging"
    staging_location: str | None = Field(
        None,
        description="Where runs write files: COPY manifests and extracts of database sources. A template, e.g. "
        "{staging_root}; an s3:// prefix for Redshift, or a local directory.",
    )
    vars: dict[Name, str] = Field(default_factory=dict, description="Defaults for {var} fields; --var overrides.")
    connections: Connections = Field(default_factory=Connections)
    sources: dict[Name, Source]
    dimensions: dict[Name, Dimension] = Field(default_factory=dict)
    facts: dict[Name, Fact] = Field(default_factory=dict)

    _file: Path = PrivateAttr()
    _document: YamlDocument = PrivateAttr()
    _compiled: Compiled | None = PrivateAttr(None)
    _depends: dict[str, dict[str, list[str]]] = PrivateAttr(default_factory=dict)

    @property
    def file(self) -> Path:
        return self._file

    def resolve(self, path: str) -> Path:
        """A path written in the spec: relative to the spec's own directory."""
        return self.file.parent / path

    @property
    def tables(self) -> dict[str, Dimension | Fact]:
        return {**self.dimensions, **self.facts}

    @property
    def sql(self) -> Compiled:
        """Every SQL of the spec, parsed and checked (on first use: the DAG file never needs it)."""
        if self._compiled is None:
            from warehouse.sql.transforms import compile_sql

            self._compiled = compile_sql(self, self._document)
        return self._compiled

    def select_of(self, table: str) -> exp.Query:
        """The validated SELECT of a table, as written (logical table names)."""
        return self.sql.selects[table]

    def depends_on(self, table: str) -> list[str]:
        """Sources (`staging.<name>`) and tables that a table's SELECT reads, in a stable order."""
        return self._depends["tables"][table]

    def checks_depend_on(self, table: str) -> list[str]:
        """Other tables that a table's checks read (references, custom SQL)."""
        return self._depends["checks"][table]

    def variables(self, overrides: dict[str, str] | None = None) -> dict[str, str]:
        """The vars: the spec's defaults, then WAREHOUSE_VAR_<NAME> from the environment, then `overrides`."""
        unknown = sorted(set(overrides or {}) - set(self.vars))
        if unknown:
            raise ValueError(f"unknown var(s) {', '.join(unknown)} (the spec's vars: {', '.join(self.vars)})")
        resolved = {name: os.environ.get(f"{VAR_PREFIX}{name.upper()}", value) for name, value in self.vars.items()}
        return resolved | (overrides or {})

    def retry_delay(self) -> timedelta:
        return timedelta(minutes=self.retry_delay_minutes)


def template_fields(template: str) -> list[str]:
    """Field names of a `{name}` / `{day:%Y}` template."""
    return [field for _, field, _, _ in string.Formatter().parse(template) if field is not None]


def load_spec(path: Path | str) -> Spec:
    """Load and validate a spec and its SQL files; raise SpecError listing every problem.

    The checks that need sqlglot (column types, the SQL files) run once per content of the spec and its SQL
    files: their outcome is cached, so loading an unchanged spec (as the DAG file does) stays cheap."""
    path = Path(path)
    document = load_yaml(path, display=display_path(path))
    if not isinstance(document.data, dict):
        raise SpecError([document.problem((), "a spec is a mapping of keys such as name, sources, dimensions")])
    try:
        spec = Spec.model_validate(document.data)
    except ValidationError as error:
        raise SpecError([problem_of(Spec, document, e) for e in error.errors()]) from None
    spec._file, spec._document = path, document
    problems = _cross_check(spec, document)
    if problems:
        raise SpecError(problems)
    spec._depends = cached(_fingerprint(spec), lambda: _deep_check(spec, document))
    return spec


def _deep_check(spec: Spec, document: YamlDocument) -> dict[str, dict[str, list[str]]]:
    """Column types and SQL: parse and check them; return what the tables and their checks read."""
    from warehouse.sql.types import parse_type

    problems = []
    for path, column in _all_columns(spec):
        try:
            parse_type(column.type)
        except ValueError as error:
            problems.append(document.problem((*path, "type"), str(error)))
    if problems:
        raise SpecError(problems)
    compiled = spec.sql
    return {"tables": compiled.depends, "checks": compiled.check_depends}


def _check_files(spec: Spec) -> set[str]:
    return {c.sql.query for t in spec.tables.values() for c in t.checks if c.sql}


def _all_columns(spec: Spec) -> list[tuple[KeyPath, Column]]:
    found: list[tuple[KeyPath, Column]] = []
    for section, owners in (("sources", spec.sources), ("dimensions", spec.dimensions), ("facts", spec.facts)):
        for owner, item in owners.items():
            found += [((section, owner, "columns", name), col) for name, col in item.columns.items()]
    return found


def _fingerprint(spec: Spec) -> str:
    """A digest of everything the deep checks read: the spec, its SQL files and this library's version."""
    digest = hashlib.sha256(CACHE_VERSION.encode())
    digest.update(spec.file.read_bytes())
    for path in sorted({t.select for t in spec.tables.values()} | _check_files(spec)):
        digest.update(path.encode() + b"\0" + spec.resolve(path).read_bytes())
    return digest.hexdigest()


def cached(key: str, compute: Callable[[], dict]) -> dict:
    """`compute()`, remembered in $WAREHOUSE_CACHE_DIR (default ~/.cache/warehouse) by `key`; failures are
    never cached, and an unwritable cache only costs the recomputation."""
    folder = Path(os.environ.get("WAREHOUSE_CACHE_DIR") or Path.home() / ".cache" / "warehouse")
    entry = folder / f"spec-{key}.json"
    try:
        return json.loads(entry.read_text())
    except (OSError, ValueError):
        pass
    value = compute()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        partial = entry.with_suffix(f".{os.getpid()}.partial")
        partial.write_text(json.dumps(value))
        os.replace(partial, entry)
    except OSError:
        pass
    return value


def _cross_check(spec: Spec, doc: YamlDocument) -> list[Problem]:
    """What pydantic cannot see alone: names that must refer to declared columns, tables and vars."""
    problems: list[Problem] = []

    def need(path: KeyPath, name: str, allowed: list[str], what: str) -> None:
        problems.extend(_unknown(doc, path, name, allowed, what))

    allowed_fields = [*spec.vars, TEMPLATE_DATE_FIELD]
    for field in template_fields(spec.staging_location or ""):
        need(("staging_location",), field, list(spec.vars), "template field")
    for source_name, source in spec.sources.items():
        if isinstance(source, JsonSource):
            for field in template_fields(source.location):
                need(("sources", source_name, "location"), field, allowed_fields, "template field")
        else:
            need(
                ("sources", source_name, "incremental_column"),
                source.incremental_column,
                list(source.columns),
                "column",
            )
    overlap = set(spec.dimensions) & set(spec.facts)
    for name in sorted(overlap):
        problems.append(doc.problem(("facts", name), f"{name!r} is both a dimension and a fact"))
    for section, tables in (("dimensions", spec.dimensions), ("facts", spec.facts)):
        for name, table in tables.items():
            at = (section, name)
            columns = table.column_names
            for i, key in enumerate(table.key):
                need((*at, "key", i), key, columns, "key column")
                if key in table.columns and table.columns[key].nullable:
                    why = "a NULL key would never match, and would load again on every rerun"
                    message = f"key column {key!r} must be nullable: false ({why})"
                    problems.append(doc.problem((*at, "columns", key), message))
            for i, column in enumerate(table.sort):
                need((*at, "sort", i), column, columns, "sort column")
            if isinstance(table.distribution, DistKey):
                need((*at, "distribution", "key"), table.distribution.key, columns, "distribution key")
            if isinstance(table, Dimension) and table.latest_by:
                need((*at, "latest_by"), table.latest_by, columns, "column")
            if isinstance(table, Fact):
                need((*at, "time_column"), table.time_column, columns, "time column")
            for i, check in enumerate(table.checks):
                problems += _check_names(spec, doc, (*at, "checks", i, check.kind), check, columns)
            if not spec.resolve(table.select).is_file():
                problems.append(doc.problem((*at, "select"), f"SQL file not found: {table.select}"))
    return problems


def _unknown(doc: YamlDocument, path: KeyPath, name: str, allowed: list[str], what: str) -> list[Problem]:
    """A problem if `name` is not among `allowed`, listing them."""
    if name in allowed:
        return []
    return [doc.problem(path, f"{what} {name!r} is not one of: {', '.join(allowed)}")]


def _check_names(spec: Spec, doc: YamlDocument, at: KeyPath, check: Check, columns: list[str]) -> list[Problem]:
    """The names a check refers to: its columns, a referenced table and its columns, a source, a SQL file."""
    found: list[Problem] = []

    def need(path: KeyPath, name: str, allowed: list[str], what: str) -> None:
        found.extend(_unknown(doc, path, name, allowed, what))

    options = check.options
    for j, name in enumerate(getattr(options, "columns", [])):
        need((*at, "columns", j), name, columns, "column")
    if hasattr(options, "column"):
        need((*at, "column"), options.column, columns, "column")
    if isinstance(options, ReferencesCheck):
        need((*at, "to"), options.to, list(spec.tables), "table")
        if options.to in spec.tables:
            target = spec.tables[options.to]
            to_columns = options.to_columns or target.key
            for j, name in enumerate(to_columns):
                need((*at, "to_columns", j), name, target.column_names, f"column of {options.to}")
            if len(to_columns) != len(options.columns):
                found.append(doc.problem(at, f"{len(options.columns)} column(s) cannot reference {len(to_columns)}"))
    if isinstance(options, RowCountCheck) and options.staged:
        need((*at, "staged", "source"), options.staged.source, list(spec.sources), "source")
    if isinstance(options, SqlCheck) and not spec.resolve(options.query).is_file():
        found.append(doc.problem((*at, "query"), f"SQL file not found: {options.query}"))
    return found
