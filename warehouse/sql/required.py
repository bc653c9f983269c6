"""What the tables that read a source need of its rows, checked at staging where each row's file and line are
known: a value that a NOT NULL column of a table is made from (`required`), one row per key (`keyed`), and the
time that places a row in its interval (`interval_column`)."""

from __future__ import annotations

from sqlglot import exp

from warehouse.compile import Project
from warehouse.sources.batch import Keyed, Needs, Rule
from warehouse.spec import STAGING


def needs(project: Project, source: str) -> Needs:
    return Needs(required(project, source), keyed(project, source))


def keyed(project: Project, source: str) -> list[Keyed]:
    """The tables that keep one row per key of this source's rows as they come (no `latest_by` to pick the
    newest), whose key is made of the source's columns as they are."""
    found = []
    for table, spec_table in project.spec.tables.items():
        select = project.select(table)
        alias = _reads(select, source)
        if alias is None or getattr(spec_table, "latest_by", None) or not spec_table.key:
            continue
        bare = {
            p.alias_or_name: p.unalias().name
            for p in select.expressions
            if isinstance(p.unalias(), exp.Column) and p.unalias().table == alias
        }
        if all(k in bare for k in spec_table.key):
            values = [bare[n] for n in bare if n not in spec_table.key]
            if values:
                found.append(Keyed(table, [bare[k] for k in spec_table.key], values))
    return found


def required(project: Project, source: str) -> list[Rule]:
    """A rule per set of the source's columns that a NOT NULL column of a table is made from (that row alone):
    refused when the row passes the table's WHERE and the value would be NULL (over the source's columns)."""
    found: dict[str, tuple[list[exp.Expression], list[str]]] = {}
    for table, spec_table in project.spec.tables.items():
        select = project.select(table)
        alias = _reads(select, source)
        if alias is None or select.args.get("group") or select.find(exp.AggFunc, exp.Window):
            continue
        where = select.args.get("where")
        if where is not None and not _only(where.this, alias):
            continue
        for projection in select.expressions:
            spec_column = spec_table.columns.get(projection.alias_or_name)
            value = projection.unalias()
            if spec_column is None or spec_column.nullable or not _only(value, alias):
                continue
            refused = _null(value)
            if where is not None:
                refused = exp.and_(where.this.copy(), refused)
            names = ", ".join(sorted({c.name for c in value.find_all(exp.Column)}))
            conditions, needs = found.setdefault(names, ([], []))
            refused = _unqualified(refused)
            if refused not in conditions:
                conditions.append(refused)
            needs.append(f"{table}.{projection.alias_or_name}")
    return [
        Rule(exp.or_(*conditions), f"{names}: NULL, but {_listed(needs)} need a value")
        for names, (conditions, needs) in found.items()
    ]


# Expressions that are NULL exactly when one of their columns is (in Redshift as in DuckDB): for them, a row is
# checked by its columns alone, not by computing the value (an MD5 per row).
STRICT = (exp.Column, exp.Identifier, exp.Literal, exp.Var, exp.Paren, exp.Cast, exp.DataType, exp.DPipe, exp.MD5)
STRICT += (exp.Extract, exp.Add, exp.Sub, exp.Mul)


def _null(value: exp.Expression) -> exp.Expression:
    """When the value is NULL."""
    if all(isinstance(node, STRICT) for node in value.walk()):
        names = dict.fromkeys(c.name for c in value.find_all(exp.Column))
        return exp.or_(*(exp.column(n, table=_table(value)).is_(exp.null()) for n in names))
    return value.copy().is_(exp.null())


def _table(value: exp.Expression) -> str:
    return next(value.find_all(exp.Column)).table


def _listed(needs: list[str], shown: int = 3) -> str:
    return ", ".join(needs[:shown]) + (f" and {len(needs) - shown} more" if len(needs) > shown else "")


def interval_column(project: Project, source: str) -> str | None:
    """The source column that the time column of a fact replaced by interval is (as is): rows whose time falls
    outside the interval are loaded by no table of it. (A fact merged by key loads rows of any time.)"""
    for table, spec_table in project.spec.tables.items():
        time_column = getattr(spec_table, "time_column", None)
        select = project.select(table)
        alias = _reads(select, source)
        if time_column is None or getattr(spec_table, "load", None) != "replace" or alias is None:
            continue
        for projection in select.expressions:
            value = projection.unalias()
            if projection.alias_or_name == time_column and isinstance(value, exp.Column) and value.table == alias:
                return value.name
    return None


def _reads(select: exp.Query, source: str) -> str | None:
    """The alias under which a SELECT reads the source's staged rows in its FROM, if it does."""
    if not isinstance(select, exp.Select):
        return None
    table = select.args.get("from_") or select.args.get("from")
    table = table.this if table is not None else None
    if isinstance(table, exp.Table) and table.db == STAGING and table.name == source:
        return table.alias_or_name
    return None


def _only(expression: exp.Expression, alias: str) -> bool:
    """Whether every column of the expression is the alias's, and there is one."""
    columns = list(expression.find_all(exp.Column))
    return bool(columns) and all(c.table == alias for c in columns) and not expression.find(exp.Subquery)


def _unqualified(expression: exp.Expression) -> exp.Expression:
    return expression.transform(
        lambda node: exp.column(node.name, quoted=True) if isinstance(node, exp.Column) else node
    )
