"""What the spec's types must agree with: a fact's time column is a time, a reference compares values of one
kind, an encoding fits its column's type (Redshift refuses the CREATE TABLE otherwise), and the names the loader
derives from the spec's (staging and shadow tables, indexes) fit Redshift's 127 bytes."""

from __future__ import annotations

from typing import Any

from warehouse.spec import Fact, Spec
from warehouse.yamlfile import KeyPath, Problem

MAX_NAME_BYTES = 127  # https://docs.aws.amazon.com/redshift/latest/dg/r_names.html
LONGEST_INTERVAL_KEY = len("_20181101t0300")  # a staging table: <source>_<interval key>
LONGEST_SUFFIX = len("__rebuild__time")  # a rebuild's shadow table's index: <table>__rebuild__<key|time>


def type_problems(spec: Spec) -> list[Problem]:
    """Every column type that does not parse, and every use of a type that does not fit."""
    from warehouse.sql.types import ENCODINGS, parse_type

    problems, types = [], {}
    for path, column in spec.all_columns():
        try:
            types[path[:2], path[3]] = parse_type(column.type)
        except ValueError as error:
            problems.append(spec.document.problem((*path, "type"), str(error)))
            continue
        if column.encode and types[path[:2], path[3]].this not in ENCODINGS[column.encode]:
            message = f"encoding {column.encode} does not take a {column.type} column (Redshift refuses the table)"
            problems.append(spec.document.problem((*path, "encode"), message))
    return problems + _uses(spec, types) + _names(spec)


def _uses(spec: Spec, types: dict[tuple[KeyPath, str], Any]) -> list[Problem]:
    """A fact's time column is a time; a reference compares values of one kind."""
    from warehouse.sql.types import category

    problems = []
    for name, table in spec.tables.items():
        at = (spec.section(name), name)
        time = types.get((at, getattr(table, "time_column", None)))
        if isinstance(table, Fact) and time is not None and category(time) != "time":
            kind = table.columns[table.time_column].type
            message = f"time column {table.time_column!r} is {kind}: use a date or timestamp"
            problems.append(spec.document.problem((*at, "time_column"), message))
        for i, check in enumerate(table.checks):
            refs = check.references
            if refs is None or refs.to not in spec.tables:
                continue
            to = (spec.section(refs.to), refs.to)
            for mine, theirs in zip(refs.columns, refs.to_columns or spec.tables[refs.to].key, strict=False):
                ours, their = types.get((at, mine)), types.get((to, theirs))
                if ours is not None and their is not None and category(ours) != category(their):
                    shown = f"{mine} ({ours.sql('redshift')}) cannot match {refs.to}.{theirs} ({their.sql('redshift')})"
                    problems.append(spec.document.problem((*at, "checks", i, "references"), shown))
    return problems


def _names(spec: Spec) -> list[Problem]:
    """Names the loader derives from the spec's fit 127 bytes."""
    problems = []
    for name in spec.tables:
        if len(name.encode()) + LONGEST_SUFFIX > MAX_NAME_BYTES:
            limit = MAX_NAME_BYTES - LONGEST_SUFFIX
            message = f"a table name of at most {limit} bytes: the loader adds up to {LONGEST_SUFFIX} to it"
            problems.append(spec.document.problem((spec.section(name), name), message, at_key=True))
    for name in spec.sources:
        if len(name.encode()) + LONGEST_INTERVAL_KEY > MAX_NAME_BYTES:
            limit = MAX_NAME_BYTES - LONGEST_INTERVAL_KEY
            message = f"a source name of at most {limit} bytes: its staging tables add the interval to it"
            problems.append(spec.document.problem(("sources", name), message, at_key=True))
    return problems
