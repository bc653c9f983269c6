"""Checks: each kind is one query whose returned rows are the failures (so a failure can show examples)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from sqlglot import exp

from warehouse.compile import Project
from warehouse.interval import Interval
from warehouse.spec import Check, Dimension, Fact, Table
from warehouse.sql.load import in_interval, merged_rows, strategy, timestamp, touched_keys
from warehouse.sql.names import Layout, column, columns, ident
from warehouse.sql.transforms import bind

SAMPLE = 5


@dataclass(frozen=True)
class Scope:
    """What a check looks at in one run (`reads`): a fact's interval rows (merged by key: the rows the run merged),
    a dimension's rows whose key its load touched (`keys`), or every row (`table`)."""

    project: Project
    name: str
    layout: Layout
    interval: Interval
    reads: str = "table"

    @property
    def table(self) -> Table:
        return self.project.spec.tables[self.name]

    def of(self, check: Check) -> Scope:
        """The scope of one check: the rows its spec asks for, every row where the load touched them all (a
        rebuild, `load: replace`)."""
        reads = check.scope(self.table)
        if reads == "keys" and (self.layout.rebuilt == self.name or strategy(self.table) == "replace"):
            reads = "table"
        return replace(self, reads=reads)

    @property
    def keeps_keys(self) -> bool:
        """The table's load keeps the keys it touched (`touched_keys`): an scd2 dimension's rebuilds their versions
        from them; an upsert's keeps them for its checks of those keys."""
        kind = strategy(self.table)
        return kind == "scd2" or (kind == "upsert" and any(self.of(c).reads == "keys" for c in self.table.checks))

    def everywhere(self) -> Scope:
        """Every row: what a check of the touched keys reads once they are gone (the interval finished)."""
        return replace(self, reads="table")

    @property
    def keys(self) -> exp.Table | None:
        """The keys the load touched, which the checks read: gone once the interval finished."""
        return touched_keys(self.layout, self.name) if self.reads == "keys" else None

    @property
    def gate(self) -> exp.Table | None:
        """A table the checks read that is gone once the interval finished: a merged fact's `merged_rows`."""
        merged = self.reads == "interval" and strategy(self.table) == "fact_by_key"
        return merged_rows(self.layout, self.name) if merged else None

    def touched(self, owner: str) -> exp.Exists:
        """The row (of the checked table, as `owner`) has a key the load touched."""
        keys = self.keys
        assert keys is not None
        same = exp.and_(*(column(k, "touched_keys").eq(column(k, owner)) for k in self.table.key))
        one = exp.select(exp.Literal.number(1)).from_(keys.as_("touched_keys", quoted=True), copy=False)
        return exp.Exists(this=one.where(same, copy=False))

    def rows(self, alias: str | None = None, *projections: exp.Expression) -> exp.Select:
        """The rows checked (an scd2 dimension's real versions), as `alias` if given."""
        source = self.layout.table(self.name)
        owner = alias or source.name  # the table, or the shadow a rebuild loads
        query = exp.select(*projections).from_(source.as_(alias, quoted=True) if alias else source, copy=False)
        if isinstance(self.table, Dimension) and self.table.scd2:
            real = exp.and_(
                column(self.table.key[0], alias).is_(exp.null()).not_(), column("is_inferred", alias).not_()
            )
            query = query.where(real, copy=False)
        if self.reads == "keys":
            return query.where(self.touched(owner), copy=False)
        if self.reads == "table":
            return query
        assert isinstance(self.table, Fact)
        if self.gate is not None:
            same_key = exp.and_(*(column(k, "merged").eq(column(k, owner)) for k in self.table.key))
            merged = exp.select(exp.Literal.number(1)).from_(self.gate.as_("merged", quoted=True), copy=False)
            return query.where(exp.Exists(this=merged.where(same_key, copy=False)), copy=False)
        return query.where(in_interval(column(self.table.time_column, alias), self.interval), copy=False)


def failures(check: Check, index: int, scope: Scope) -> exp.Select:
    """The rows that break the check: offending rows, or one row describing a failed count or age."""
    return FAILURES[check.kind](check, index, scope)


