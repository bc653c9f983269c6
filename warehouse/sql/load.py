"""Load statements: one function per strategy, each a list of statements run in one transaction."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlglot import exp

from warehouse.interval import Interval
from warehouse.spec import Dimension, Fact, Spec, Table
from warehouse.sql.ddl import create_temp_as, create_temp_like, drop_table, staging_ddl
from warehouse.sql.names import Layout, column, columns, ident
from warehouse.sql.names import table as table_ref
from warehouse.sql.statement import ROW, Statement
from warehouse.sql.types import TEXT

if TYPE_CHECKING:
    from warehouse.targets.engine import Engine

RANK = "_row"


@dataclass(frozen=True)
class Load:
    """What a load strategy needs: the table, the run's rows (its SELECT, bound), where tables live, the engine."""

    name: str
    table: Table
    select: exp.Query
    layout: Layout
    interval: Interval
    engine: Engine
    spec: Spec
    keeps_keys: bool = False  # a dimension's load keeps the keys it touched (`touched_keys`) for its checks

    @property
    def target(self) -> exp.Table:
        return self.layout.table(self.name)

    def keep_keys(self, keys: exp.Query) -> list[Statement]:
        """A fresh `touched_keys` table holding the keys the query selects."""
        touched, key = touched_keys(self.layout, self.name), self.table.key
        ddl = staging_ddl(touched, {k: self.table.columns[k] for k in key}, self.engine)
        return [*(Statement(s) for s in ddl), Statement(insert(touched, key, keys)), *self.engine.statistics(touched)]


def touched_keys(layout: Layout, name: str) -> exp.Table:
    """Where a dimension's load keeps the keys it touched until the interval finishes: the rows whose key is there
    are the rows its checks of scope `keys` read."""
    return layout.staging(f"{name}__keys")


def timestamp(value: object) -> exp.Cast:
    """A naive UTC timestamp literal (zoned bounds would defeat Redshift's sort-key pruning)."""
    return exp.cast(exp.Literal.string(f"{value:%Y-%m-%d %H:%M:%S}"), exp.DataType.build(exp.DataType.Type.TIMESTAMP))


def in_interval(time_column: exp.Expression, interval: Interval) -> exp.Expression:
    return exp.and_(time_column.copy() >= timestamp(interval.start), time_column.copy() < timestamp(interval.end))


def latest_per_key(
    rows: exp.Query, table: Table, engine: Engine, key: list[str] | None = None, names: list[str] | None = None
) -> exp.Select:
    """One row per key (default: the table's): the newest by `latest_by`, ties broken by every column (default:
    the table's), text in byte order, so that every engine keeps the same row."""
    key, names = key or table.key, names or table.column_names
    latest_by = getattr(table, "latest_by", None)

    def by(name: str) -> exp.Expression:
        text = table.columns[name].datatype.this in TEXT
        return engine.collate_bytes(column(name)) if text else column(name)

    order = [exp.Ordered(this=column(latest_by), desc=True, nulls_first=False)] if latest_by else []
    order += [exp.Ordered(this=by(n), desc=False, nulls_first=False) for n in names]
    rank = exp.Window(this=exp.RowNumber(), partition_by=columns(key), order=exp.Order(expressions=order))
    source = rows.subquery(ident("source"), copy=False)
    ranked = exp.select(*columns(names), rank.as_(RANK, quoted=True)).from_(source, copy=False)
    return (
        exp.select(*columns(names, "ranked"))
        .from_(ranked.subquery(ident("ranked"), copy=False), copy=False)
        .where(column(RANK, "ranked").eq(1), copy=False)
    )


def repeated_keys(rows: exp.Table, key: list[str], where: exp.Expression) -> exp.Select:
    """The keys that occur more than once among the rows matching `where` (usually none)."""
    return (
        exp.select(*columns(key))
        .from_(rows.copy())
        .where(where.copy())
        .group_by(*columns(key))
        .having(exp.Count(this=exp.Star()) > 1)
    )


def one_per_key(rows: exp.Table, repeated: exp.Table, table: Table, where: exp.Expression, engine: Engine) -> exp.Union:
    """`latest_per_key` of the rows matching `where`, ranking only the keys that occur more than once, held in the
    session table `repeated` (sorting every row by every column costs more than the rare duplicates are worth;
    and with the repeated keys in a table of their own, whose statistics the planner knows, PostgreSQL hashes
    them rather than sorting every row to merge-join them)."""
    key, names = table.key, table.column_names

    def scope(join_type: str) -> exp.Select:
        query = exp.select(*columns(names, "rows")).from_(rows.copy().as_("rows", quoted=True))
        query = query.join(
            repeated.copy().as_("repeated", quoted=True), on=_matches(key, "rows", "repeated"), join_type=join_type
        )
        return query.where(_qualified(where, "rows"))

    single = scope("left").where(column(key[0], "repeated").is_(exp.null()), copy=False)
    ranked = latest_per_key(scope("inner"), table, engine)
    return exp.union(single, ranked, distinct=False)


