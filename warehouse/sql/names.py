"""Quoted identifiers and table references: every name the generator writes goes through here."""

from __future__ import annotations

from dataclasses import dataclass

from sqlglot import exp


def ident(name: str) -> exp.Identifier:
    return exp.to_identifier(name, quoted=True)


def table(name: str, schema: str | None = None) -> exp.Table:
    return exp.Table(this=ident(name), db=ident(schema) if schema else None)


def column(name: str, owner: str | None = None) -> exp.Column:
    return exp.Column(this=ident(name), table=ident(owner) if owner else None)


def columns(names: list[str], owner: str | None = None) -> list[exp.Column]:
    return [column(n, owner) for n in names]


@dataclass(frozen=True)
class Layout:
    """Where a run's tables live: the spec's tables, this interval's staging tables, and the ledger."""

    schema: str | None
    staging_schema: str
    ledger_schema: str
    interval_key: str
    rebuilt: str | None = None  # a table loaded into its shadow (`<table>__rebuild`) while it is rebuilt

    def table(self, name: str) -> exp.Table:
        return table(shadow(name) if name == self.rebuilt else name, self.schema)

    def staging_name(self, source: str) -> str:
        return f"{source}_{self.interval_key}"

    def staging(self, source: str) -> exp.Table:
        return table(self.staging_name(source), self.staging_schema)

    def ledger(self, name: str) -> exp.Table:
        return table(name, self.ledger_schema)


def shadow(name: str) -> str:
    """The table a rebuild loads before it takes the place of `name`."""
    return f"{name}__rebuild"
