"""How a loaded warehouse differs from its spec, and the statements that bring it there.

Columns, types, nullability and descriptions (COMMENT ON) come from the engine's catalog (`warehouse.catalog`);
what the catalog cannot show (a key on DuckDB, Redshift's layout, the SELECT, checks) from the definitions the
ledger recorded when the tables were last set up or migrated. Each difference is classified:

- additive: a new table, a new nullable column, a longer varchar, a NOT NULL dropped, a new check or description
  (a description moves no data: every run applies it, whatever `on_schema_change` says);
- rewrite: a wider type (int → bigint, more decimal precision), NOT NULL added, a new Redshift layout;
- breaking: a rename (`renamed_from`), a dropped column, a narrower or other type, a new key.

An engine alters in place what it can (`Engine.alterations`), in one transaction where it allows
(`Engine.alone`: statements that must run outside a transaction block); anything else is a deep copy of the table
(create the new table, INSERT ... SELECT, drop, rename), in one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlglot import exp

from warehouse.catalog import Catalog, TableShape, expected
from warehouse.compile import Project
from warehouse.spec import Dimension
from warehouse.sql.ddl import (
    comment,
    comments,
    create_indexes,
    create_table,
    drop_table,
    release_references,
    restore_references,
)
from warehouse.sql.names import column, ident
from warehouse.sql.names import table as table_ref
from warehouse.sql.statement import Statement
from warehouse.sql.types import TEXT
from warehouse.targets.engine import Engine

SEVERITY = {  # by change kind
    "add_table": "additive",
    "add_column": "additive",
    "widen_varchar": "additive",
    "drop_not_null": "additive",
    "new_check": "additive",
    "description": "additive",
    "widen_type": "rewrite",
    "set_not_null": "rewrite",
    "change_layout": "rewrite",
    "rename_column": "breaking",
    "drop_column": "breaking",
    "narrow_type": "breaking",
    "change_key": "breaking",
    "add_required_column": "breaking",
    "change_select": "additive",
    "change_load": "breaking",
}
NEEDS_NO_DDL = {"new_check", "change_select", "change_load"}  # they change what loads, not the table
METADATA = {"description"}  # a COMMENT ON: it moves no data, so every run applies it
INTEGERS = [exp.DataType.Type.SMALLINT, exp.DataType.Type.INT, exp.DataType.Type.BIGINT]
FLOATS = [exp.DataType.Type.FLOAT, exp.DataType.Type.DOUBLE]
SHADOW = "{}__migrate"  # the deep copy's new table, renamed over the old one in the same transaction


@dataclass(frozen=True)
class Change:
    table: str
    kind: str
    column: str | None = None
    old: str | None = None
    new: str | None = None

    @property
    def severity(self) -> str:
        return SEVERITY[self.kind]

    def __str__(self) -> str:
        what = self.kind.replace("_", " ")
        where = f"{self.table}.{self.column}" if self.column else self.table
        if self.old is not None and self.new is not None:
            what += f": {self.old} → {self.new}"
        elif self.old is not None or self.new is not None:
            what += f" ({self.old or self.new})"
        return f"{self.severity:<8}  {where}: {what}"


@dataclass
class Migration:
    """The statements that migrate one table, and whether they must run outside a transaction block."""

    table: str
    statements: list[Statement] = field(default_factory=list)
    alone: bool = False


def changes(project: Project, engine: Engine, live: Catalog, recorded: dict[str, dict[str, Any]]) -> list[Change]:
    """Every difference between the spec and the warehouse (`live`: its catalog; `recorded`: the definitions the
    ledger holds, by table)."""
    found: list[Change] = []
    wanted = expected(project, engine)
    for name, need in wanted.items():
        if name not in live:
            found.append(Change(name, "add_table"))
            continue
        found += _column_changes(project, engine, name, need, live[name])
        found += _definition_changes(project, name, need, live[name], recorded.get(name), engine)
        found += _description_changes(project, name, live[name])
    return found


def _column_changes(project: Project, engine: Engine, name: str, need: TableShape, have: TableShape) -> list[Change]:
    found: list[Change] = []
    columns = project.spec.tables[name].columns
    renamed = {c.renamed_from: n for n, c in columns.items() if c.renamed_from and n not in have.columns}
    for column_name, shape in need.columns.items():
        old_name = column_name if column_name in have.columns else columns[column_name].renamed_from
        if old_name not in have.columns:
            kind = "add_column" if shape.nullable else "add_required_column"
            found.append(Change(name, kind, column_name, None, shape.type))
            continue
        if old_name != column_name:
            found.append(Change(name, "rename_column", column_name, old_name, column_name))
        old = have.columns[old_name]
        kind = type_change(old.type, shape.type, engine)
        if kind:
            found.append(Change(name, kind, column_name, old.type, shape.type))
        if old.nullable != shape.nullable:
            kind = "drop_not_null" if shape.nullable else "set_not_null"
            found.append(Change(name, kind, column_name, _null(old.nullable), _null(shape.nullable)))
    for column_name in have.columns:
        if column_name not in need.columns and column_name not in renamed:
            found.append(Change(name, "drop_column", column_name, have.columns[column_name].type, None))
    return found


def _definition_changes(
    project: Project, name: str, need: TableShape, have: TableShape, recorded: dict | None, engine: Engine
) -> list[Change]:
    """What the catalog cannot show, against the recorded definition (none recorded: nothing to compare)."""
    found: list[Change] = []
    if need.key is not None and have.key is not None and need.key != have.key:
        found.append(Change(name, "change_key", None, ", ".join(have.key), ", ".join(need.key)))
    if recorded is None:
        return found
    now = project.definition(name)
    old_data, new_data = recorded["data"], now["data"]
    if old_data["key"] != new_data["key"] and not any(c.kind == "change_key" for c in found):
        found.append(Change(name, "change_key", None, ", ".join(old_data["key"]), ", ".join(new_data["key"])))
    for part in ("load", "latest_by", "time_column"):
        if old_data.get(part) != new_data.get(part):
            found.append(Change(name, "change_load", part, str(old_data.get(part)), str(new_data.get(part))))
    if old_data["select"] != new_data["select"]:
        found.append(Change(name, "change_select", None, "the SELECT as loaded", "the SELECT in the spec"))
    renamed = {c.renamed_from: n for n, c in project.spec.tables[name].columns.items() if c.renamed_from}
    kept = {renamed.get(c, c): c for c in old_data["columns"]}.keys() & new_data["columns"].keys()  # by new name
    old_layout, new_layout = (
        _comparable_layout(recorded["layout"], renamed, kept),
        _comparable_layout(now["layout"], {}, kept),
    )
    if engine.table_properties and old_layout != new_layout:
        found.append(Change(name, "change_layout", None, _layout(old_layout), _layout(new_layout)))
    for check in now["checks"]:
        if check not in recorded["checks"]:
            found.append(Change(name, "new_check", None, None, check))
    return found


def _description_changes(project: Project, name: str, have: TableShape) -> list[Change]:
    """The table's and each column's description, against the catalog's (a renamed column's under its old name;
    a new column's is none)."""
    table = project.spec.tables[name]
    found = []
    if (table.description or None) != have.description:
        found.append(Change(name, "description", None, have.description, table.description or None))
    for column_name, col in table.columns.items():
        old_name = column_name if column_name in have.columns else col.renamed_from
        old = have.descriptions.get(old_name or "")
        if (col.description or None) != old:
            found.append(Change(name, "description", column_name, old, col.description or None))
    return found


