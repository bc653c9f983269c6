"""What a step did: its counts, checks and warnings, and how a step fails."""

from __future__ import annotations

from dataclasses import dataclass, field

from warehouse.interval import Interval
from warehouse.plan import Step


@dataclass(frozen=True)
class Reject:
    """A row set aside: where it was and why."""

    url: str
    line: int | None
    reason: str
    raw: str = ""
    records: int = 1  # the records it holds (a JSON array on one line, a whole object refused)

    def __str__(self) -> str:
        where = f"{self.url}, line {self.line}" if self.line else self.url
        return f"{where}: {self.reason}"

    @classmethod
    def of(cls, row: tuple) -> Reject:
        """A reject from an engine's row: url, line, reason, raw text."""
        url, line, reason, raw = row
        return cls(url, None if line is None else int(line), reason, raw or "")


class DataError(Exception):
    """The engine refused the staged data (malformed JSON, a wrong type, a value too long)."""


class Busy(Exception):
    """Another process holds what a run needs (an interval it loads, a DuckDB file): nothing was done, and a run
    started once that process ends does the work. `warehouse run` exits with BUSY_EXIT."""


class LockHeld(Busy):
    """A lock a run tried to take without waiting is held by another session (the message names it)."""


BUSY_EXIT = 3


@dataclass
class CheckResult:
    table: str
    name: str
    severity: str
    failures: int
    columns: list[str] = field(default_factory=list)
    sample: list[tuple] = field(default_factory=list)
    skipped: str = ""  # why the check could not run

    @property
    def passed(self) -> bool:
        return self.failures == 0 and not self.skipped

    @property
    def outcome(self) -> str:
        if self.skipped:
            return "skipped"
        return "passed" if self.passed else "warned" if self.severity == "warn" else "failed"

    def describe(self) -> str:
        if self.skipped:
            return f"{self.table}: {self.name} skipped: {self.skipped}"
        if self.passed:
            return f"{self.table}: {self.name} passed"
        lines = [f"{self.table}: {self.name} failed ({self.severity}): {self.failures} offending row(s)"]
        if self.sample:
            lines.append("    " + " | ".join(self.columns))
            lines += ["    " + " | ".join("NULL" if v is None else str(v) for v in row) for row in self.sample]
        return "\n".join(lines)


@dataclass
class StepResult:
    step: Step
    interval: Interval
    status: str = "success"
    counts: dict[str, int] = field(default_factory=dict)
    checks: list[CheckResult] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    message: str = ""
    seconds: float = 0.0


class StepFailed(Exception):
    """A step failed; its result (recorded in the ledger) says how."""

    def __init__(self, result: StepResult):
        self.result = result
        super().__init__(f"{result.step.name} {result.interval}: {result.message}")


class ChecksFailed(Exception):
    """A check of severity `error` found offending rows."""


class BadInput(Exception):
    """A source with on_bad_rows: fail has bad rows: each named by file and line, with the reason."""

    SHOWN = 5

    def __init__(self, source: str, rejects: list[Reject]):
        self.rejects = rejects
        lines = [f"source {source!r}: {len(rejects)} bad row(s) (on_bad_rows: fail; `reject` sets them aside):"]
        lines += [f"  {r}" for r in rejects[: self.SHOWN]]
        if len(rejects) > self.SHOWN:
            lines.append(f"  ... and {len(rejects) - self.SHOWN} more")
        super().__init__("\n".join(lines))
