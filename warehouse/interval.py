"""Intervals: the unit of work. A run owns [start, end), naive UTC, one period of the spec's schedule."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta


@dataclass(frozen=True, order=True)
class Interval:
    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        if self.start.tzinfo or self.end.tzinfo:
            raise ValueError("interval bounds are naive UTC datetimes")
        if self.end <= self.start:
            raise ValueError(f"interval end {self.end} is not after its start {self.start}")

    @property
    def key(self) -> str:
        """A name-safe label, e.g. 20181101 or 20181101T0300."""
        whole_day = self.start.time() == time() and self.end.time() == time()
        return self.start.strftime("%Y%m%d" if whole_day else "%Y%m%dT%H%M")

    def days(self) -> list[date]:
        """Calendar days that overlap the interval."""
        first, last = self.start.date(), (self.end - timedelta(microseconds=1)).date()
        return [first + timedelta(days=i) for i in range((last - first).days + 1)]

    def __str__(self) -> str:
        return f"[{self.start:%Y-%m-%d %H:%M}, {self.end:%Y-%m-%d %H:%M})"


def period_start(schedule: str, moment: datetime) -> datetime:
    """The start of the schedule period containing `moment` (@weekly periods start on Sunday, as in Airflow)."""
    day = datetime.combine(moment.date(), time())
    if schedule == "@hourly":
        return moment.replace(minute=0, second=0, microsecond=0)
    if schedule == "@daily":
        return day
    if schedule == "@weekly":
        return day - timedelta(days=(day.weekday() + 1) % 7)
    if schedule == "@monthly":
        return day.replace(day=1)
    if schedule == "@yearly":
        return day.replace(month=1, day=1)
    raise ValueError(f"unknown schedule {schedule!r}")


def next_start(schedule: str, start: datetime) -> datetime:
    if schedule == "@hourly":
        return start + timedelta(hours=1)
    if schedule == "@daily":
        return start + timedelta(days=1)
    if schedule == "@weekly":
        return start + timedelta(days=7)
    if schedule == "@monthly":
        return (start.replace(day=28) + timedelta(days=4)).replace(day=1)
    if schedule == "@yearly":
        return start.replace(year=start.year + 1)
    raise ValueError(f"unknown schedule {schedule!r}")


def intervals(schedule: str, start: datetime, end: datetime) -> list[Interval]:
    """The schedule periods that start in [start, end), in order; `start` is rounded down to a period."""
    result: list[Interval] = []
    current = period_start(schedule, start)
    while current < end:
        following = next_start(schedule, current)
        result.append(Interval(current, following))
        current = following
    return result


def interval_ending_at(schedule: str, moment: datetime) -> Interval:
    """The last whole period that ends at or before `moment` (what a manual trigger at `moment` loads)."""
    end = period_start(schedule, moment)
    start = period_start(schedule, end - timedelta(microseconds=1))
    return Interval(start, end)


def parse_moment(text: str) -> datetime:
    """`2018-11-01` or `2018-11-01T03:00` (an offset is converted to UTC) → a naive UTC datetime."""
    value = datetime.fromisoformat(text)
    return naive_utc(value) if value.tzinfo else value


def naive_utc(moment: datetime) -> datetime:
    """An aware datetime (also Airflow's pendulum ones) → a plain naive UTC datetime, as the library uses."""
    moment = moment.astimezone(UTC)
    return datetime.combine(moment.date(), moment.time())


def utc_now() -> datetime:
    """Now, as a naive UTC datetime (as the ledger records times)."""
    return datetime.now(UTC).replace(tzinfo=None)
