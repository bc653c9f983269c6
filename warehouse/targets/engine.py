"""An engine: what one warehouse engine does differently, as class attributes plus small overrides (as sqlglot's
dialect classes and SQLMesh's engine adapters do). It needs no connection: plans and DDL are printed from it, and
a target (a connection) runs what it builds. Callers never branch on an engine's name."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar

from sqlglot import exp

from warehouse.sql.names import ident
from warehouse.sql.statement import Action, Statement
from warehouse.sql.types import max_bytes

if TYPE_CHECKING:
    from warehouse.sources.batch import Batch


class Engine:
    name: ClassVar[str]  # the sqlglot dialect
    default_schema: ClassVar[str] = "public"
    create_like: ClassVar[bool] = True  # CREATE TEMP TABLE x (LIKE t) keeps the target's layout
    table_properties: ClassVar[bool] = False  # DISTSTYLE, DISTKEY, SORTKEY, ENCODE
    informational_keys: ClassVar[bool] = False  # PRIMARY KEY is declared for the planner but not enforced
    byte_order: ClassVar[str | None] = None  # the collation that sorts text by bytes, where the default may not
    unlogged_staging: ClassVar[bool] = False  # staging tables can skip the write-ahead log (a rerun rebuilds them)
    staging_backup: ClassVar[bool] = True  # staging tables are in the engine's backups (Redshift: BACKUP NO if not)
    indexes: ClassVar[bool] = False  # keys and fact times need an index (no zone maps or sort keys to prune with)
    lock_template: ClassVar[str | None] = None  # how a transaction takes tables for itself ("{}": the tables)
    locks_every_table: ClassVar[bool] = False  # lock every table a transaction touches (else those it publishes)
    analyze: ClassVar[bool] = False  # the planner needs ANALYZE of the tables a step fills (no automatic statistics)
    advisory_locks: ClassVar[bool] = False  # named session-level locks: setup and each interval's steps (a run's)
    single_writer: ClassVar[bool] = False  # one process may write the database at a time (a step: one transaction)
    reads_files: ClassVar[bool] = True  # stages from local copies of the objects, read by DuckDB's JSON reader
    row_to_json: ClassVar[str] = "row_to_json"  # as a database source: the function that turns a row into JSON
    alterations: ClassVar[frozenset[str]] = frozenset(  # changes (warehouse.migrate) ALTER TABLE makes in place
        {"add_column", "add_required_column", "widen_varchar", "widen_type", "narrow_type", "set_not_null",
         "drop_not_null", "rename_column", "drop_column", "change_key", "description"}
    )  # fmt: skip
    alone: ClassVar[frozenset[str]] = frozenset()  # those of them that cannot run inside a transaction block

    def column_type(self, datatype: exp.DataType) -> exp.DataType:
        """The type to declare for a spec type. PostgreSQL counts characters, not bytes: the byte limit Redshift
        enforces is checked when staging, on every engine."""
        size = max_bytes(datatype)
        if size is None:
            return datatype.copy()
        return exp.DataType.build(f"{datatype.this.name.lower()}({size})")

    def lock(self, tables: list[exp.Table]) -> list[Statement]:
        """Take the tables for this transaction, where concurrent writers would otherwise collide (two MERGEs
        inserting the same new key; serializable isolation errors): writers of a table queue up. The caller
        gives them in one fixed order (`warehouse.steps`), so that two transactions never wait for each other."""
        if self.lock_template is None or not tables:
            return []
        names = ", ".join(t.sql(dialect=self.name) for t in tables)
        head, _, rest = self.lock_template.format(names).partition(" ")
        return [Statement(exp.Command(this=head, expression=exp.Literal.string(rest)))]

    def statistics(self, table: exp.Table) -> list[Statement]:
        """What keeps the planner's statistics of a table the step just filled current, where the engine needs it."""
        return [Statement(exp.Analyze(tables=[table.copy()]))] if self.analyze else []

    def advisory_lock(self, name: str, wait: bool) -> exp.Query:
        """(Engines with `advisory_locks`.) A query that takes the session-level lock `name`, waiting for it or
        not, and returns whether it did."""
        raise NotImplementedError

    def advisory_unlock(self, name: str) -> exp.Query:
        """The query that releases the session-level lock `name`."""
        raise NotImplementedError

    def lock_holder(self, name: str) -> exp.Query:
        """Who holds the lock `name`: rows of (process id, application name)."""
        raise NotImplementedError

    def stage(self, table: exp.Table, batch: Batch) -> list[Action]:
        """The statements that bulk-load a batch of objects into an empty staging table, inside the step's
        transaction; the staged row count is reported as `staged`."""
        raise NotImplementedError

    def check_objects(self, urls: list[str], s3_client: Callable[[], Any]) -> None:
        """Refuse (ValueError) a batch of objects, with the manifest that lists them, that the engine cannot stage
        in one bulk load."""

    def staging_notes(self) -> list[str]:
        """What a plan says about how the engine stages (e.g. how Redshift's COPY signs its reads of S3)."""
        return []

    def redact(self, text: str) -> str:
        """The text without the secrets this engine has put in statements (keys COPY signs with)."""
        return text

    def catalog_query(self, schema: str) -> exp.Query:
        """The columns of a schema's tables: table, column, type (as the catalog writes it), nullable, position."""
        return catalog_sql(
            "SELECT table_name, column_name, data_type, is_nullable = 'YES', ordinal_position "
            "FROM information_schema.columns WHERE table_schema = :schema",
            self.name,
            schema,
        )

    def comment_query(self, schema: str) -> exp.Query:
        """The descriptions (COMMENT ON) of a schema's tables and columns: table, column (NULL for the table's
        own), text. DuckDB's catalog functions."""
        return catalog_sql(
            "SELECT table_name, NULL, comment FROM duckdb_tables() WHERE schema_name = :schema "
            "UNION ALL SELECT table_name, column_name, comment FROM duckdb_columns() WHERE schema_name = :schema",
            self.name,
            schema,
        )

    def present_query(self, tables: list[exp.Table]) -> exp.Select:
        """Which of the tables, of one schema, exist: their names."""
        return tables_named(exp.table_("tables", db="information_schema"), "table_schema", tables)

    def key_query(self, schema: str) -> exp.Query | None:
        """Where the catalog shows a table's key (an index), its columns: table, column, position."""
        return None

    def catalog_type(self, text: str) -> str:
        """A type as the catalog writes it, in the terms `column_type` declares it."""
        return exp.DataType.build(text, dialect=self.name).sql(dialect=self.name)

    def dataset_namespace(self, url: str) -> tuple[str, str]:
        """Where a target's tables are, as the OpenLineage naming scheme names them
        (https://openlineage.io/docs/spec/naming): the namespace (the instance) and the database that qualifies a
        table's name, `database.schema.table`."""
        raise NotImplementedError

    def collate_bytes(self, value: exp.Expression) -> exp.Expression:
        """Text compared by bytes, so that every engine orders ties the same way."""
        return exp.Collate(this=value, expression=ident(self.byte_order)) if self.byte_order else value

    def hash64(self, text: exp.Expression) -> exp.Expression:
        """A bigint from the first 15 hex digits (60 bits) of the text's MD5: the same number on every engine."""
        raise NotImplementedError

    def timestamp_text(self, value: exp.Expression) -> exp.Expression:
        """A timestamp as text to the microsecond, written alike by every engine (`2018-11-01 10:00:00.500000`)."""
        return exp.func("TO_CHAR", value, exp.Literal.string("YYYY-MM-DD HH24:MI:SS.US"))

    def render(self, sql: Statement | exp.Expression, pretty: bool = False) -> str:
        """A statement's text as this engine runs it (a statement whose values the runner binds: `bound_rows`).
        Rendered without the defensive copy of the whole tree that sqlglot makes by default (a quarter of the
        Python time of a daily interval): the generator leaves the project's statements as they were, which
        tests/test_sql.py checks for every statement of a plan on every engine."""
        if isinstance(sql, Statement):
            sql = self.bound_rows(sql.sql) if sql.binds else sql.sql
        return sql.sql(dialect=self.name, pretty=pretty, copy=False)

    def bound_rows(self, insert: exp.Expression) -> exp.Expression:
        """An INSERT of one row of named parameters as the engine runs it for many rows: as it is, run once per
        row (the driver's executemany)."""
        return insert

    def __repr__(self) -> str:
        return self.name


def md5_prefix(text: exp.Expression) -> exp.Expression:
    """The first 15 hex digits of the text's MD5 (60 bits: a positive bigint on every engine)."""
    return exp.Substring(this=exp.MD5(this=text), start=exp.Literal.number(1), length=exp.Literal.number(15))


def catalog_sql(text: str, dialect: str, schema: str) -> exp.Query:
    """A fixed catalog query, its `:schema` placeholder bound to the schema as a literal."""
    import sqlglot

    def bind(node: exp.Expression) -> exp.Expression:
        return exp.Literal.string(schema) if isinstance(node, exp.Placeholder) and node.name == "schema" else node

    return sqlglot.parse_one(text, read=dialect).transform(bind)


def tables_named(catalog: exp.Expression, schema_column: str, tables: list[exp.Table]) -> exp.Select:
    """The names of `tables` (of one schema) that a catalog relation lists: its `table_name` column."""
    names = [exp.Literal.string(t.name) for t in tables]
    return (
        exp.select(exp.column("table_name"))
        .from_(catalog)
        .where(exp.column(schema_column).eq(exp.Literal.string(tables[0].db)))
        .where(exp.column("table_name").isin(*names))
    )
