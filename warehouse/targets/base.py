"""A connection to a warehouse: transactions, running statements, introspection. What an engine does differently
is its `Engine` (warehouse/targets/engine.py); an engine module overrides here only how it connects and runs."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from sqlglot import exp

from warehouse.results import DataError, LockHeld, Reject
from warehouse.secrets import MASK, mask
from warehouse.sql.statement import Statement

if TYPE_CHECKING:
    from warehouse.targets.engine import Engine

log = logging.getLogger("warehouse.sql")  # every statement a target runs, at INFO (`warehouse run -v`)


class Target:
    """A connection to a warehouse engine: runs statements in transactions and reads back what they report."""

    data_errors: tuple[type[BaseException], ...] = ()  # the driver's errors that mean "the data was refused"

    def __init__(self, engine: Engine, connect: Callable[[], Any], description: str, secrets: tuple[str, ...] = ()):
        self.engine = engine
        self._connect = connect
        self.description = description
        self.secrets = tuple(s for s in secrets if s)
        self.log = log
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
                self._commit()
        except BaseException:
            if self._depth == 1 and self._connection is not None:
                self.connection.rollback()
            raise
        finally:
            self._depth -= 1

    def _begin(self) -> None:
        """Drivers that open transactions implicitly need nothing here."""

    def _commit(self) -> None:
        self.connection.commit()

    def conflict(self, error: BaseException) -> bool:
        """Whether the error is a conflict with a concurrent transaction that running it again may resolve."""
        return False

    @contextmanager
    def locked(self, names: list[str], wait: bool = True) -> Iterator[None]:
        """Hold the engine's session-level locks `names` while the block runs: wait for each, or (not `wait`) raise
        LockHeld naming the process that holds one. An engine without such locks holds nothing."""
        taken: list[str] = []
        try:
            for name in names if self.engine.advisory_locks else []:
                with self.transaction():
                    if not self.scalar(self.engine.advisory_lock(name, wait)):
                        raise LockHeld(self._holder(name))
                taken.append(name)
            yield
        finally:
            for name in reversed(taken):
                try:
                    with self.transaction():
                        self.execute(self.engine.advisory_unlock(name))
                except Exception as error:  # a lost session took its locks with it; the block's error matters
                    log.warning("could not release the lock %r: %s", name, self.redact(str(error)))

    def _holder(self, name: str) -> str:
        """Who holds a lock, as a person reads it: its server process and its application name."""
        rows = self.fetch(self.engine.lock_holder(name))[1]
        held = [f"pid {pid}" + (f", {application}" if application else "") for pid, application in rows]
        return f"{self.engine.name} server process {'; '.join(held)}" if held else "a session that just ended"

    def redact(self, text: str) -> str:
        """The text without the target's secrets (its password, the keys its engine signs with) nor anything
        that looks like a credential (`mask`)."""
        for secret in self.secrets:
            text = text.replace(secret, MASK)
        return mask(self.engine.redact(text))

    def execute(
        self, statement: exp.Expression | Statement, params: Mapping[str, Any] | Sequence[Any] | None = None
    ) -> int:
        """Run one statement (with named or positional parameters); return the rows it changed (-1 when the driver
        cannot tell). A statement fed by the client (COPY FROM STDIN) streams its feed."""
        if isinstance(statement, Statement) and statement.feed is not None:
            return self._copy_in(statement)
        text = self._logged(statement)
        with self._cursor() as cursor:
            try:
                cursor.execute(text, params) if params is not None else cursor.execute(text)
            except self.data_errors as error:
                raise DataError(str(error).strip().splitlines()[0]) from error
            return self._rowcount(cursor)

    def execute_alone(self, statement: Statement) -> None:
        """Run a statement outside any transaction block (the engines that need it say how)."""
        with self.transaction():
            self.execute(statement)

    def execute_many(self, statement: Statement, rows: list[dict[str, Any]]) -> None:
        """Run one statement once per set of named parameters."""
        if not rows:
            return
        text = self._logged(statement)
        with self._cursor() as cursor:
            cursor.executemany(text, rows)

    def fetch(self, statement: exp.Expression | Statement) -> tuple[list[str], list[tuple]]:
        """Run a query; return its column names and rows."""
        text = self._logged(statement)
        with self._cursor() as cursor:
            cursor.execute(text)
            names = [d[0] for d in cursor.description or []]
            return names, [tuple(r) for r in cursor.fetchall()]

    @contextmanager
    def stream(self, statement: exp.Expression, size: int) -> Iterator[Iterator[list[tuple]]]:
        """Batches of a query's rows, `size` at a time."""
        with self._cursor() as cursor:
            cursor.execute(self._logged(statement))
            yield iter(lambda: cursor.fetchmany(size), [])

    def scalar(self, statement: exp.Expression) -> Any:
        _, rows = self.fetch(statement)
        return rows[0][0] if rows else None

    def table_exists(self, table: exp.Table) -> bool:
        schema = table.db or self.engine.default_schema
        query = (
            exp.select("1")
            .from_(exp.table_("tables", db="information_schema"))
            .where(exp.column("table_schema").eq(exp.Literal.string(schema)))
            .where(exp.column("table_name").eq(exp.Literal.string(table.name)))
        )
        return bool(self.fetch(query)[1])

    def refused_rows(self) -> list[Reject] | None:
        """The rows the engine recorded as refused by the last load, or None when it keeps no such record (the
        files are then diagnosed)."""
        return None

    @contextmanager
    def _cursor(self) -> Iterator[Any]:
        cursor = self.connection.cursor()
        try:
            yield cursor
        finally:
            cursor.close()

    def _logged(self, statement: exp.Expression | Statement) -> str:
        """The statement's text; logged (pretty, secrets masked) when INFO is on for warehouse.sql."""
        if self.log.isEnabledFor(logging.INFO):
            self.log.info("%s;", self.redact(self.engine.render(statement, pretty=True)))
        return self.engine.render(statement)

    def _rowcount(self, cursor: Any) -> int:
        return cursor.rowcount

    def _copy_in(self, statement: Statement) -> int:
        raise NotImplementedError(f"{self.engine.name} has no COPY FROM STDIN")
