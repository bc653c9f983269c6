"""Load statements: one function per strategy, each a list of statements run in one transaction."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlglot import exp

from warehouse.interval import Interval
from warehouse.spec import Dimension, Fact, Table
from warehouse.sql.ddl import create_temp_like, drop_table, staging_ddl
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

    @property
    def target(self) -> exp.Table:
        return self.layout.table(self.name)


def timestamp(value: object) -> exp.Cast:
    """A naive UTC timestamp literal (zoned bounds would defeat Redshift's sort-key pruning)."""
    return exp.cast(exp.Literal.string(f"{value:%Y-%m-%d %H:%M:%S}"), exp.DataType.build("timestamp"))


def in_interval(time_column: exp.Expression, interval: Interval) -> exp.Expression:
    return exp.and_(time_column.copy() >= timestamp(interval.start), time_column.copy() < timestamp(interval.end))


def latest_per_key(rows: exp.Query, table: Table, engine: Engine) -> exp.Select:
    """One row per key: the newest by `latest_by`, ties broken by every column, text in byte order, so that every
    engine keeps the same row."""
    key, names = table.key, table.column_names
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


def one_per_key(rows: exp.Table, table: Table, where: exp.Expression, engine: Engine) -> exp.Union:
    """`latest_per_key` of the rows matching `where`, ranking only the keys that occur more than once
    (sorting every row by every column costs more than the rare duplicates are worth)."""
    key, names = table.key, table.column_names
    repeated = (
        exp.select(*columns(key))
        .from_(rows.copy())
        .where(where.copy())
        .group_by(*columns(key))
        .having(exp.Count(this=exp.Star()) > 1)
        .subquery(ident("repeated"))
    )

    def scope(join_type: str) -> exp.Select:
        query = exp.select(*columns(names, "rows")).from_(rows.copy().as_("rows", quoted=True))
        query = query.join(repeated.copy(), on=_matches(key, "rows", "repeated"), join_type=join_type)
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


def dimension_upsert(load: Load) -> list[Statement]:
    """Merge the run's newest row per key through a session table; with `latest_by`, never over a newer row
    already loaded."""
    batch = table_ref(f"{load.name}__batch")
    return [
        *load.engine.lock(load.target),
        Statement(create_temp_like(batch.name, load.target, load.engine)),
        *_merge_newest(load, batch),
        Statement(drop_table(batch.name)),
    ]


def fact_merge(load: Load) -> list[Statement]:
    """Merge the run's newest row per key, whatever interval loaded the rows it replaces; with `latest_by`, never
    over a newer row. The rows it merged stay in a staging table (`merged_rows`) for the fact's checks."""
    merged = merged_rows(load.layout, load.name)
    return [
        *load.engine.lock(load.target),
        *(Statement(s) for s in staging_ddl(merged, load.table.columns, load.engine)),
        *_merge_newest(load, merged),
    ]


def merged_rows(layout: Layout, name: str) -> exp.Table:
    """Where a fact merged by key keeps the rows a run merged, until the interval finishes: what its checks see."""
    return layout.staging(f"{name}__merged")


def _merge_newest(load: Load, batch: exp.Table) -> list[Statement]:
    """Fill the empty `batch` with the run's newest row per key (none older than the row loaded: `latest_by`),
    count the keys new and known, and merge it into the table."""
    table, target = load.table, load.target
    names = table.column_names
    rows = latest_per_key(load.select, table, load.engine)
    if table.latest_by:
        newer = (
            exp.select("1")
            .from_(target.copy().as_("loaded", quoted=True))
            .where(
                exp.and_(
                    _matches(table.key, "loaded", "ranked"),
                    column(table.latest_by, "loaded") > column(table.latest_by, "ranked"),
                )
            )
        )
        rows = rows.where(exp.not_(exp.Exists(this=newer)), append=True, copy=False)
    matched = column(table.key[0], "loaded")
    counts = (
        exp.select(
            (exp.Count(this=exp.Star()) - exp.Count(this=matched)).as_("inserted", quoted=True),
            exp.Count(this=matched.copy()).as_("updated", quoted=True),
        )
        .from_(batch.copy().as_("batch", quoted=True))
        .join(
            target.copy().as_("loaded", quoted=True),
            on=_matches(table.key, "batch", "loaded"),
            join_type="left",
        )
    )
    return [
        Statement(insert(batch, names, rows)),
        Statement(counts, ROW),
        Statement(_merge(target, batch, table.key, names), "merged"),
    ]


def dimension_replace(load: Load) -> list[Statement]:
    """Rebuild the whole table from the run's rows (DELETE, not TRUNCATE: Redshift's TRUNCATE commits)."""
    target, names = load.target, load.table.column_names
    return [
        *load.engine.lock(target),
        Statement(exp.delete(target.copy()), "deleted"),
        Statement(insert(target, names, latest_per_key(load.select, load.table, load.engine)), "inserted"),
    ]


def fact_replace(load: Load) -> list[Statement]:
    """Replace exactly the interval's rows; rows the SELECT yields outside the interval are counted, not loaded."""
    fact, target, batch = load.table, load.target, f"{load.name}__batch"
    assert isinstance(fact, Fact)
    names = fact.column_names
    window = in_interval(column(fact.time_column), load.interval)
    raw = exp.select(*columns(names)).from_(load.select.subquery(ident("source"), copy=False), copy=False)
    counts = exp.select(
        exp.Count(this=exp.Star()).as_("selected", quoted=True),
        exp.Count(this=exp.Case(ifs=[exp.If(this=window.copy(), true=exp.Literal.number(1))])).as_(
            "in_interval", quoted=True
        ),
    ).from_(table_ref(batch))
    return [
        *load.engine.lock(target),
        Statement(create_temp_like(batch, target, load.engine)),
        Statement(insert(table_ref(batch), names, raw)),
        Statement(counts, ROW),
        Statement(exp.delete(target.copy(), where=window.copy()), "deleted"),
        Statement(insert(target, names, one_per_key(table_ref(batch), fact, window, load.engine)), "inserted"),
        Statement(drop_table(batch)),
    ]


STRATEGIES: dict[str, Callable[[Load], list[Statement]]] = {  # by `strategy(table)`
    "upsert": dimension_upsert,
    "replace": dimension_replace,
    "fact_by_time": fact_replace,
    "fact_by_key": fact_merge,
}


def strategy(table: Table) -> str:
    """How a table loads: a dimension by its `load`, a fact by time or (`load: merge`) by key."""
    if isinstance(table, Dimension):
        return table.load
    return "fact_by_key" if isinstance(table, Fact) and table.load == "merge" else "fact_by_time"


def _merge(target: exp.Table, batch: exp.Table, key: list[str], names: list[str]) -> exp.Merge:
    """MERGE by key. Both clauses always: Redshift's MERGE needs a WHEN MATCHED next to WHEN NOT MATCHED
    (https://docs.aws.amazon.com/redshift/latest/dg/r_MERGE.html), so a table whose columns are all key columns
    sets its first key to itself."""
    on = _matches(key, target.name, "batch")
    updates = [exp.EQ(this=column(n), expression=column(n, "batch")) for n in names if n not in key]
    updates = updates or [exp.EQ(this=column(key[0]), expression=column(key[0], "batch"))]
    whens = [exp.When(matched=True, then=exp.Update(expressions=updates))]
    whens.append(
        exp.When(
            matched=False,
            then=exp.Insert(
                this=exp.Tuple(expressions=columns(names)),
                expression=exp.Tuple(expressions=columns(names, "batch")),
            ),
        )
    )
    return exp.Merge(
        this=target.copy(), using=batch.as_("batch", quoted=True), on=on, whens=exp.Whens(expressions=whens)
    )