def _qualified(condition: exp.Expression, owner: str) -> exp.Expression:
    """The condition with its bare columns owned by `owner`."""

    def own(node: exp.Expression) -> exp.Expression:
        return column(node.name, owner) if isinstance(node, exp.Column) and not node.table else node

    return condition.transform(own)


def insert(into: exp.Table, names: list[str], rows: exp.Query) -> exp.Insert:
    return exp.insert(rows, exp.Schema(this=into.copy(), expressions=[ident(n) for n in names]), copy=False)


def _matches(key: list[str], left: str, right: str) -> exp.Expression:
    return exp.and_(*(column(k, left).eq(column(k, right)) for k in key))


@dataclass(frozen=True)
class LoadSQL:
    """A load in two transactions: `prepare` builds the batch (reading the run's rows, deduplicating them) and
    commits it to a session table, taking no lock; `publish` writes the table from it, under the step's lock, which
    is so held for as few statements as possible."""

    prepare: list[Statement]
    publish: list[Statement]
    batch: exp.Table | None = None  # the table holding the rows published (a fact's lookups infer members from it)


def _batch(load: Load, suffix: str = "batch") -> exp.Table:
    return table_ref(f"{load.name}__{suffix}")


def dimension_upsert(load: Load) -> LoadSQL:
    """Merge the run's newest row per key through a session table; with `latest_by`, never over a newer row
    already loaded (decided under the lock, against the rows loaded by then). Its keys are kept for the checks
    (`keeps_keys`)."""
    batch = _batch(load)
    prepare = [
        Statement(create_temp_like(batch.name, load.target, load.engine)),
        Statement(insert(batch, load.table.column_names, latest_per_key(load.select, load.table, load.engine))),
        *load.engine.statistics(batch),
    ]
    if load.keeps_keys:
        prepare += load.keep_keys(exp.select(*columns(load.table.key)).from_(batch.copy()))
    return LoadSQL(prepare, [*_merge_newest(load, batch), Statement(drop_table(batch.name))])


def fact_merge(load: Load) -> LoadSQL:
    """Merge the run's newest row per key, whatever interval loaded the rows it replaces; with `latest_by`, never
    over a newer row. The rows it merged stay in a staging table (`merged_rows`) for the fact's checks, until the
    interval finishes."""
    merged = merged_rows(load.layout, load.name)
    prepare = [
        *(Statement(s) for s in staging_ddl(merged, load.table.columns, load.engine)),
        Statement(insert(merged, load.table.column_names, latest_per_key(load.select, load.table, load.engine))),
        *load.engine.statistics(merged),
    ]
    return LoadSQL(prepare, _merge_newest(load, merged), merged)


def merged_rows(layout: Layout, name: str) -> exp.Table:
    """Where a fact merged by key keeps the rows a run merged, until the interval finishes: what its checks see."""
    return layout.staging(f"{name}__merged")


def _merge_newest(load: Load, batch: exp.Table) -> list[Statement]:
    """Merge the batch (the run's newest row per key) into the table under the lock: first leave out the rows
    older than those loaded (`latest_by`), count the keys new and known, merge, and count the rows merged."""
    table, target = load.table, load.target
    names = table.column_names
    statements: list[Statement] = []
    if table.latest_by:  # https://docs.aws.amazon.com/redshift/latest/dg/r_DELETE.html: DELETE ... USING ... WHERE
        newer = exp.and_(
            _matches(table.key, target.name, batch.name),
            column(table.latest_by, target.name) > column(table.latest_by, batch.name),
        )
        statements.append(Statement(exp.Delete(this=batch.copy(), using=[target.copy()], where=exp.Where(this=newer))))
    matched = column(table.key[0], "loaded")
    counts = (
        exp.select(
            (exp.Count(this=exp.Star()) - exp.Count(this=matched)).as_("inserted", quoted=True),
            exp.Count(this=matched.copy()).as_("updated", quoted=True),
        )
        .from_(batch.copy().as_("batch", quoted=True))
        .join(target.copy().as_("loaded", quoted=True), on=_matches(table.key, "batch", "loaded"), join_type="left")
    )
    return [
        *statements,
        Statement(counts, ROW),
        Statement(_merge(target, batch, table.key, names)),
        Statement(_merged(target, batch, table.key, names), ROW),
    ]


