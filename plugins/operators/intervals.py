"""Which interval an Airflow DAG run loads."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from warehouse.interval import Interval, Timetable, interval_ending_at, naive_utc


class DagRun(Protocol):
    """The fields of an Airflow DAG run that decide its interval (aware datetimes)."""

    logical_date: datetime | None
    data_interval_start: datetime | None
    data_interval_end: datetime | None
    run_after: datetime


def run_interval(timetable: Timetable, run: DagRun) -> Interval:
    """The run's data interval, as Airflow shows it: a scheduled or backfill run's period, a manual run's as the
    trigger form gives it (inferred from the logical date, or specified). A run without one (no logical date) loads
    the schedule period that ends when it was due. Raises ValueError for an empty data interval, or one that ends
    before it starts."""
    start, end = run.data_interval_start, run.data_interval_end
    if start is None or end is None:
        return interval_ending_at(timetable, naive_utc(run.logical_date or run.run_after))
    return Interval(naive_utc(start), naive_utc(end))
