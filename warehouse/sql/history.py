"""Type 2 dimensions (`history: scd2`): a version per change of the tracked columns, rebuilt per touched key from
every run of versions ever staged, so that intervals load in any order; facts' lookups of the version valid at
their time; the history check.

Each load keeps its interval's *runs* in `<dimension>__runs`: per key, each stretch of rows with equal tracked
values (its first time, and the other columns of its last row). A rerun replaces its interval's runs. The
versions of a key are its runs in time order, consecutive equal tracked values merged: a version starts at its
first run's time (`valid_from`) and ends where the next starts (`valid_to`); the other columns take the key's
newest values on every version. The surrogate key hashes the natural key and `valid_from` (the key alone for the
key's first version, which an inferred member becomes when its rows arrive), the same on every engine."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlglot import exp

from warehouse.spec import HISTORY_COLUMNS, Column, Dimension, Fact, Lookup, Spec
from warehouse.sql.ddl import create_table, create_temp_as, drop_table
from warehouse.sql.load import Load, LoadSQL, insert, latest_per_key, timestamp
from warehouse.sql.names import Layout, column, columns, ident
from warehouse.sql.names import table as table_ref
from warehouse.sql.statement import Statement

if TYPE_CHECKING:
    from warehouse.interval import Interval
    from warehouse.targets.engine import Engine

UNKNOWN = 0  # the surrogate key of the unknown member, which facts with a NULL key point to
BEGINNING = "1900-01-01 00:00:00"  # valid_from of the unknown and inferred members
EARLIEST, LATEST = "0001-01-01 00:00:00", "9999-12-31 23:59:59"  # the open ends of a version's range, in lookups
RUN_COLUMNS = ("valid_from", "interval_start")


def runs_table(layout: Layout, name: str) -> exp.Table:
    """Where a dimension keeps the runs each interval staged."""
    return table_ref(f"{name}__runs", layout.schema)


def runs_columns(dimension: Dimension) -> dict[str, Column]:
    """The runs table's columns: the dimension's selected columns, the run's first time and its interval."""
    return {n: dimension.columns[n] for n in dimension.selected} | {
        n: HISTORY_COLUMNS["valid_from"] for n in RUN_COLUMNS
    }


def runs_ddl(name: str, dimension: Dimension, engine: Engine, schema: str | None) -> exp.Create:
    """The runs table, if it is not there."""
    return create_table(f"{name}__runs", runs_columns(dimension), engine, schema=schema)


def _window(func: exp.Expression, partition: list[str], order: list[exp.Expression]) -> exp.Window:
    return exp.Window(this=func, partition_by=columns(partition), order=exp.Order(expressions=order) if order else None)


def _asc(name: str) -> exp.Ordered:
    return exp.Ordered(this=column(name), desc=False, nulls_first=False)


def _desc(name: str) -> exp.Ordered:
    return exp.Ordered(this=column(name), desc=True, nulls_first=False)


def _starts(dimension: Dimension, order: list[exp.Expression], neighbour: str = "LAG") -> exp.Case:
    """1 where a row's tracked values differ from its key's previous row's (`LEAD`: next row's), or it has none;
    else 0. Every window is the same (the key's rows in `order`): one sort."""
    key, by = dimension.key, dimension.latest_by or ""

    def beside(name: str) -> exp.Window:
        return _window(exp.Anonymous(this=neighbour, expressions=[column(name)]), key, order)

    same = exp.and_(
        *(
            exp.or_(
                column(n).eq(beside(n)),
                exp.and_(column(n).is_(exp.null()), beside(n).is_(exp.null())),
            )
            for n in dimension.tracked
        )
    )
    return exp.Case(
        ifs=[
            exp.If(this=beside(by).is_(exp.null()), true=exp.Literal.number(1)),
            exp.If(this=same, true=exp.Literal.number(0)),
        ],
        default=exp.Literal.number(1),
    )


def _sub(query: exp.Query, alias: str) -> exp.Subquery:
    return query.subquery(ident(alias), copy=False)


