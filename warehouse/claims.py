"""The named session-level locks a run holds, on engines that have them (`Engine.advisory_locks`: PostgreSQL's
advisory locks): one setup at a time in a database (CREATE ... IF NOT EXISTS is not safe against a concurrent
CREATE of the same name), and each step of an interval held by one run at a time (a second run of the interval
is refused, naming the first)."""

from __future__ import annotations

from warehouse.interval import Interval
from warehouse.plan import Step

SETUP = "setup"  # held (waited for) while setup reads the catalogs and creates what is missing


def step_locks(spec: str, interval: Interval, steps: list[Step]) -> list[str]:
    """The locks of these steps of the interval: taken without waiting before the first runs, released after."""
    return [f"{spec} {interval.key} {step.name}" for step in steps]
