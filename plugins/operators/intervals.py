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


def run_interval(timetable: Timetable, run: DagRun, window: Interval | None = None) -> Interval:
    """An explicit window (the params'); else the run's data interval, as Airflow shows it (a scheduled or backfill
    run's; a manual run's when inferred from its logical date or given in the trigger form); else, for a manual
    run whose data interval is empty, the schedule period that ends at its logical date (or when it was due)."""
    if window:
        return window
    start, end = run.data_interval_start, run.data_interval_end
    if start and end and start < end:
        return Interval(naive_utc(start), naive_utc(end))
    return interval_ending_at(timetable, naive_utc(run.logical_date or run.run_after))