def _not_null(check: Check, index: int, scope: Scope) -> exp.Select:
    checked = check.options.columns
    shown = scope.table.key + [c for c in checked if c not in scope.table.key]
    missing = exp.or_(*(column(c).is_(exp.null()) for c in checked))
    return scope.rows(None, *columns(shown)).where(missing, copy=False)


def _unique(check: Check, index: int, scope: Scope) -> exp.Select:
    """Repeated combinations: of the touched keys' rows when the columns hold the key (a repeat has the same key);
    else of every row, those with a touched row (its repeat may be any row)."""
    keys, count = check.options.columns, exp.Count(this=exp.Star())
    touched = scope.keys
    if touched is None or set(scope.table.key) <= set(keys):
        query = scope.rows(None, *columns(keys), count.as_("rows", quoted=True))
        return query.group_by(*columns(keys), copy=False).having(count.copy() > 1, copy=False)
    key = scope.table.key
    on = exp.and_(*(column(k, "checked").eq(column(k, "touched_keys")) for k in key))
    query = scope.everywhere().rows("checked", *columns(keys, "checked"), count.as_("rows", quoted=True))
    query = query.join(touched.as_("touched_keys", quoted=True), on=on, join_type="left", copy=False)
    with_touched = exp.Count(this=column(key[0], "touched_keys")) > 0
    grouped = query.group_by(*columns(keys, "checked"), copy=False)
    return grouped.having(exp.and_(count.copy() > 1, with_touched), copy=False)


def _row_count(check: Check, index: int, scope: Scope) -> exp.Select:
    options = check.options
    counted = scope.rows(None, exp.Count(this=exp.Star()).as_("rows", quoted=True)).subquery(ident("counted"))
    rows = column("rows", "counted")
    query = exp.select(rows).from_(counted)
    bad = [rows < options.min] if options.min is not None else []
    bad += [rows > options.max] if options.max is not None else []
    if options.staged:
        staged_rows = exp.select(exp.Count(this=exp.Star()).as_("rows", quoted=True)).from_(
            scope.layout.staging(options.staged.source)
        )
        condition = scope.project.sql.conditions.get((scope.name, index))
        if condition is not None:
            staged_rows = staged_rows.where(condition.copy())
        staged = column("rows", "staged")
        query = query.select(staged.as_("staged", quoted=True)).join(
            staged_rows.subquery(ident("staged")), join_type="cross"
        )
        allowed = exp.Mul(this=staged.copy(), expression=exp.Literal.number(options.staged.tolerance))
        bad.append(exp.Abs(this=rows.copy() - staged.copy()) > allowed)
    return query.where(exp.or_(*bad)) if bad else query.where(exp.false())


def _references(check: Check, index: int, scope: Scope) -> exp.Select:
    options = check.options
    target = scope.project.spec.tables[options.to]
    to_columns = options.to_columns or target.key
    match = exp.and_(
        *(column(t, "referenced").eq(column(c, "checked")) for c, t in zip(options.columns, to_columns, strict=True))
    )
    found = exp.select("1").from_(scope.layout.table(options.to).as_("referenced", quoted=True)).where(match)
    shown = scope.table.key + [c for c in options.columns if c not in scope.table.key]
    present = exp.and_(*(exp.not_(column(c, "checked").is_(exp.null())) for c in options.columns))
    query = scope.rows("checked", *columns(shown, "checked")).where(present, copy=False)
    return query.where(exp.not_(exp.Exists(this=found)), copy=False)


def _accepted_values(check: Check, index: int, scope: Scope) -> exp.Select:
    options = check.options
    allowed = [exp.convert(v) for v in options.values]
    shown = scope.table.key + ([options.column] if options.column not in scope.table.key else [])
    outside = exp.and_(
        exp.not_(column(options.column).is_(exp.null())), exp.not_(column(options.column).isin(*allowed))
    )
    return scope.rows(None, *columns(shown)).where(outside, copy=False)


