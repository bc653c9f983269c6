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
NUMBERS = {T.SMALLINT, T.INT, T.BIGINT, T.DECIMAL, T.FLOAT, T.DOUBLE}
# https://docs.aws.amazon.com/redshift/latest/dg/r_Character_types.html: VARCHAR up to 65535 bytes, CHAR 4096;
# https://docs.aws.amazon.com/redshift/latest/dg/r_Numeric_types201.html: DECIMAL precision up to 38.
VARCHAR_MAX_BYTES = 65535
LIMITS = {T.VARCHAR: 65535, T.CHAR: 4096}
MAX_PRECISION = 38
# https://docs.aws.amazon.com/redshift/latest/dg/c_Compression_encodings.html: the types each encoding takes.
_INTEGERS = {T.SMALLINT, T.INT, T.BIGINT}
ENCODINGS = {
    "raw": set(ALLOWED),
    "az64": {*_INTEGERS, T.DECIMAL, T.DATE, T.TIMESTAMP, T.TIMESTAMPTZ},
    "bytedict": {*_INTEGERS, T.DECIMAL, T.FLOAT, T.DOUBLE, T.CHAR, T.VARCHAR, T.DATE, T.TIMESTAMP, T.TIMESTAMPTZ},
    "delta": {*_INTEGERS, T.DECIMAL, T.DATE, T.TIMESTAMP, T.TIMESTAMPTZ},
    "delta32k": {T.INT, T.BIGINT, T.DECIMAL, T.DATE, T.TIMESTAMP, T.TIMESTAMPTZ},
    "lzo": {*_INTEGERS, T.DECIMAL, T.CHAR, T.VARCHAR, T.DATE, T.TIMESTAMP, T.TIMESTAMPTZ},
    "mostly8": {*_INTEGERS, T.DECIMAL},
    "mostly16": {T.INT, T.BIGINT, T.DECIMAL},
    "mostly32": {T.BIGINT, T.DECIMAL},
    "runlength": set(ALLOWED),
    "text255": {T.VARCHAR},
    "text32k": {T.VARCHAR},
    "zstd": set(ALLOWED),
}


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
    params = [e.this.name for e in datatype.expressions]
    if datatype.this in TEXT:
        _length(text, datatype, params)
    elif datatype.this == T.DECIMAL:
        _precision(text, params)
    elif params:
        raise ValueError(f"type {text!r}: {ALLOWED[datatype.this]} takes no length or precision")
    return datatype


def _length(text: str, datatype: exp.DataType, params: list[str]) -> None:
    limit = LIMITS[datatype.this]
    if len(params) != 1:
        raise ValueError(f"type {text!r} needs a length, e.g. varchar(256) or varchar(max)")
    size = params[0]
    if size.upper() == "MAX" and datatype.this == T.VARCHAR:
        return
    if not size.isdigit() or not 1 <= int(size) <= limit:
        longest = f"from 1 to {limit}" + (" (or max)" if datatype.this == T.VARCHAR else "")
        raise ValueError(f"type {text!r}: the length must be a number of bytes {longest}")


def _precision(text: str, params: list[str]) -> None:
    if len(params) > 2 or not all(p.isdigit() for p in params):
        raise ValueError(f"type {text!r}: give decimal(precision, scale), e.g. decimal(18,2)")
    values = [int(p) for p in params]
    precision, scale = (values[0] if values else 18), (values[1] if len(values) > 1 else 0)
    if not 1 <= precision <= MAX_PRECISION or scale > precision:
        raise ValueError(f"type {text!r}: precision from 1 to {MAX_PRECISION}, and scale at most the precision")


def max_bytes(datatype: exp.DataType) -> int | None:
    """The byte limit of a char/varchar column (Redshift counts bytes), else None."""
    if datatype.this not in TEXT:
        return None
    size = datatype.expressions[0].this
    return VARCHAR_MAX_BYTES if size.name.upper() == "MAX" else int(size.name)


def category(datatype: exp.DataType) -> str | None:
    """What kind of value a type holds (text, number, time, boolean), or None when it is unknown."""
    if datatype.this in TEXT or datatype.this == T.TEXT:
        return "text"
    if datatype.this in NUMBERS or datatype.this in (T.TINYINT, T.UBIGINT, T.UINT):
        return "number"
    if datatype.this in (*TIMES, T.DATE, T.DATETIME):
        return "time"
    if datatype.this == T.BOOLEAN:
        return "boolean"
    return None
