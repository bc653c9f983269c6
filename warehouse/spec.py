"""The star-schema spec: pydantic models of the YAML, loaded with file:line:column in every error."""

from __future__ import annotations

import os
import string
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, field_validator, model_validator

from warehouse.interval import PRESETS, Timetable, is_cron
from warehouse.spec_errors import NAME_PATTERN, problem_of
from warehouse.yamlfile import KeyPath, Problem, SpecError, YamlDocument, display_path, load_yaml

if TYPE_CHECKING:
    from sqlglot import exp

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
VAR_PREFIX = "WAREHOUSE_VAR_"  # WAREHOUSE_VAR_DATA_ROOT overrides the var data_root (of every spec)
STAGING = "staging"  # how SQL files name a source's staged rows: staging.<source>


class SpecModel(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class Column(SpecModel):
    """A column: `name: int` for short, or `name: {type: int, nullable: false, description: ...}`."""

    type: str = Field(
        description="Redshift type: smallint, int, bigint, decimal(p,s), real, "
        "double precision, boolean, char(n), varchar(n), varchar(max), date, timestamp, timestamptz"
    )
    nullable: bool = Field(True, description="false: NOT NULL (a key column must be)")
    description: str = Field("", description="What the column holds, for analysts (COMMENT ON COLUMN, the docs)")
    encode: Encoding | None = Field(None, description="Redshift compression encoding")
    renamed_from: Name | None = Field(
        None, description="The column's name before a rename: `warehouse migrate` renames it, keeping its data"
    )

    @model_validator(mode="before")
    @classmethod
    def _short_form(cls, data: Any) -> Any:
        return {"type": data} if isinstance(data, str) else data

    @classmethod
    def __get_pydantic_json_schema__(cls, core_schema: Any, handler: Any) -> dict[str, Any]:
        """Either form: the type alone (`user_id: int`) or the mapping."""
        short = {"type": "string", "description": "The type alone, e.g. varchar(256) (nullable, no description)."}
        return {"anyOf": [short, handler(core_schema)]}

    @property
    def datatype(self) -> exp.DataType:
        from warehouse.sql.types import parse_type

        return parse_type(self.type)


Columns = dict[Name, Column]
TimeFormat = Literal["auto", "epochsecs", "epochmillisecs"]


class FileSource(SpecModel):
    """Objects in S3 or a local directory with the same layout: what every file format shares."""

    format: str = Field(description="The objects' format.")  # each format's model narrows it (first key shown)
    description: str = Field("", description="What the source holds (the docs show it).")
    location: str = Field(
        description="Object key template. With {day:...} fields the source is partitioned by day and a run "
        "stages exactly its interval's objects; without, it is a prefix and a run stages the objects "
        "not loaded before. Other fields name vars, e.g. {data_root}. Objects named .gz are gzip-compressed."
    )
    on_missing: Literal["error", "empty"] = Field(
        "error",
        description="A day with no object: fail the run, or load nothing for it (reported either way).",
    )
    on_bad_rows: Literal["fail", "reject"] = Field(
        "fail",
        description="A bad row (not well formed, a wrong type, too long for its column): fail the run naming file "
        "and line, or set it aside in ledger.rejects with the reason and load the rest.",
    )
    columns: Columns = Field(description="The values loaded, as columns: `name: type` or `name: {type, ...}`.")

    @property
    def partitioned(self) -> bool:
        return TEMPLATE_DATE_FIELD in template_fields(self.location)


class JsonSource(FileSource):
    """Newline-delimited JSON objects, matched to columns by key."""

    format: Literal["json"] = Field(description="Newline-delimited JSON objects.")
    match: Literal["auto", "ignorecase"] = Field(
        "auto",
        description="How JSON keys map to columns: exactly, or ignoring case (COPY 'auto ignorecase').",
    )
    timeformat: TimeFormat = Field("auto", description="How timestamp columns are written (COPY TIMEFORMAT).")


class CsvSource(FileSource):
    """Delimited text (RFC 4180 CSV by default), matched to columns by position: the first field fills the first
    column, as COPY ... CSV loads a column list."""

    format: Literal["csv"] = Field(description="Delimited text, one record a line (quoted fields may span lines).")
    header: bool = Field(True, description="The first line of each object names the fields and is skipped.")
    delimiter: str = Field(",", min_length=1, max_length=1, description="The one character between fields.")
    quote: str = Field(
        '"', min_length=1, max_length=1, description="The character quoting a field; doubled inside one."
    )
    null_as: str = Field("", description="The text of a NULL field, quoted or not (COPY NULL AS); default: empty.")
    encoding: Literal["utf8", "utf16", "utf16le", "utf16be"] = Field(
        "utf8", description="The objects' character encoding (COPY ENCODING); utf16 starts with a byte-order mark."
    )
    timeformat: TimeFormat = Field("auto", description="How timestamp columns are written (COPY TIMEFORMAT).")

    @model_validator(mode="after")
    def _distinct_characters(self) -> CsvSource:
        if self.delimiter == self.quote:
            raise ValueError("`delimiter` and `quote` must differ")
        if any(c in self.null_as for c in (self.delimiter, self.quote, "\n", "\r")):
            raise ValueError("`null_as` cannot contain the delimiter, the quote or a line break")
        return self


class ParquetSource(FileSource):
    """Parquet files, matched to columns by position: Redshift's COPY puts the file's columns into the table's in
    order, and the counts must be equal."""

    format: Literal["parquet"] = Field(description="Parquet files (compressed inside: snappy, gzip, zstd...).")
    on_bad_rows: Literal["fail"] = Field(
        "fail",
        description="A value its column refuses fails the run, naming file and row: Redshift's COPY of Parquet "
        "takes no MAXERROR, so there is no `reject`.",
    )

    @property
    def timeformat(self) -> str:
        """Parquet's timestamps are typed: read as written."""
        return "auto"


class PostgresSource(SpecModel):
    """Rows of a table (or query) in an operational PostgreSQL database, extracted incrementally."""

    format: Literal["postgres"] = Field(description="Rows of a table or query in a PostgreSQL database.")
    description: str = Field("", description="What the source holds (the docs show it).")
    connection: str = Field(description="Airflow connection id (or AIRFLOW_CONN_<ID> in the environment).")
    table: str | None = Field(None, description="schema.table to extract; or give `query`.")
    query: str | None = Field(None, description="A SELECT to extract instead of a table.")
    incremental_column: str = Field(description="Rows whose value falls in the interval are extracted.")
    initial_load: Literal["full", "none"] = Field(
        "full",
        description="full: the source's first load into a target, and --full-refresh, extract every row whose "
        "incremental column is before the interval's end (later intervals extract their changes); none: every "
        "load extracts only its interval's changes.",
    )
    on_bad_rows: Literal["fail", "reject"] = Field(
        "fail", description="A row the columns' types refuse: fail the run, or set it aside in ledger.rejects."
    )
    columns: Columns = Field(description="The columns extracted, each cast to its type by the database.")

    @model_validator(mode="after")
    def _table_or_query(self) -> PostgresSource:
        if (self.table is None) == (self.query is None):
            raise ValueError("give exactly one of `table` and `query`")
        return self


Source = Annotated[JsonSource | CsvSource | ParquetSource | PostgresSource, Field(discriminator="format")]


class CheckBase(SpecModel):
    severity: Literal["error", "warn"] = Field("error", description="`error` fails the run; `warn` reports.")


AGGREGATES = ("row_count", "freshness")  # checks of a table as a whole: on a dimension, of every row by default


class ScopedCheck(CheckBase):
    scope: Literal["keys", "table"] | None = Field(
        None,
        description="The rows checked. A dimension's: `keys`, those whose key the run's load touched (the default, "
        "but for row_count and freshness), or `table`, every row. A fact's: its interval's rows (the default), or "
        "`table`, every row.",
    )


class StagedCount(SpecModel):
    source: Name = Field(description="The source whose staged rows are counted.")
    where: str | None = Field(None, description="A condition on the source's columns (Redshift SQL).")
    tolerance: float = Field(0.0, ge=0, description="Allowed difference, as a fraction of the staged count.")


class RowCountCheck(ScopedCheck):
    min: int | None = Field(None, ge=0, description="Fewest rows allowed.")
    max: int | None = Field(None, ge=0, description="Most rows allowed.")
    staged: StagedCount | None = Field(None, description="Compare with this interval's staged rows.")


class ColumnsCheck(ScopedCheck):
    columns: list[Name] = Field(min_length=1, description="The columns checked.")


class ReferencesCheck(ScopedCheck):
    columns: list[Name] = Field(min_length=1, description="Columns that must match a row of `to` (NULLs pass).")
    to: Name = Field(description="The referenced table.")
    to_columns: list[Name] | None = Field(None, description="The referenced columns (default: the key of `to`).")


class AcceptedValuesCheck(ScopedCheck):
    column: Name = Field(description="The column checked.")
    values: list[str | int | float | bool] = Field(min_length=1, description="Every value allowed (NULL passes).")


class FreshnessCheck(ScopedCheck):
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


@dataclass(frozen=True)
class ForeignKey:
    """`table.columns` references `to.to_columns`, the key of `to` (from a `references` check)."""

    table: str
    columns: tuple[str, ...]
    to: str
    to_columns: tuple[str, ...]

    @property
    def name(self) -> str:
        """The constraint's name (it stays the table's when a deep copy or rebuild renames its new table)."""
        return f"{self.table}__{'_'.join(self.columns)}__fk"


class HistoryCheck(ScopedCheck):
    """Added to every scd2 dimension: its versions tile time per key."""


class Check(SpecModel):
    """One check: exactly one of its kinds, e.g. `- not_null: {columns: [user_id]}`; its rows are the failures."""

    row_count: RowCountCheck | None = Field(None, description="The number of rows is within bounds.")
    not_null: ColumnsCheck | None = Field(None, description="The columns are never NULL.")
    unique: ColumnsCheck | None = Field(None, description="No combination of the columns repeats.")
    references: ReferencesCheck | None = Field(None, description="Every non-NULL value has a row in another table.")
    accepted_values: AcceptedValuesCheck | None = Field(None, description="A column's values are in a list.")
    freshness: FreshnessCheck | None = Field(None, description="The newest time is recent enough.")
    sql: SqlCheck | None = Field(None, description="A SQL file's SELECT returns no rows.")
    history: HistoryCheck | None = Field(
        None,
        description="An scd2 dimension's versions: none overlapping, one current per key, each valid_to the next "
        "valid_from (every scd2 dimension has it; give it to change its severity).",
    )

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

    def scope(self, table: Table) -> str:
        """The rows the check reads: `keys` (a dimension's touched keys), `table` (every row) or `interval` (a
        fact's rows of the interval, or those a merged fact's run merged); a custom SQL check reads what it says."""
        given = getattr(self.options, "scope", None)
        if isinstance(table, Fact):
            return given or "interval"
        return given or ("table" if self.kind in (*AGGREGATES, "sql") else "keys")

    @property
    def label(self) -> str:
        """A short name, e.g. `not_null(user_id, level)`, `row_count(min=1)`, `references(user_id → users)`."""
        o: Any = self.options
        labels: dict[str, Callable[[], str]] = {
            "row_count": lambda: ", ".join(
                [f"{b}={getattr(o, b)}" for b in ("min", "max") if getattr(o, b) is not None]
                + ([f"staged {o.staged.source}"] if o.staged else [])
            ),
            "references": lambda: f"{', '.join(o.columns)} → {o.to}",
            "accepted_values": lambda: f"{o.column} in {len(o.values)} value(s)",
            "freshness": lambda: f"{o.column} within {o.max_age}",
            "sql": lambda: o.name,
            "history": lambda: "valid_from, valid_to, is_current",
        }
        return f"{self.kind}({labels.get(self.kind, lambda: ', '.join(o.columns))()})"


class DistKey(SpecModel):
    key: Name = Field(description="The column whose value places a row on a Redshift slice (DISTKEY).")


class Table(SpecModel):
    description: str = Field("", description="What a row is, for analysts (COMMENT ON TABLE, the docs).")
    select: str = Field(description="The SELECT (Redshift SQL) that produces the rows, relative to this file.")
    key: list[Name] = Field(min_length=1, description="Columns that identify a row.")
    columns: Columns = Field(description="Every column the SELECT produces: `name: type` or `name: {type, ...}`.")
    distribution: Literal["auto", "even", "all"] | DistKey = Field(
        "auto", description="Redshift DISTSTYLE: auto, even, all, or {key: column} (ignored elsewhere)."
    )
    sort: list[Name] = Field(default_factory=list, description="Redshift compound sort key.")
    checks: list[Check] = Field(default_factory=list, description="Checks run after each load; see the README.")

    @property
    def column_names(self) -> list[str]:
        return list(self.columns)

    @property
    def filled(self) -> list[str]:
        """The columns the loader fills (the SELECT does not produce them)."""
        return []

    @property
    def primary_key(self) -> list[str]:
        """The columns declared as the primary key (on Redshift): the key."""
        return list(self.key)

    @property
    def selected(self) -> list[str]:
        """The columns the SELECT produces."""
        return [n for n in self.columns if n not in self.filled]


HISTORY_COLUMNS = {  # what an scd2 dimension adds to its columns, besides its surrogate key
    "valid_from": Column(type="timestamp", nullable=False, description="When this version starts (latest_by)"),
    "valid_to": Column(type="timestamp", description="When the next version starts; NULL for the current one"),
    "is_current": Column(type="boolean", nullable=False, description="The current version of its key"),
    "is_inferred": Column(type="boolean", nullable=False, description="A placeholder a fact created for a key not "
                          "loaded yet; completed in place (same surrogate key) when its rows arrive"),
}  # fmt: skip


class Dimension(Table):
    load: Literal["upsert", "replace"] = Field(
        "upsert", description="upsert: merge by key; replace: rebuild the whole table from each run's rows."
    )
    latest_by: Name | None = Field(
        None, description="Column that orders versions of a row: the newest wins, across runs too."
    )
    history: Literal["scd1", "scd2"] = Field(
        "scd1",
        description="scd1: one row per key (upsert); scd2: a version per change of the tracked columns, "
        "from latest_by, with valid_from, valid_to, is_current, is_inferred and a surrogate key.",
    )
    tracked: list[Name] = Field(
        default_factory=list,
        description="scd2: a change in these opens a new version; other columns take their newest value on "
        "every version.",
    )
    surrogate_key: Name | None = Field(
        None, description="scd2: the bigint column the loader adds and fills (a hash of key and valid_from)."
    )
    _declared: dict[str, Column] = PrivateAttr(default_factory=dict)

    @model_validator(mode="after")
    def _history_columns(self) -> Dimension:
        """An scd2 dimension holds its surrogate key and history columns; its own columns are nullable in the
        warehouse (its unknown member has no key, an inferred member only a key): `declared` keeps them as
        written."""
        self._declared = dict(self.columns)
        if self.history == "scd2" and self.surrogate_key:
            added = {self.surrogate_key: Column(type="bigint", nullable=False, description="Surrogate key")}
            nullable = {n: c.model_copy(update={"nullable": True}) for n, c in self.columns.items()}
            self.columns = {**nullable, **added, **HISTORY_COLUMNS}
            if not any(c.kind == "history" for c in self.checks):
                self.checks = [*self.checks, Check(history=HistoryCheck())]
        return self

    @property
    def declared(self) -> dict[str, Column]:
        """The columns as the spec writes them."""
        return self._declared

    @property
    def scd2(self) -> bool:
        return self.history == "scd2"

    @property
    def filled(self) -> list[str]:
        return [self.surrogate_key or "", *HISTORY_COLUMNS] if self.scd2 else []

    @property
    def primary_key(self) -> list[str]:
        """An scd2 dimension's versions are identified by their surrogate key."""
        return [self.surrogate_key] if self.scd2 and self.surrogate_key else list(self.key)


class Lookup(SpecModel):
    """A fact column that receives the surrogate key of a dimension's version valid at the fact's time."""

    dimension: Name = Field(description="The scd2 dimension looked up.")
    on: dict[Name, Name] = Field(description="Fact column: dimension key column, for every key column.")
    at: Name = Field(description="The fact column whose time picks the version valid then.")
    as_: Name = Field(alias="as", description="The fact column (bigint) that receives the version's surrogate key.")


class Fact(Table):
    load: Literal["replace", "merge"] | None = Field(
        None,
        description="replace (the default with a time_column): each run replaces the rows whose time falls in its "
        "interval; merge (the default without one): each run's rows replace the rows with the same key, whatever "
        "interval loaded them, the newest by latest_by.",
    )
    time_column: Name | None = Field(
        None, description="The fact's time: a run that replaces by time replaces the rows of its interval."
    )
    latest_by: Name | None = Field(
        None, description="Column that orders versions of a row: the newest wins, across runs too (merge)."
    )
    lookups: list[Lookup] = Field(
        default_factory=list, description="Surrogate keys of scd2 dimensions' versions valid at the fact's time."
    )

    @property
    def filled(self) -> list[str]:
        return [lookup.as_ for lookup in self.lookups]

    @model_validator(mode="after")
    def _by_key_without_time(self) -> Fact:
        if self.load is None:
            self.load = "replace" if self.time_column else "merge"
        return self


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

    email: EmailNotice | None = Field(None, description="An e-mail through an Airflow SMTP connection.")
    webhook: WebhookNotice | None = Field(None, description="A JSON POST, e.g. to a Slack incoming webhook.")

    @model_validator(mode="after")
    def _some(self) -> Notify:
        if self.email is None and self.webhook is None:
            raise ValueError("give `email`, `webhook` or both")
        return self


class Spec(SpecModel):
    name: Name = Field(description="The spec's name: its DAG id and the ledger's `spec`.")
    description: str = Field("", description="What the warehouse holds (the DAG's and the docs' text).")
    owner: str | None = Field(None, description="Owner of the DAG's tasks in Airflow (default: Airflow's).")
    notify: Notify | None = Field(None, description="Who is told when a run fails.")
    schedule: str = Field(
        "@daily",
        description="One run per period: @hourly, @daily, @weekly, @monthly, @yearly, or a cron expression "
        "(minute hour day-of-month month day-of-week, e.g. '0 3 * * *') whose consecutive ticks bound the intervals.",
    )
    timezone: str = Field("UTC", description="The timezone the schedule is read in (an IANA name, e.g. Europe/Paris).")
    start_date: date = Field(description="The first interval's day (Airflow's start_date).")
    end_date: date | None = Field(None, description="No interval after this day (Airflow's end_date).")
    catchup: bool = Field(False, description="Whether Airflow schedules the intervals missed since start_date.")
    retries: int = Field(1, ge=0, description="How often Airflow retries a failed step.")
    retry_delay_minutes: int = Field(5, ge=0, description="Minutes between retries.")
    on_schema_change: Literal["fail", "migrate"] = Field(
        "fail",
        description="When the warehouse's tables differ from the spec: fail before moving data (the default), or "
        "apply the additive changes (new tables, columns, longer varchars) and load; other changes always need "
        "`warehouse migrate`.",
    )
    tags: list[str] = Field(default_factory=list, description="The DAG's tags.")
    warehouse_schema: Name | None = Field(None, alias="schema", description="Schema of the tables.")
    staging_schema: Name = Field("staging", description="Schema of the per-interval staging tables.")
    staging_location: str | None = Field(
        None,
        description="Where runs write files: COPY manifests and extracts of database sources. A template, e.g. "
        "{staging_root}; an s3:// prefix for Redshift, or a local directory.",
    )
    vars: dict[Name, str] = Field(default_factory=dict, description="Defaults for {var} fields; --var overrides.")
    connections: Connections = Field(default_factory=Connections, description="Airflow connection ids.")
    sources: dict[Name, Source] = Field(description="Raw data, by name: JSON, CSV or Parquet files, or database rows.")
    dimensions: dict[Name, Dimension] = Field(default_factory=dict, description="Dimension tables, by name.")
    facts: dict[Name, Fact] = Field(default_factory=dict, description="Fact tables, by name.")

    _file: Path = PrivateAttr()
    _document: YamlDocument = PrivateAttr()

    @property
    def file(self) -> Path:
        return self._file

    @property
    def document(self) -> YamlDocument:
        """The YAML as loaded, with the position of every key and value (for problems found later)."""
        return self._document

    def resolve(self, path: str) -> Path:
        """A path written in the spec: relative to the spec's own directory."""
        return self.file.parent / path

    @property
    def tables(self) -> dict[str, Dimension | Fact]:
        return {**self.dimensions, **self.facts}

    def foreign_keys(self, name: str) -> list[ForeignKey]:
        """The table's `references` checks that may be declared as foreign keys: those of severity `error` (a run
        fails when a row breaks one) whose referenced columns are the referenced table's key."""
        found = []
        for check in self.tables[name].checks:
            ref = check.references
            if ref is None or ref.severity != "error" or ref.to not in self.tables:
                continue
            key = self.tables[ref.to].primary_key
            to_columns = ref.to_columns or list(self.tables[ref.to].key)
            if sorted(to_columns) == sorted(key):
                found.append(ForeignKey(name, tuple(ref.columns), ref.to, tuple(to_columns)))
        return found

    def referencing(self, name: str) -> list[ForeignKey]:
        """The foreign keys of other tables that reference `name`."""
        return [fk for other in self.tables if other != name for fk in self.foreign_keys(other) if fk.to == name]

    def section(self, table: str) -> str:
        """Where a table is declared: `dimensions` or `facts`."""
        return "facts" if table in self.facts else "dimensions"

    def sql_files(self) -> set[str]:
        """Every SQL file the spec names (SELECTs and custom checks), as written."""
        checks = {c.sql.query for t in self.tables.values() for c in t.checks if c.sql}
        return {t.select for t in self.tables.values()} | checks

    def all_columns(self) -> list[tuple[KeyPath, Column]]:
        """Every declared column with its place in the YAML."""
        found: list[tuple[KeyPath, Column]] = []
        for section, owners in (("sources", self.sources), ("dimensions", self.dimensions), ("facts", self.facts)):
            for owner, item in owners.items():
                found += [((section, owner, "columns", name), col) for name, col in item.columns.items()]
        return found

    def variables(self, overrides: dict[str, str] | None = None) -> dict[str, str]:
        """The vars: the spec's defaults, then WAREHOUSE_VAR_<NAME> (every spec's), then
        WAREHOUSE_<SPEC>_VAR_<NAME> (this spec's) from the environment, then `overrides`."""
        unknown = sorted(set(overrides or {}) - set(self.vars))
        if unknown:
            raise ValueError(f"unknown var(s) {', '.join(unknown)} (the spec's vars: {', '.join(self.vars)})")
        mine = f"WAREHOUSE_{self.name.upper()}_VAR_"
        resolved = {
            name: os.environ.get(f"{mine}{name.upper()}") or os.environ.get(f"{VAR_PREFIX}{name.upper()}", value)
            for name, value in self.vars.items()
        }
        return resolved | (overrides or {})

    def retry_delay(self) -> timedelta:
        return timedelta(minutes=self.retry_delay_minutes)

    @property
    def timetable(self) -> Timetable:
        """The schedule in its timezone: what places intervals, in the CLI and the DAG alike."""
        return Timetable(self.schedule, self.timezone)

    @field_validator("schedule")
    @classmethod
    def _preset_or_cron(cls, value: str) -> str:
        if value not in PRESETS and not is_cron(value):
            presets = ", ".join(repr(p) for p in PRESETS)
            raise ValueError(f"{value!r} is not one of: {presets}, nor a five-field cron expression")
        return value

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ValueError, ZoneInfoNotFoundError):
            raise ValueError(f"unknown timezone {value!r} (an IANA name such as UTC or Europe/Paris)") from None
        return value