def batch_runs(load: Load) -> exp.Select:
    """The run's rows (one per key and time) as runs: per key, each stretch of equal tracked values, with its first
    time as `valid_from`, the other columns of its last row, and the interval."""
    dimension = load.table
    assert isinstance(dimension, Dimension) and dimension.latest_by
    key, names, by = dimension.key, dimension.selected, dimension.latest_by
    order = [_asc(by)]
    rows = latest_per_key(load.select, dimension, load.engine, key=[*key, by], names=names)
    timed = exp.select(*columns(names)).from_(_sub(rows, "rows")).where(column(by).is_(exp.null()).not_())
    flagged = exp.select(
        *columns(names),
        _starts(dimension, order).as_("_starts", quoted=True),
        _starts(dimension, order, "LEAD").as_("_ends", quoted=True),
    ).from_(_sub(timed, "timed"))
    start = exp.Case(ifs=[exp.If(this=column("_starts").eq(1), true=column(by))])
    since = exp.Window(  # the time of the run's first row, carried to its last
        this=exp.Max(this=start),
        partition_by=columns(key),
        order=exp.Order(expressions=order),
        spec=exp.WindowSpec(kind="ROWS", start="UNBOUNDED", start_side="PRECEDING"),
    )
    ends = exp.select(*columns(names), column("_ends"), since.as_("valid_from", quoted=True))
    return (
        exp.select(
            *columns(names), column("valid_from"), timestamp(load.interval.start).as_("interval_start", quoted=True)
        )
        .from_(_sub(ends.from_(_sub(flagged, "flagged")), "ends"))
        .where(column("_ends").eq(1))
    )


def _first_rows(query: exp.Select, flag: str) -> exp.Select:
    """The query's rows whose `flag` column is 1."""
    return exp.select("*").from_(_sub(query, f"{flag}_of")).where(column(flag).eq(1))


def surrogate(engine: Engine, key: list[exp.Expression], valid_from: exp.Expression | None) -> exp.Expression:
    """The surrogate key of a key's version: the hash of the key's text (`|`-joined), and of `valid_from` but for
    the key's first version."""
    parts: list[exp.Expression] = []
    for value in key:
        parts += [exp.Literal.string("|")] if parts else []
        parts.append(exp.cast(value, exp.DataType.build("varchar")))
    if valid_from is not None:
        parts += [exp.Literal.string("|"), engine.timestamp_text(valid_from)]
    text = parts[0]
    for part in parts[1:]:
        text = exp.DPipe(this=text, expression=part)
    return engine.hash64(text)


def versions(dimension: Dimension, runs: exp.Table, touched: exp.Table, engine: Engine) -> exp.Select:
    """Every version of the touched keys, from all their runs."""
    key, by, names = dimension.key, dimension.latest_by or "", dimension.selected
    tracked = dimension.tracked
    other = [n for n in names if n not in key and n not in tracked]
    on = exp.and_(*(column(k, "runs").eq(column(k, "touched")) for k in key))
    mine = (
        exp.select(*columns([*names, "valid_from"], "runs"))
        .from_(runs.copy().as_("runs", quoted=True))
        .join(touched.copy().as_("touched", quoted=True), on=on)
    )
    order = [_asc("valid_from"), _asc(by), *(_asc(n) for n in tracked)]
    starts = exp.select(*columns([*key, *tracked, "valid_from"]), _starts(dimension, order).as_("_starts", quoted=True))
    starts = starts.from_(_sub(mine.copy(), "mine"))
    newest = exp.select(
        *columns([*key, *other]),
        _window(exp.RowNumber(), key, [_desc(by), _desc("valid_from")]).as_("_newest", quoted=True),
    ).from_(_sub(mine, "mine"))
    by_start = [_asc("valid_from")]
    next_from = _window(exp.Anonymous(this="LEAD", expressions=[column("valid_from")]), key, by_start)
    hashed = exp.Case(
        ifs=[exp.If(this=_window(exp.RowNumber(), key, by_start).eq(1), true=surrogate(engine, columns(key), None))],
        default=surrogate(engine, columns(key), column("valid_from")),
    )
    current = exp.Case(ifs=[exp.If(this=next_from.copy().is_(exp.null()), true=exp.true())], default=exp.false())
    assert dimension.surrogate_key
    spans = exp.select(
        *columns([*key, *tracked, "valid_from"]),
        hashed.as_(dimension.surrogate_key, quoted=True),
        next_from.as_("valid_to", quoted=True),
        current.as_("is_current", quoted=True),
    ).from_(_sub(_first_rows(starts, "_starts"), "starts"))
    join = exp.and_(*(column(k, "spans").eq(column(k, "newest")) for k in key))
    history = [dimension.surrogate_key, "valid_from", "valid_to", "is_current"]
    return (
        exp.select(
            *columns([*key, *tracked], "spans"),
            *columns(other, "newest"),
            *columns(history, "spans"),
            exp.false().as_("is_inferred", quoted=True),
        )
        .from_(_sub(spans, "spans"))
        .join(_sub(_first_rows(newest, "_newest"), "newest"), on=join)
    )