def dimension_replace(load: Load) -> LoadSQL:
    """Rebuild the whole table from the run's rows (DELETE, not TRUNCATE: Redshift's TRUNCATE commits)."""
    target, names, batch = load.target, load.table.column_names, _batch(load)
    prepare = [
        Statement(create_temp_like(batch.name, target, load.engine)),
        Statement(insert(batch, names, latest_per_key(load.select, load.table, load.engine))),
        *load.engine.statistics(batch),
    ]
    publish = [
        Statement(exp.delete(target.copy()), "deleted"),
        Statement(insert(target, names, exp.select(*columns(names)).from_(batch.copy())), "inserted"),
        Statement(drop_table(batch.name)),
    ]
    return LoadSQL(prepare, publish)


def fact_replace(load: Load) -> LoadSQL:
    """Replace exactly the interval's rows, deduplicated by key; rows the SELECT yields outside the interval are
    counted, not loaded."""
    fact, target, rows, batch = load.table, load.target, _batch(load, "rows"), _batch(load)
    repeated = _batch(load, "repeated")
    assert isinstance(fact, Fact)
    names = fact.column_names
    window = in_interval(column(fact.time_column), load.interval)
    raw = exp.select(*columns(names)).from_(load.select.subquery(ident("source"), copy=False), copy=False)
    counts = exp.select(
        exp.Count(this=exp.Star()).as_("selected", quoted=True),
        exp.Count(this=exp.Case(ifs=[exp.If(this=window.copy(), true=exp.Literal.number(1))])).as_(
            "in_interval", quoted=True
        ),
    ).from_(rows.copy())
    prepare = [
        Statement(create_temp_like(rows.name, target, load.engine)),
        Statement(insert(rows, names, raw)),
        *load.engine.statistics(rows),
        Statement(counts, ROW),
        Statement(create_temp_as(repeated.name, repeated_keys(rows, fact.key, window))),
        *load.engine.statistics(repeated),
        Statement(create_temp_like(batch.name, target, load.engine)),
        Statement(insert(batch, names, one_per_key(rows, repeated, fact, window, load.engine))),
        *load.engine.statistics(batch),
        Statement(drop_table(rows.name)),
        Statement(drop_table(repeated.name)),
    ]
    publish = [
        Statement(exp.delete(target.copy(), where=window.copy()), "deleted"),
        Statement(insert(target, names, exp.select(*columns(names)).from_(batch.copy())), "inserted"),
        Statement(drop_table(batch.name)),
    ]
    return LoadSQL(prepare, publish, batch)


def strategy(table: Table) -> str:
    """How a table loads: a dimension by its `load` (`scd2` with history); a fact by time, or merged by key
    (`load: merge`)."""
    if isinstance(table, Dimension):
        return "scd2" if table.scd2 else table.load
    return "fact_by_key" if table.load == "merge" else "fact_by_time"


def _merge(target: exp.Table, batch: exp.Table, key: list[str], names: list[str]) -> exp.Merge:
    """MERGE with both clauses, as Redshift's grammar requires (https://docs.aws.amazon.com/redshift/latest/dg/
    r_MERGE.html: WHEN MATCHED THEN UPDATE ... WHEN NOT MATCHED THEN INSERT, or REMOVE DUPLICATES). A table whose
    columns are all key columns has nothing to update: its matched rows set their first key column to itself."""
    on = _matches(key, target.name, "batch")
    updated = [n for n in names if n not in key] or key[:1]
    updates = [exp.EQ(this=column(n), expression=column(n, "batch")) for n in updated]
    inserts = exp.Insert(
        this=exp.Tuple(expressions=columns(names)), expression=exp.Tuple(expressions=columns(names, "batch"))
    )
    whens = [exp.When(matched=True, then=exp.Update(expressions=updates)), exp.When(matched=False, then=inserts)]
    return exp.Merge(
        this=target.copy(), using=batch.as_("batch", quoted=True), on=on, whens=exp.Whens(expressions=whens)
    )


def _merged(target: exp.Table, batch: exp.Table, key: list[str], names: list[str]) -> exp.Select:
    """How many batch rows the table now holds, every column equal (NULL to NULL): the count of rows merged,
    which redshift_connector does not report for MERGE (it counts only INSERT, DELETE, UPDATE, MOVE, FETCH, COPY
    and SELECT: aws/amazon-redshift-python-driver redshift_connector/core.py). Joined on the key, then compared."""
    same = [_matches(key, "loaded", "batch")] + [
        exp.or_(
            column(n, "loaded").eq(column(n, "batch")),
            exp.and_(column(n, "loaded").is_(exp.null()), column(n, "batch").is_(exp.null())),
        )
        for n in names
        if n not in key
    ]
    return (
        exp.select(exp.Count(this=exp.Star()).as_("merged", quoted=True))
        .from_(batch.copy().as_("batch", quoted=True))
        .join(target.copy().as_("loaded", quoted=True), on=exp.and_(*same))
    )
