"""The value rules: which JSON values (read as text) a column of each type accepts, as Redshift's COPY accepts them,
and the value each becomes. The engines that stage from files (DuckDB, PostgreSQL) follow these rules, so that a
value refused by Redshift is refused everywhere, and one it loads loads the same everywhere. README ("When a load
fails") lists them.

- smallint, int, bigint: digits with an optional sign, within the type's range. A fraction ("1.5", 583.5), an
  exponent ("1e3"), hexadecimal ("0x1A") or digit separators ("2_6") are refused: COPY's error 1207 "a value
  outside of the expected range of 0-9", 1204/1222 for an overflow
  (https://docs.aws.amazon.com/redshift/latest/dg/r_Load_Error_Reference.html); an INSERT would round, COPY does
  not (https://docs.aws.amazon.com/redshift/latest/dg/r_Examples_with_numeric_types201.html).
- decimal(p,s): digits with an optional sign and fraction; a longer fraction is rounded to the scale, too many
  digits before the point are refused
  (https://docs.aws.amazon.com/redshift/latest/dg/r_Numeric_types201.html).
- real, double precision: the standard (12.123) or exponent (1.0E4) form
  (https://docs.aws.amazon.com/redshift/latest/dg/t_preparing-input-data.html).
- timestamp written as an epoch (TIMEFORMAT 'epochsecs' / 'epochmillisecs'): an integer, within the timestamp
  range (https://docs.aws.amazon.com/redshift/latest/dg/r_DATEFORMAT_and_TIMEFORMAT_strings.html,
  https://docs.aws.amazon.com/redshift/latest/dg/r_Datetime_types.html): a fraction is refused, not rounded.
- char(n), varchar(n): at most n bytes of UTF-8; no NUL character (without NULL AS '\\0', "null terminators will
  cause COPY to fail": https://docs.aws.amazon.com/redshift/latest/dg/t_preparing-input-data.html).
- "" (and null) in a column that is not text is NULL, as JSON COPY loads it.
- boolean, date, timestamp as text: as the type's cast reads it.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlglot import exp

from warehouse.sources.batch import Rule
from warehouse.spec import Column
from warehouse.sql.types import TEXT, TIMES, T, max_bytes
from warehouse.targets.duckdb import DuckDB

EPOCH_SCALE = {"epochmillisecs": 1_000, "epochsecs": 1_000_000}  # a timestamp written as a number, in µs per unit
# The timestamps every engine holds, in µs from 1970: from 4713 BC (Redshift's and PostgreSQL's first) to 294247 AD
# (DuckDB's last; Redshift's and PostgreSQL's is 294276 AD).
EPOCH_RANGE_US = (-210_866_803_200_000_000, 2**63 - 2)
INTEGER = r"[+-]?[0-9]+"
DECIMAL = r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)"
FLOAT = DECIMAL + r"([eE][+-]?[0-9]+)?"
FORMS = {T.SMALLINT: INTEGER, T.INT: INTEGER, T.BIGINT: INTEGER, T.DECIMAL: DECIMAL, T.FLOAT: FLOAT, T.DOUBLE: FLOAT}
READER = DuckDB()


def rules(name: str, col: Column, raw: exp.Expression, timeformat: str) -> list[Rule]:
    """The rules a column's value must pass (the module's docstring lists them)."""
    datatype = col.datatype
    if datatype.this in TEXT:
        size = max_bytes(datatype)
        nul = exp.func("strpos", raw.copy(), exp.func("chr", exp.Literal.number(0))) > 0
        return [
            Rule(exp.func("strlen", raw.copy()) > size, f"{name}: longer than its {size} bytes"),
            Rule(nul, f"{name}: holds a NUL character (\\u0000), which COPY refuses"),
        ]
    text = _text(raw)
    present = exp.not_(text.copy().is_(exp.null()))
    scale = _scale(col, timeformat)
    kind = exp.DataType.build("bigint") if scale else READER.column_type(datatype)
    form = FORMS.get(datatype.this, INTEGER if scale else None)
    wrong = exp.TryCast(this=text.copy(), to=kind).is_(exp.null())
    if form:
        wrong = exp.or_(exp.not_(exp.func("regexp_full_match", text.copy(), exp.Literal.string(form))), wrong)
    found = [Rule(exp.and_(present, wrong), f"{name}: not a {'integer epoch' if scale else col.type}")]
    if scale:
        low, high = (bound // scale for bound in EPOCH_RANGE_US)
        outside = exp.not_(exp.cast(text.copy(), kind).between(exp.Literal.number(low), exp.Literal.number(high)))
        found.append(Rule(exp.and_(present.copy(), exp.not_(wrong.copy()), outside), f"{name}: out of range"))
    return found


def value(name: str, col: Column, raw: exp.Expression, timeformat: str) -> exp.Expression:
    """The column's value, whose evaluation fails (naming the first rule broken) when the value is refused."""
    datatype = col.datatype
    stops = [
        exp.If(this=rule.refused, true=exp.func("error", exp.Literal.string(rule.reason)))
        for rule in rules(name, col, raw, timeformat)
    ]
    if datatype.this in TEXT:
        return exp.Case(ifs=stops, default=raw)
    scale = _scale(col, timeformat)
    converted: exp.Expression = exp.cast(_text(raw), "bigint" if scale else READER.column_type(datatype))
    if scale:
        converted = exp.func("make_timestamp", exp.Mul(this=converted, expression=exp.Literal.number(scale)))
    return exp.Case(ifs=stops, default=converted)


def refusing(query: exp.Query, required: Sequence[Rule]) -> exp.Query:
    """The rows of `query` (a source's columns), stopping at the first that breaks one of the rules."""
    if not required:
        return query
    stops = [exp.If(this=r.refused.copy(), true=exp.func("error", exp.Literal.string(r.reason))) for r in required]
    return exp.select("*").from_(query.subquery("typed")).where(exp.Case(ifs=stops).is_(exp.null()))


def _text(raw: exp.Expression) -> exp.Expression:
    return exp.Nullif(this=raw.copy(), expression=exp.Literal.string(""))


def _scale(col: Column, timeformat: str) -> int | None:
    return EPOCH_SCALE.get(timeformat) if col.datatype.this in TIMES else None