def dimension_scd2(load: Load) -> LoadSQL:
    """Stage the run's runs and the keys they touch (now or before: a rerun may drop a key), kept for the checks
    (`touched_keys`), taking no lock; then, under the lock, replace the interval's runs, rebuild every version of
    the touched keys, keep the unknown member, and repoint the facts that look the dimension up to the version
    valid at their time."""
    dimension, target, name = load.table, load.target, load.name
    assert isinstance(dimension, Dimension)
    runs, staged = runs_table(load.layout, name), table_ref(f"{name}__batch_runs")
    touched, rebuilt = table_ref(f"{name}__touched"), table_ref(f"{name}__versions")
    key, names, run_names = dimension.key, dimension.column_names, [*dimension.selected, *RUN_COLUMNS]
    mine = column("interval_start").eq(timestamp(load.interval.start))
    runs_of = [  # this interval's runs, replaced and replacing: they are its own
        exp.select(*columns([*key, "valid_from"])).from_(runs.copy()).where(mine.copy()),
        exp.select(*columns([*key, "valid_from"])).from_(staged.copy()),
    ]
    changed = exp.Min(this=column("valid_from")).as_("changed_from", quoted=True)
    touched_by = exp.select(*columns(key), changed).from_(_sub(exp.union(*runs_of, distinct=False), "runs_of"))
    prepare = [
        *(Statement(drop_table(t.name)) for t in (staged, touched)),
        Statement(create_temp_as(staged.name, batch_runs(load))),
        Statement(create_temp_as(touched.name, touched_by.group_by(*columns(key)))),
        *load.keep_keys(exp.select(*columns(key)).from_(touched.copy())),
    ]
    on = exp.and_(*(column(k, target.name).eq(column(k, touched.name)) for k in key))
    publish = [
        Statement(exp.delete(runs.copy(), where=mine.copy())),
        Statement(insert(runs, run_names, exp.select(*columns(run_names)).from_(staged.copy()))),
        Statement(create_temp_as(rebuilt.name, versions(dimension, runs, touched, load.engine))),
        Statement(exp.Delete(this=target.copy(), using=[touched.copy()], where=exp.Where(this=on)), "deleted"),
        Statement(insert(target, names, exp.select(*columns(names)).from_(rebuilt.copy())), "inserted"),
        Statement(unknown_member(target, dimension)),
        *(Statement(repoint(load.layout.table(fact), lookup, rebuilt, dimension, touched), "repointed")
          for fact, lookup in lookups_of(load.spec, name) if load.layout.rebuilt != name),  # a rebuild's: at the swap
        *(Statement(drop_table(t.name)) for t in (staged, touched, rebuilt)),
    ]  # fmt: skip
    return LoadSQL(prepare, publish)