def _comparable_layout(layout: dict, renamed: dict[str, str], kept: set[str]) -> dict:
    """A recorded layout in the new names, its encodings of the columns both definitions have."""
    encode = {renamed.get(c, c): e for c, e in layout["encode"].items()}
    sort = [renamed.get(c, c) for c in layout["sort"]]
    return {**layout, "sort": sort, "encode": {c: e for c, e in sorted(encode.items()) if c in kept}}


def type_change(old: str, new: str, engine: Engine) -> str | None:
    """How a column's type changes (types as the engine declares them): None when it does not."""
    if old == new:
        return None
    before, after = (exp.DataType.build(t, dialect=engine.name) for t in (old, new))
    if before.this in TEXT and after.this == before.this:
        return "widen_varchar" if _length(after) > _length(before) else "narrow_type"
    for order in (INTEGERS, FLOATS):
        if before.this in order and after.this in order:
            return "widen_type" if order.index(after.this) > order.index(before.this) else "narrow_type"
    if before.this in INTEGERS and after.this in (*FLOATS, exp.DataType.Type.DECIMAL):
        return "widen_type"
    if before.this == after.this == exp.DataType.Type.DECIMAL:
        (p1, s1), (p2, s2) = _precision(before), _precision(after)
        return "widen_type" if s2 >= s1 and p2 - s2 >= p1 - s1 else "narrow_type"
    return "narrow_type"