def template_fields(template: str) -> list[str]:
    """Field names of a `{name}` / `{day:%Y}` template."""
    return [field for _, field, _, _ in string.Formatter().parse(template) if field is not None]


def load_spec(path: Path | str) -> Spec:
    """Load and validate a spec (its YAML and the names it refers to); raise SpecError listing every problem.
    Its types and SQL are checked when it is compiled (`warehouse.compile`)."""
    spec, problems = read_spec(path)
    if problems:
        raise SpecError(problems)
    return spec


def read_spec(path: Path | str) -> tuple[Spec, list[Problem]]:
    """A spec and the problems of the names it refers to; raise SpecError if its YAML or structure is wrong."""
    path = Path(path)
    document = load_yaml(path, display=display_path(path))
    if not isinstance(document.data, dict):
        raise SpecError([document.problem((), "a spec is a mapping of keys such as name, sources, dimensions")])
    try:
        spec = Spec.model_validate(document.data)
    except ValidationError as error:
        raise SpecError([problem_of(Spec, document, e) for e in error.errors()]) from None
    spec._file, spec._document = path, document
    return spec, _cross_check(spec, document)


def _cross_check(spec: Spec, doc: YamlDocument) -> list[Problem]:
    """What pydantic cannot see alone: names that must refer to declared columns, tables and vars."""
    problems: list[Problem] = []

    def need(path: KeyPath, name: str, allowed: list[str], what: str) -> None:
        problems.extend(_unknown(doc, path, name, allowed, what))

    allowed_fields = [*spec.vars, TEMPLATE_DATE_FIELD]
    for field in template_fields(spec.staging_location or ""):
        need(("staging_location",), field, list(spec.vars), "template field")
    for source_name, source in spec.sources.items():
        if isinstance(source, FileSource):
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
            declared = table.declared if isinstance(table, Dimension) else table.columns
            for i, key in enumerate(table.key):
                need((*at, "key", i), key, columns, "key column")
                if key in declared and declared[key].nullable:
                    why = "a NULL key would never match, and would load again on every rerun"
                    message = f"key column {key!r} must be nullable: false ({why})"
                    problems.append(doc.problem((*at, "columns", key), message))
            for i, column in enumerate(table.sort):
                need((*at, "sort", i), column, columns, "sort column")
            if isinstance(table.distribution, DistKey):
                need((*at, "distribution", "key"), table.distribution.key, columns, "distribution key")
            if table.latest_by:
                need((*at, "latest_by"), table.latest_by, columns, "column")
            if isinstance(table, Fact) and table.time_column:
                need((*at, "time_column"), table.time_column, columns, "time column")
            if isinstance(table, Fact) and table.load == "replace" and not table.time_column:
                why = "a fact replaced by time needs a time_column (or load: merge, by key)"
                problems.append(doc.problem((*at, "load"), why))
            if isinstance(table, Dimension):
                problems += _history_problems(doc, at, table)
            if isinstance(table, Fact):
                problems += _lookup_problems(spec, doc, at, table)
            for i, check in enumerate(table.checks):
                problems += _check_names(spec, doc, (*at, "checks", i, check.kind), check, columns)
                if isinstance(table, Fact) and getattr(check.options, "scope", None) == "keys":
                    why = "scope: keys is for dimensions: a fact's checks read its interval's rows (scope: table: all)"
                    problems.append(doc.problem((*at, "checks", i, check.kind, "scope"), why))
            if not spec.resolve(table.select).is_file():
                problems.append(doc.problem((*at, "select"), f"SQL file not found: {table.select}"))
    return problems


