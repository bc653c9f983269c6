"""What a step runs: statements (with what their results mean to the runner) and the objects it writes first."""

from __future__ import annotations

from dataclasses import dataclass

from sqlglot import exp

ROW = "row"  # `counts=ROW`: the statement's first row, read as named counts


@dataclass(frozen=True)
class Statement:
    """One statement of a step.

    - `counts`: ROW reads a SELECT's first row as named counts; another name adds a DML's row count under it
      ("inserted", "deleted", ...); None runs it for its effect.
    - `rows`: the runner keeps every row under this name (check failures, load errors, tables present).
    - `when`: run only when the runner has seen these flags (a check that failed, a staging table present);
      `unless`: and not this one.
    - `binds`: values the runner binds to its named parameters: "step" (the step's ledger row); "rejects",
      "checks", "objects" (once per row set aside, per check, per object staged and table that loads it).
    - `feed`: rows sent by the client (PostgreSQL COPY FROM STDIN), read by an in-process DuckDB.
    - `alone`: it cannot run inside a transaction block (Redshift's ALTER COLUMN ... TYPE): the runner runs it
      first, on its own.
    """

    sql: exp.Expression
    counts: str | None = None
    rows: str | None = None
    when: tuple[str, ...] = ()
    unless: str | None = None
    binds: str | None = None
    feed: exp.Query | None = None
    alone: bool = False


@dataclass(frozen=True)
class Upload:
    """An object the step writes before the statements that read it (a COPY manifest)."""

    url: str
    content: bytes


Action = Statement | Upload