def _length(datatype: exp.DataType) -> int:
    if not datatype.expressions:
        return 65535
    size = datatype.expressions[0].this.name
    return 65535 if size.upper() == "MAX" else int(size)


def _precision(datatype: exp.DataType) -> tuple[int, int]:
    values = [int(e.this.name) for e in datatype.expressions] or [18, 0]
    return values[0], values[1] if len(values) > 1 else 0


def _null(nullable: bool) -> str:
    return "NULL" if nullable else "NOT NULL"


def _layout(layout: dict) -> str:
    return ", ".join(f"{k} {v}" for k, v in layout.items() if v)


def migrations(project: Project, engine: Engine, found: list[Change], schema: str | None) -> list[Migration]:
    """The statements for the changes, a migration per table: in place where the engine can, else a deep copy."""
    done: list[Migration] = []
    by_table: dict[str, list[Change]] = {}
    for change in found:
        if change.kind not in NEEDS_NO_DDL:
            by_table.setdefault(change.table, []).append(change)
    added = {c.table for c in found if c.kind == "add_table"}
    for name, table_changes in sorted(by_table.items(), key=lambda item: _referenced_first(project, added, item[0])):
        table = project.spec.tables[name]
        if name in added:
            keys = project.spec.foreign_keys(name)
            creates = [create_table(name, table.columns, engine, schema=schema, table=table, foreign_keys=keys)]
            creates += [*create_indexes(name, table, engine, schema), *comments(name, table, schema)]
            done.append(Migration(name, [Statement(s) for s in creates]))
        elif all(c.kind in engine.alterations for c in table_changes):
            done += _in_place(project, engine, name, table_changes, schema)
        else:
            done.append(Migration(name, _deep_copy(project, engine, name, table_changes, schema, added)))
        if isinstance(table, Dimension) and table.scd2 and not any(c.kind == "add_table" for c in table_changes):
            done.append(Migration(f"{name}__runs", _runs_copy(table, engine, name, table_changes, schema)))
    return done


def _referenced_first(project: Project, added: set[str], name: str) -> int:
    """New tables after the others, each after the new tables its foreign keys reference (how many it depends on,
    directly or not: referenced tables must exist when a table declaring a foreign key to them is created)."""
    if name not in added:
        return 0
    seen: set[str] = set()
    todo = [name]
    while todo:
        for fk in project.spec.foreign_keys(todo.pop()):
            if fk.to in added and fk.to not in seen:
                seen.add(fk.to)
                todo.append(fk.to)
    return 1 + len(seen)


def _runs_copy(
    dimension: Dimension, engine: Engine, name: str, found: list[Change], schema: str | None
) -> list[Statement]:
    """An scd2 dimension's runs (`warehouse.sql.history`) follow its columns: copied into a table of its new
    columns (renamed, cast; new columns NULL), which takes the old one's place."""
    from warehouse.sql.history import runs_columns, runs_ddl

    runs, shadow, columns = f"{name}__runs", SHADOW.format(f"{name}__runs"), runs_columns(dimension)
    renamed = {c.new: c.old for c in found if c.kind == "rename_column"}
    added = {c.column for c in found if c.kind in ("add_column", "add_required_column")}
    copied = [n for n in columns if n not in added]
    values = [
        exp.cast(column(renamed.get(n, n)), engine.column_type(columns[n].datatype)).as_(n, quoted=True) for n in copied
    ]
    rows = exp.select(*values).from_(table_ref(runs, schema))
    insert = exp.insert(rows, exp.Schema(this=table_ref(shadow, schema), expressions=[ident(n) for n in copied]))
    rename = exp.Alter(this=table_ref(shadow, schema), kind="TABLE", actions=[exp.AlterRename(this=table_ref(runs))])
    return [
        Statement(runs_ddl(name, dimension, engine, schema)),
        Statement(drop_table(shadow, schema)),
        Statement(create_table(shadow, columns, engine, schema=schema, if_not_exists=False)),
        Statement(insert),
        Statement(drop_table(runs, schema)),
        Statement(rename),
    ]