def _history_problems(doc: YamlDocument, at: KeyPath, table: Dimension) -> list[Problem]:
    """An scd2 dimension names its tracked columns, latest_by and a new surrogate key; scd1 takes none of them."""
    declared = list(table.declared)
    if not table.scd2:
        given = [(k,) for k in ("tracked", "surrogate_key") if getattr(table, k)]
        given += [("checks", i) for i, c in enumerate(table.checks) if c.kind == "history"]
        return [doc.problem((*at, *k), f"{k[0]} is for history: scd2") for k in given]
    problems = [
        p for i, c in enumerate(table.tracked) for p in _unknown(doc, (*at, "tracked", i), c, declared, "column")
    ]
    for needed in ("tracked", "latest_by", "surrogate_key"):
        if not getattr(table, needed):
            problems.append(doc.problem((*at, "history"), f"history: scd2 needs {needed}"))
    taken = [n for n in (table.surrogate_key, *HISTORY_COLUMNS) if n in table.declared]
    problems += [doc.problem((*at, "columns", n), f"{n!r} is a column the scd2 loader adds") for n in taken]
    return problems


def _lookup_problems(spec: Spec, doc: YamlDocument, at: KeyPath, fact: Fact) -> list[Problem]:
    """Each lookup names an scd2 dimension, every key column of it, the fact's time column and a bigint column."""
    problems: list[Problem] = []
    columns = fact.column_names
    for i, lookup in enumerate(fact.lookups):
        here = (*at, "lookups", i)
        dimension = spec.dimensions.get(lookup.dimension)
        if dimension is None or not dimension.scd2:
            scd2 = [n for n, d in spec.dimensions.items() if d.scd2]
            problems += _unknown(doc, (*here, "dimension"), lookup.dimension, scd2, "scd2 dimension")
            continue
        for fact_column, key in lookup.on.items():
            problems += _unknown(doc, (*here, "on", fact_column), fact_column, columns, "column")
            problems += _unknown(doc, (*here, "on", fact_column), key, dimension.key, "key column")
        if sorted(lookup.on.values()) != sorted(dimension.key):
            problems.append(doc.problem((*here, "on"), f"on must match every key column of {lookup.dimension}"))
        problems += _unknown(doc, (*here, "at"), lookup.at, columns, "column")
        problems += _unknown(doc, (*here, "as"), lookup.as_, columns, "column")
        if lookup.as_ in fact.columns and fact.columns[lookup.as_].type.lower() != "bigint":
            problems.append(doc.problem((*here, "as"), f"{lookup.as_!r} receives a surrogate key: declare it bigint"))
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
