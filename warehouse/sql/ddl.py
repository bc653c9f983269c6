"""CREATE statements per dialect, built from the spec (never transpiled from Redshift DDL)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlglot import exp

from warehouse.spec import Column, DistKey, Fact, ForeignKey, Table
from warehouse.sql.names import ident
from warehouse.sql.names import table as table_ref

if TYPE_CHECKING:
    from warehouse.targets.engine import Engine


def create_schema(name: str) -> exp.Create:
    return exp.Create(this=exp.Table(db=ident(name)), kind="SCHEMA", exists=True)


def create_table(
    name: str,
    columns: dict[str, Column],
    engine: Engine,
    *,
    schema: str | None = None,
    table: Table | None = None,
    if_not_exists: bool = True,
    staging: bool = False,
    foreign_keys: list[ForeignKey] = (),
) -> exp.Create:
    """CREATE TABLE; with `table`, its key (and `foreign_keys`) where the engine declares informational keys, and
    (on Redshift) distribution, sort key and encodings; a `staging` table skips the write-ahead log, or the
    backups, where the engine allows."""
    defs: list[exp.Expression] = [column_def(n, c, engine) for n, c in columns.items()]
    properties: list[exp.Expression] = [exp.UnloggedProperty()] if staging and engine.unlogged_staging else []
    if staging and not engine.staging_backup:
        properties.append(exp.BackupProperty(this=exp.var("NO")))
    if table is not None and engine.informational_keys:
        defs.append(exp.PrimaryKey(expressions=[ident(k) for k in table.primary_key]))
        defs += [foreign_key(fk, schema) for fk in foreign_keys]
    if table is not None and engine.table_properties:
        properties += _layout(table)
    return exp.Create(
        this=exp.Schema(this=table_ref(name, schema), expressions=defs),
        kind="TABLE",
        exists=if_not_exists,
        properties=exp.Properties(expressions=properties) if properties else None,
    )


def foreign_key(fk: ForeignKey, schema: str | None = None) -> exp.Constraint:
    """CONSTRAINT name FOREIGN KEY (columns) REFERENCES to (key): informational on Redshift, not enforced but used
    by the planner, which assumes it holds (https://docs.aws.amazon.com/redshift/latest/dg/t_Defining_constraints.html:
    declare it only where the loading process enforces it, as a `references` check of severity `error` does)."""
    reference = exp.Reference(this=exp.Schema(this=table_ref(fk.to, schema), expressions=_idents(fk.to_columns)))
    return exp.Constraint(
        this=ident(fk.name), expressions=[exp.ForeignKey(expressions=_idents(fk.columns), reference=reference)]
    )


def release_references(referencing: list[ForeignKey], schema: str | None = None) -> list[exp.Alter]:
    """Drop the foreign keys that reference a table before the table is dropped (Redshift refuses to drop a table
    other objects depend on: https://docs.aws.amazon.com/redshift/latest/dg/r_DROP_TABLE.html; CASCADE would also
    drop analysts' views)."""
    return [
        exp.Alter(
            this=table_ref(fk.table, schema),
            kind="TABLE",
            actions=[exp.Drop(tables=[exp.Table(this=ident(fk.name))], kind="CONSTRAINT")],
        )
        for fk in referencing
    ]


def restore_references(referencing: list[ForeignKey], schema: str | None = None) -> list[exp.Alter]:
    """The foreign keys `release_references` dropped, added again on the table that replaced the referenced one
    (https://docs.aws.amazon.com/redshift/latest/dg/r_ALTER_TABLE.html: ADD table_constraint)."""
    return [
        exp.Alter(
            this=table_ref(fk.table, schema),
            kind="TABLE",
            actions=[exp.AddConstraint(expressions=[foreign_key(fk, schema)])],
        )
        for fk in referencing
    ]


def _idents(names: tuple[str, ...]) -> list[exp.Identifier]:
    return [ident(n) for n in names]


def create_indexes(name: str, table: Table, engine: Engine, schema: str | None = None) -> list[exp.Create]:
    """Plain (not unique) indexes on the key and a fact's time column, where the engine needs them to find the
    rows a load replaces or merges without reading the whole table."""
    if not engine.indexes:
        return []
    wanted = {"key": table.key}
    if isinstance(table, Fact) and table.time_column:
        wanted["time"] = [table.time_column]
    return [
        exp.Create(
            this=exp.Index(
                this=ident(f"{name}__{kind}"),
                table=table_ref(name, schema),
                params=exp.IndexParameters(columns=[exp.Ordered(this=exp.column(c, quoted=True)) for c in cols]),
            ),
            kind="INDEX",
            exists=True,
        )
        for kind, cols in wanted.items()
    ]


def create_temp_as(name: str, query: exp.Query) -> exp.Create:
    """A session table holding a query's rows (CREATE TEMPORARY TABLE ... AS SELECT on every engine:
    https://docs.aws.amazon.com/redshift/latest/dg/r_CREATE_TABLE_AS.html)."""
    return exp.Create(
        this=table_ref(name), kind="TABLE", expression=query,
        properties=exp.Properties(expressions=[exp.TemporaryProperty()]),
    )  # fmt: skip


def create_temp_like(name: str, like: exp.Table, engine: Engine) -> exp.Create:
    """An empty session table shaped like `like` (on Redshift it inherits distribution and sort keys)."""
    if engine.create_like:
        return exp.Create(
            this=exp.Schema(this=table_ref(name), expressions=[exp.LikeProperty(this=like.copy())]),
            kind="TABLE",
            properties=exp.Properties(expressions=[exp.TemporaryProperty()]),
        )
    empty = exp.select("*").from_(like.copy()).limit(0)
    return exp.Create(
        this=table_ref(name),
        kind="TABLE",
        expression=empty,
        properties=exp.Properties(expressions=[exp.TemporaryProperty()]),
    )


def comments(name: str, table: Table, schema: str | None = None) -> list[exp.Comment]:
    """COMMENT ON TABLE and COMMENT ON COLUMN for each of the table's descriptions: the same statement on every
    engine (https://docs.aws.amazon.com/redshift/latest/dg/r_COMMENT.html; PostgreSQL's and DuckDB's COMMENT ON)."""
    described = [(None, table.description)] + [(n, c.description) for n, c in table.columns.items()]
    return [comment(name, column_name, text, schema) for column_name, text in described if text]


def comment(name: str, column_name: str | None, text: str, schema: str | None = None) -> exp.Comment:
    """One table's (`column_name` None) or column's description. An empty text removes it: PostgreSQL drops an
    empty comment, and the catalogs are read with empty as none (`IS NULL`, as Redshift documents it, is not
    parsed back by sqlglot, so the tests' Redshift rules could not check it)."""
    target = table_ref(name, schema)
    if column_name is None:
        return exp.Comment(this=target, kind="TABLE", expression=exp.Literal.string(text))
    where = exp.Column(this=ident(column_name), table=target.args["this"], db=target.args.get("db"))
    return exp.Comment(this=where, kind="COLUMN", expression=exp.Literal.string(text))


def drop_table(name: str, schema: str | None = None) -> exp.Drop:
    return exp.Drop(tables=[table_ref(name, schema)], kind="TABLE", exists=True)


def staging_ddl(table: exp.Table, columns: dict[str, Column], engine: Engine) -> list[exp.Expression]:
    """A fresh staging table for a source: dropped, then created (UNLOGGED where the engine allows)."""
    create = create_table(table.name, columns, engine, schema=table.db, if_not_exists=False, staging=True)
    return [drop_table(table.name, table.db), create]


def column_def(name: str, column: Column, engine: Engine) -> exp.ColumnDef:
    """A column as CREATE TABLE (and ALTER TABLE ADD COLUMN) declares it."""
    constraints = []
    if not column.nullable:
        constraints.append(exp.ColumnConstraint(kind=exp.NotNullColumnConstraint()))
    if engine.table_properties and column.encode:
        constraints.append(exp.ColumnConstraint(kind=exp.EncodeColumnConstraint(this=exp.var(column.encode))))
    return exp.ColumnDef(this=ident(name), kind=engine.column_type(column.datatype), constraints=constraints)


def _layout(table: Table) -> list[exp.Expression]:
    properties: list[exp.Expression] = []
    if isinstance(table.distribution, DistKey):
        properties.append(exp.DistStyleProperty(this=exp.var("KEY")))
        properties.append(exp.DistKeyProperty(this=ident(table.distribution.key)))
    else:
        properties.append(exp.DistStyleProperty(this=exp.var(table.distribution.upper())))
    if table.sort:
        properties.append(exp.SortKeyProperty(this=[ident(c) for c in table.sort], compound=True))
    return properties
