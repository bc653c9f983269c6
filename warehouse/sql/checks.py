"""Checks: each kind is one query whose returned rows are the failures (so a failure can show examples)."""

from __future__ import annotations

from collections.abc import Callable

from sqlglot import exp

from warehouse.spec import Check, Table
from warehouse.sql.names import column, columns, ident

SAMPLE = 5


def check_name(check: Check) -> str:
    """A short label, e.g. `not_null(user_id, level)` or `row_count(min=1)`."""
    options = check.options
    if check.kind == "row_count":
        bounds = ", ".join(f"{b}={getattr(options, b)}" for b in ("min", "max") if getattr(options, b) is not None)
        return f"row_count({bounds})"
    return f"{check.kind}({', '.join(options.columns)})"


def failures(check: Check, table: Table, rows: exp.Table, where: exp.Expression | None) -> exp.Select:
    """The rows that break `check`, in `rows` (filtered by `where`: a fact's interval)."""
    return FAILURES[check.kind](check, table, rows, where)


def _scope(rows: exp.Table, where: exp.Expression | None, *projections: exp.Expression) -> exp.Select:
    query = exp.select(*projections).from_(rows.copy())
    return query.where(where.copy()) if where is not None else query


def _not_null(check: Check, table: Table, rows: exp.Table, where: exp.Expression | None) -> exp.Select:
    checked = check.options.columns
    shown = table.key + [c for c in checked if c not in table.key]
    missing = exp.or_(*(column(c).is_(exp.null()) for c in checked))
    return _scope(rows, where, *columns(shown)).where(missing, append=True)


def _unique(check: Check, table: Table, rows: exp.Table, where: exp.Expression | None) -> exp.Select:
    keys = check.options.columns
    count = exp.Count(this=exp.Star())
    query = _scope(rows, where, *columns(keys), count.as_("rows", quoted=True))
    return query.group_by(*columns(keys)).having(count.copy() > 1)


def _row_count(check: Check, table: Table, rows: exp.Table, where: exp.Expression | None) -> exp.Select:
    options = check.options
    counted = _scope(rows, where, exp.Count(this=exp.Star()).as_("rows", quoted=True))
    rows_col = column("rows", "counted")
    bad = [rows_col < options.min] if options.min is not None else []
    bad += [rows_col > options.max] if options.max is not None else []
    query = exp.select(rows_col).from_(counted.subquery(ident("counted")))
    return query.where(exp.or_(*bad)) if bad else query.where(exp.false())


FAILURES: dict[str, Callable[..., exp.Select]] = {
    "not_null": _not_null,
    "unique": _unique,
    "row_count": _row_count,
}


def count_and_sample(failing: exp.Select) -> tuple[exp.Select, exp.Select]:
    """How many rows fail, and the first few in a stable order."""
    total = exp.select(exp.Count(this=exp.Star()).as_("failures", quoted=True)).from_(
        failing.subquery(ident("failing"))
    )
    order = [exp.Ordered(this=exp.Literal.number(i + 1)) for i in range(len(failing.selects))]
    sample = failing.copy().order_by(*order).limit(SAMPLE)
    return total, sample
