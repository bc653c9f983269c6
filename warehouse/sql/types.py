"""Column types: the Redshift vocabulary a spec may use, parsed once and rendered per dialect."""

from __future__ import annotations

from functools import cache

from sqlglot import exp
from sqlglot.errors import ParseError

T = exp.DataType.Type
ALLOWED = {
    T.SMALLINT: "smallint",
    T.INT: "int",
    T.BIGINT: "bigint",
    T.DECIMAL: "decimal(p,s)",
    T.FLOAT: "real",
    T.DOUBLE: "double precision",
    T.BOOLEAN: "boolean",
    T.CHAR: "char(n)",
    T.VARCHAR: "varchar(n)",
    T.DATE: "date",
    T.TIMESTAMP: "timestamp",
    T.TIMESTAMPTZ: "timestamptz",
}
TEXT = {T.CHAR, T.VARCHAR}
TIMES = {T.TIMESTAMP, T.TIMESTAMPTZ}
VARCHAR_MAX_BYTES = 65535


@cache
def parse_type(text: str) -> exp.DataType:
    """Parse a spec type; raise ValueError naming the allowed types."""
    allowed = ", ".join(ALLOWED.values())
    try:
        datatype = exp.DataType.build(text, dialect="redshift")
    except (ParseError, ValueError):
        raise ValueError(f"unknown type {text!r} (allowed: {allowed})") from None
    if datatype.this not in ALLOWED:
        raise ValueError(f"type {text!r} is not supported (allowed: {allowed})")
    if datatype.this in TEXT and not datatype.expressions:
        raise ValueError(f"type {text!r} needs a length, e.g. {text}(256) or {text}(max)")
    return datatype


def max_bytes(datatype: exp.DataType) -> int | None:
    """The byte limit of a char/varchar column (Redshift counts bytes), else None."""
    if datatype.this not in TEXT:
        return None
    size = datatype.expressions[0].this
    return VARCHAR_MAX_BYTES if size.name.upper() == "MAX" else int(size.name)