def _freshness(check: Check, index: int, scope: Scope) -> exp.Select:
    options = check.options
    newest = scope.rows(None, exp.Max(this=column(options.column)).as_("newest", quoted=True))
    bound = timestamp(scope.interval.end - options.age)
    value = column("newest", "latest")
    stale = exp.or_(value.is_(exp.null()), value < bound)
    return exp.select(value, bound.as_("bound", quoted=True)).from_(newest.subquery(ident("latest"))).where(stale)


def _sql(check: Check, index: int, scope: Scope) -> exp.Select:
    values = {"interval_start": timestamp(scope.interval.start), "interval_end": timestamp(scope.interval.end)}
    return bind(scope.project.sql.check_queries[(scope.name, index)], scope.layout, values)


def _history(check: Check, index: int, scope: Scope) -> exp.Select:
    """Versions whose `valid_to` is not the next version's `valid_from` (a gap, an overlap), that end before they
    start, whose `is_current` disagrees with an open end, or of a key without exactly one current version (every
    version of a key read, inferred members included)."""
    table = scope.table
    assert isinstance(table, Dimension) and table.surrogate_key
    key, by_start = table.key, exp.Order(expressions=[exp.Ordered(this=column("valid_from"))])
    shown = [*key, table.surrogate_key, "valid_from", "valid_to", "is_current"]
    current = exp.Case(
        ifs=[exp.If(this=column("is_current"), true=exp.Literal.number(1))], default=exp.Literal.number(0)
    )
    versions = (
        exp.select(
            *columns(shown),
            exp.Window(
                this=exp.Anonymous(this="LEAD", expressions=[column("valid_from")]),
                partition_by=columns(key),
                order=by_start,
            ).as_("next_valid_from", quoted=True),
            exp.Window(this=exp.Sum(this=current), partition_by=columns(key)).as_("current_versions", quoted=True),
        )
        .from_(scope.layout.table(scope.name))
        .where(column(key[0]).is_(exp.null()).not_())
    )
    if scope.keys is not None:  # the versions of the touched keys: no other key's changed
        versions = versions.where(scope.touched(scope.layout.table(scope.name).name), copy=False)
    to, following = column("valid_to"), column("next_valid_from")
    open_end = to.is_(exp.null())
    bad = exp.or_(
        exp.not_(exp.or_(to.eq(following), exp.and_(open_end.copy(), following.is_(exp.null())))),
        to.copy() <= column("valid_from"),
        exp.and_(column("is_current"), exp.not_(open_end.copy())),
        exp.and_(exp.not_(column("is_current")), open_end.copy()),
        column("current_versions").neq(1),
    )
    return (
        exp.select(*columns([*shown, "next_valid_from", "current_versions"]))
        .from_(versions.subquery(ident("versions")))
        .where(bad)
    )


FAILURES: dict[str, Callable[[Check, int, Scope], exp.Select]] = {
    "not_null": _not_null,
    "unique": _unique,
    "row_count": _row_count,
    "references": _references,
    "accepted_values": _accepted_values,
    "freshness": _freshness,
    "sql": _sql,
    "history": _history,
}


def failure_counts(failing: list[tuple[int, exp.Query]]) -> exp.Query:
    """One query for several checks: a row per check with its index and how many rows fail it."""
    counted = [
        exp.select(
            exp.Literal.number(index).as_("check", quoted=True),
            exp.Count(this=exp.Star()).as_("failures", quoted=True),
        ).from_(query.subquery(ident("failing")), copy=False)
        for index, query in failing
    ]
    return counted[0] if len(counted) == 1 else exp.union(*counted, distinct=False, copy=False)


def sample(failing: exp.Query) -> exp.Select:
    """The first few failing rows, in a stable order."""
    order = [exp.Ordered(this=exp.Literal.number(i + 1)) for i in range(len(failing.selects))]
    query = exp.select(exp.Star()).from_(failing.subquery(ident("failing")), copy=False)
    return query.order_by(*order, copy=False).limit(SAMPLE, copy=False)
