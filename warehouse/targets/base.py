"""The behaviour every warehouse engine shares: transactions, running statements, introspection.

An engine module overrides only what its engine does differently (how to connect, bulk-load staging).
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import urlsplit

from sqlglot import exp

from warehouse.sources.objects import ObjectStore, SourceObject
from warehouse.spec import JsonSource
from warehouse.sql.statement import ROW, Statement

log = logging.getLogger("warehouse.sql")


@dataclass(frozen=True)
class Reject:
    """A row set aside: where it was and why."""

    url: str
    line: int | None
    reason: str
    raw: str = ""

    def __str__(self) -> str:
        where = f"{self.url}, line {self.line}" if self.line else self.url
        return f"{where}: {self.reason}"


class DataError(Exception):
    """The engine refused the staged data (malformed JSON, a wrong type, a value too long)."""


@dataclass
class Staged:
    """What bulk-loading a staging table did."""

    rows: int = 0
    objects: int = 0
    rejects: list[Reject] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


class Target(ABC):
    dialect: ClassVar[str]
    default_schema: ClassVar[str] = "public"

    def __init__(self, connect: Callable[[], Any], description: str, secrets: tuple[str, ...] = ()):
        self._connect = connect
        self.description = description
        self.secrets = tuple(s for s in secrets if s)
        self._connection: Any = None
        self._depth = 0

    @property
    def connection(self) -> Any:
        if self._connection is None:
            self._connection = self._connect()
        return self._connection

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def __enter__(self) -> Target:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """All statements inside commit together or not at all; nested uses join the outer transaction."""
        self._depth += 1
        try:
            if self._depth == 1:
                self._begin()
            yield
            if self._depth == 1:
                self.connection.commit()
        except BaseException:
            if self._depth == 1 and self._connection is not None:
                self.connection.rollback()
            raise
        finally:
            self._depth -= 1

    def _begin(self) -> None:  # noqa: B027 (a hook, empty by default)
        """Drivers that open transactions implicitly need nothing here."""

    def render(self, statement: exp.Expression | Statement, pretty: bool = False) -> str:
        sql = statement.sql if isinstance(statement, Statement) else statement
        return sql.sql(dialect=self.dialect, pretty=pretty)

    def redact(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, "***")
        return text

    def execute(self, statement: exp.Expression | Statement) -> int:
        """Run one statement; return the number of rows it changed (-1 when the driver cannot tell)."""
        text = self._logged(statement)
        with self._cursor() as cursor:
            cursor.execute(text)
            return self._rowcount(cursor)

    def fetch(self, statement: exp.Expression | Statement) -> tuple[list[str], list[tuple]]:
        """Run a query; return its column names and rows."""
        text = self._logged(statement)
        with self._cursor() as cursor:
            cursor.execute(text)
            names = [d[0] for d in cursor.description or []]
            return names, [tuple(r) for r in cursor.fetchall()]

    @contextmanager
    def _cursor(self) -> Iterator[Any]:
        cursor = self.connection.cursor()
        try:
            yield cursor
        finally:
            cursor.close()

    def _logged(self, statement: exp.Expression | Statement) -> str:
        """The statement's text; logged (pretty, secrets masked) when INFO is on for warehouse.sql."""
        if log.isEnabledFor(logging.INFO):
            log.info("%s;", self.redact(self.render(statement, pretty=True)))
        return self.render(statement)

    def _rowcount(self, cursor: Any) -> int:
        return cursor.rowcount

    def run(self, statements: list[Statement]) -> dict[str, int]:
        """Run statements in one transaction; return the counts they were asked to report."""
        counts: dict[str, int] = {}
        with self.transaction():
            for statement in statements:
                if statement.counts == ROW:
                    names, rows = self.fetch(statement)
                    counts.update({n: int(v or 0) for n, v in zip(names, rows[0], strict=True)})
                elif statement.counts:
                    counts[statement.counts] = counts.get(statement.counts, 0) + self.execute(statement)
                else:
                    self.execute(statement)
        return counts

    def scalar(self, statement: exp.Expression) -> Any:
        _, rows = self.fetch(statement)
        return rows[0][0] if rows else None

    def table_exists(self, table: exp.Table) -> bool:
        schema = table.db or self.default_schema
        query = (
            exp.select("1")
            .from_(exp.table_("tables", db="information_schema"))
            .where(exp.column("table_schema").eq(exp.Literal.string(schema)))
            .where(exp.column("table_name").eq(exp.Literal.string(table.name)))
        )
        return bool(self.fetch(query)[1])

    @abstractmethod
    def diagnose(
        self, source: JsonSource, objects: list[SourceObject], store: ObjectStore, scratch: Path
    ) -> list[Reject]:
        """Every bad row of the objects, after the engine refused them."""

    @abstractmethod
    def stage_json(
        self,
        table: exp.Table,
        source: JsonSource,
        objects: list[SourceObject],
        store: ObjectStore,
        scratch: Path,
        manifest_url: str | None = None,
        exclude: tuple[Reject, ...] = (),
    ) -> Staged:
        """Bulk-load the objects into the (existing, empty) staging table, inside the current transaction;
        `manifest_url` is where an engine that loads from a manifest may write it; `exclude`d rows are left out
        (and reported as rejects). Raise DataError when the engine refuses the data."""


def redact_url(url: str) -> str:
    """The URL without its password, for messages and logs."""
    parts = urlsplit(url)
    if parts.password:
        return parts._replace(netloc=parts.netloc.replace(f":{parts.password}@", ":***@", 1)).geturl()
    return url