def lookups_of(spec: Spec, dimension: str) -> list[tuple[str, Lookup]]:
    """The facts' lookups of a dimension, by fact."""
    return [(n, lookup) for n, f in spec.facts.items() for lookup in f.lookups if lookup.dimension == dimension]


def unknown_member(target: exp.Table, dimension: Dimension) -> exp.Insert:
    """The unknown member, once: every column NULL but its surrogate key and history."""
    assert dimension.surrogate_key
    names = [dimension.surrogate_key, "valid_from", "is_current", "is_inferred"]
    values = [exp.Literal.number(UNKNOWN), _timestamp(BEGINNING), exp.true(), exp.false()]
    present = (
        exp.select(exp.Count(this=exp.Star()).as_("n", quoted=True))
        .from_(target.copy())
        .where(column(dimension.surrogate_key).eq(UNKNOWN))
    )
    rows = exp.select(*(v.as_(n, quoted=True) for v, n in zip(values, names, strict=True)))
    return insert(target, names, rows.from_(_sub(present, "known")).where(column("n", "known").eq(0)))


def ranges(versions_of: exp.Table, dimension: Dimension) -> exp.Select:
    """Each version's time range for lookups: the key's first version reaches back to any earlier time."""
    key = dimension.key
    assert dimension.surrogate_key
    first = exp.Window(this=exp.Min(this=column("valid_from")), partition_by=columns(key))
    since = exp.Case(ifs=[exp.If(this=column("valid_from").eq(first), true=exp.null())], default=column("valid_from"))
    return (
        exp.select(*columns([*key, dimension.surrogate_key]), since.as_("since", quoted=True), column("valid_to"))
        .from_(versions_of.copy())
        .where(column(key[0]).is_(exp.null()).not_())
    )


def _ends(owner: str | None = None) -> tuple[exp.Expression, exp.Expression]:
    """A version's range (`ranges`, as `owner`): its first time and the time it ends before. Open ends read as the
    earliest and latest timestamps rather than `since IS NULL OR ...`: with an OR in its condition DuckDB joins by
    nested loop (every row against every version), with plain comparisons it hashes the key and filters."""
    return (
        exp.func("COALESCE", column("since", owner), _timestamp(EARLIEST)),
        exp.func("COALESCE", column("valid_to", owner), _timestamp(LATEST)),
    )


def _valid_at(owner: str, time: exp.Expression) -> exp.Expression:
    """The version's range (`ranges` as `owner`) holds the time."""
    since, until = _ends(owner)
    return exp.and_(time.copy() >= since, time.copy() < until)


def _overlaps(interval: Interval) -> exp.Expression:
    """A version's range (`ranges`) meets the interval."""
    since, until = _ends()
    return exp.and_(since < timestamp(interval.end), until > timestamp(interval.start))


def _timestamp(text: str) -> exp.Cast:
    return exp.cast(exp.Literal.string(text), exp.DataType.build("timestamp"))


def with_lookups(
    rows: exp.Query, fact: Fact, spec: Spec, layout: Layout, engine: Engine, interval: Interval | None = None
) -> exp.Query:
    """The fact's rows with each lookup's surrogate key: the version valid at the row's time; for a key with no
    version yet, its inferred member's (the key's first version to be); for a NULL key, the unknown member's.
    With the `interval` the fact replaces, a lookup at the fact's time reads only the versions valid in it: the
    rows outside it are counted, not loaded, and each row meets one version per key instead of all of them."""
    if not fact.lookups:
        return rows
    query = exp.select(*columns(fact.selected, "source")).from_(_sub(rows, "source"))
    for i, lookup in enumerate(fact.lookups):
        dimension = spec.dimensions[lookup.dimension]
        alias = f"lookup{i}"
        on = exp.and_(
            *(column(k, alias).eq(column(f, "source")) for f, k in lookup.on.items()),
            _valid_at(alias, column(lookup.at, "source")),
        )
        versions = ranges(layout.table(lookup.dimension), dimension)
        if interval is not None and lookup.at == fact.time_column:
            named = versions.named_selects
            versions = exp.select(*columns(named)).from_(_sub(versions, "versions")).where(_overlaps(interval))
        query = query.join(_sub(versions, alias), on=on, join_type="left")
        fact_key = [column(f, "source") for f, k in sorted(lookup.on.items(), key=lambda p: dimension.key.index(p[1]))]
        missing = exp.or_(*(c.copy().is_(exp.null()) for c in fact_key))
        found = exp.Coalesce(
            this=column(dimension.surrogate_key or "", alias), expressions=[surrogate(engine, fact_key, None)]
        )
        value = exp.Case(ifs=[exp.If(this=missing, true=exp.Literal.number(UNKNOWN))], default=found)
        query = query.select(value.as_(lookup.as_, quoted=True), copy=False)
    return exp.select(*columns(fact.column_names)).from_(_sub(query, "looked_up"))