def _in_place(project: Project, engine: Engine, name: str, found: list[Change], schema: str | None) -> list[Migration]:
    target, columns = table_ref(name, schema), project.spec.tables[name].columns
    together, alone = Migration(name), Migration(name, alone=True)
    # renames first (later ones use the name), descriptions last (of columns added before them)
    for change in sorted(found, key=lambda c: (c.kind != "rename_column", c.kind == "description")):
        col = columns.get(change.column or "")
        action: exp.Expression | None = None
        if change.kind in ("add_column", "add_required_column"):  # NOT NULL: only where the table is empty
            required = [exp.ColumnConstraint(kind=exp.NotNullColumnConstraint())] if not col.nullable else []
            action = exp.ColumnDef(
                this=ident(change.column), kind=engine.column_type(col.datatype), constraints=required
            )
        elif change.kind in ("widen_varchar", "widen_type", "narrow_type"):
            action = exp.AlterColumn(this=ident(change.column), dtype=engine.column_type(col.datatype))
        elif change.kind in ("set_not_null", "drop_not_null"):
            dropping = change.kind == "drop_not_null"
            action = exp.AlterColumn(this=ident(change.column), drop=dropping or None, allow_null=dropping)
        elif change.kind == "rename_column":
            action = exp.RenameColumn(this=ident(change.old), to=ident(change.new))
        elif change.kind == "drop_column":
            action = exp.Drop(tables=[column(change.column)], kind="COLUMN")
        statements = _key_index(project, engine, name, schema) if change.kind == "change_key" and engine.indexes else []
        if change.kind == "description":
            statements.append(Statement(comment(name, change.column, change.new or "", schema)))
        if action is not None:
            statements.append(Statement(exp.Alter(this=target.copy(), kind="TABLE", actions=[action])))
        (alone if change.kind in engine.alone else together).statements += statements
    return [m for m in (alone, together) if m.statements]


def _key_index(project: Project, engine: Engine, name: str, schema: str | None) -> list[Statement]:
    """The key's index again, on its new columns."""
    index = exp.Drop(tables=[table_ref(f"{name}__key", schema)], kind="INDEX", exists=True)
    creates = create_indexes(name, project.spec.tables[name], engine, schema)
    return [Statement(index), *(Statement(c) for c in creates if c.this.name.endswith("__key"))]


def _deep_copy(
    project: Project, engine: Engine, name: str, found: list[Change], schema: str | None, added: set[str]
) -> list[Statement]:
    """Create the table anew beside the old one, copy the rows (renamed, cast), drop the old one (and, where the
    engine declares foreign keys, those of other tables that reference it, added again after) and rename the new
    one in its place: readers see the old table until the transaction commits."""
    table = project.spec.tables[name]
    keys = project.spec.foreign_keys(name)
    referencing = [fk for fk in project.spec.referencing(name) if fk.table not in added and engine.informational_keys]
    shadow = SHADOW.format(name)
    renamed = {c.new: c.old for c in found if c.kind == "rename_column"}
    added = {c.column for c in found if c.kind in ("add_column", "add_required_column")}
    copied = [n for n in table.columns if n not in added]
    values = [
        exp.cast(column(renamed.get(n, n)), engine.column_type(table.columns[n].datatype)).as_(n, quoted=True)
        for n in copied
    ]
    rows = exp.select(*values).from_(table_ref(name, schema))
    insert = exp.insert(rows, exp.Schema(this=table_ref(shadow, schema), expressions=[ident(n) for n in copied]))
    rename = exp.Alter(this=table_ref(shadow, schema), kind="TABLE", actions=[exp.AlterRename(this=table_ref(name))])
    create = create_table(
        shadow, table.columns, engine, schema=schema, table=table, if_not_exists=False, foreign_keys=keys
    )
    statements = [
        Statement(drop_table(shadow, schema)),
        Statement(create),
        Statement(insert, "copied"),
        *(Statement(s) for s in release_references(referencing, schema)),
        Statement(drop_table(name, schema)),
        Statement(rename),
    ]
    after = [*restore_references(referencing, schema), *create_indexes(name, table, engine, schema)]
    after += comments(name, table, schema)
    return statements + [Statement(s) for s in after]


def drift_message(spec: Any, found: list[Change]) -> str:
    """Why a run stops before moving data, and what applies the changes."""
    lines = [f"the warehouse's tables differ from {spec.file}: nothing was loaded", *(f"  {c}" for c in found)]
    breaking = any(c.severity == "breaking" for c in found)
    lines.append(
        f"`warehouse diff --spec {spec.file} --target TARGET` shows the statements and what to reload; "
        f"`warehouse migrate --spec {spec.file} --target TARGET{' --allow-breaking' if breaking else ''}` applies "
        "them"
        + ("" if breaking else " (or set `on_schema_change: migrate` in the spec: runs then apply additive changes)")
    )
    return "\n".join(lines)
