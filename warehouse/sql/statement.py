"""A statement of a step, with what its result means."""

from __future__ import annotations

from dataclasses import dataclass

from sqlglot import exp


@dataclass(frozen=True)
class Statement:
    """`counts`: for a SELECT, its first row is read as named counts ("row"); for DML, its row count is
    added under that name ("inserted", "deleted"...); None: run for its effect."""

    sql: exp.Expression
    counts: str | None = None

    def render(self, dialect: str, pretty: bool = False) -> str:
        return self.sql.sql(dialect=dialect, pretty=pretty)


ROW = "row"