def inferred_members(fact: Fact, batch: exp.Table, spec: Spec, layout: Layout) -> list[exp.Insert]:
    """An inferred member for each key of the batch that its dimension does not hold yet: the key, the surrogate
    key the fact received, flagged `is_inferred`."""
    inserts = []
    for lookup in fact.lookups:
        dimension = spec.dimensions[lookup.dimension]
        target = layout.table(lookup.dimension)
        pairs = sorted(lookup.on.items(), key=lambda p: dimension.key.index(p[1]))
        known = exp.and_(*(column(k, "known").eq(column(f, "batch")) for f, k in pairs))
        names = [*dimension.key, dimension.surrogate_key or "", "valid_from", "is_current", "is_inferred"]
        rows = (
            exp.select(
                *(column(f, "batch").as_(k, quoted=True) for f, k in pairs),
                column(lookup.as_, "batch").as_(names[len(pairs)], quoted=True),
                _timestamp(BEGINNING).as_("valid_from", quoted=True),
                exp.true().as_("is_current", quoted=True),
                exp.true().as_("is_inferred", quoted=True),
            )
            .distinct()
            .from_(batch.copy().as_("batch", quoted=True))
            .join(target.copy().as_("known", quoted=True), on=known, join_type="left")
            .where(column(pairs[0][1], "known").is_(exp.null()))
            .where(column(lookup.as_, "batch").neq(UNKNOWN))
        )
        inserts.append(insert(target, names, rows))
    return inserts


def repoint(
    fact_table: exp.Table, lookup: Lookup, rebuilt: exp.Table, dimension: Dimension, touched: exp.Table | None = None
) -> exp.Update:
    """The fact rows of the rebuilt keys that point to another version than the one valid at their time, pointed
    to it (https://docs.aws.amazon.com/redshift/latest/dg/r_UPDATE.html: UPDATE ... SET ... FROM ... WHERE).
    With an interval's `touched` keys, only rows at or after the earliest run it replaced or staged
    (`changed_from`): the version valid before that starts at an unchanged run, so its surrogate key is unchanged.
    The bound is a scalar subquery (https://docs.aws.amazon.com/redshift/latest/dg/r_scalar_subqueries.html): it
    keeps the other rows out of the join (PostgreSQL still reads them, not knowing the bound selects a day)."""
    owner = fact_table.name
    on = [column(k, "ranges").eq(column(f, owner)) for f, k in lookup.on.items()]
    assert dimension.surrogate_key
    new = column(dimension.surrogate_key, "ranges")
    where = exp.and_(*on, _valid_at("ranges", column(lookup.at, owner)), column(lookup.as_, owner).neq(new))
    if touched is not None:
        earliest = exp.select(exp.Min(this=column("changed_from"))).from_(touched.copy()).subquery(copy=False)
        where = exp.and_(column(lookup.at, owner) >= earliest, where)
    return exp.Update(
        this=fact_table.copy(),
        expressions=[exp.EQ(this=column(lookup.as_), expression=new.copy())],
        from_=exp.From(this=_sub(ranges(rebuilt, dimension), "ranges")),
        where=exp.Where(this=where),
    )
