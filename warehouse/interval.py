"""Intervals: the unit of work. A run owns [start, end), naive UTC, one period of the spec's timetable."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo


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
        """A name-safe label (lowercase, as Redshift folds names), e.g. 20181101 or 20181101t0300."""
        whole_day = self.start.time() == time() and self.end.time() == time()
        return self.start.strftime("%Y%m%d" if whole_day else "%Y%m%dt%H%M")

    def days(self) -> list[date]:
        """Calendar days that overlap the interval."""
        first, last = self.start.date(), (self.end - timedelta(microseconds=1)).date()
        return [first + timedelta(days=i) for i in range((last - first).days + 1)]

    def __str__(self) -> str:
        return f"[{self.start:%Y-%m-%d %H:%M}, {self.end:%Y-%m-%d %H:%M})"


PRESETS = {  # as Airflow reads them (airflow.utils.dates.cron_presets)
    "@hourly": "0 * * * *",
    "@daily": "0 0 * * *",
    "@weekly": "0 0 * * 0",
    "@monthly": "0 0 1 * *",
    "@yearly": "0 0 1 1 *",
}


@dataclass(frozen=True)
class Timetable:
    """A spec's schedule (a preset or a five-field cron expression) read in its timezone: its consecutive ticks
    bound the intervals. Ticks are found as Airflow's CronDataIntervalTimetable(schedule, timezone) finds them
    (airflow/timetables/_cron.py), so that the CLI and the DAG agree: a cron that ticks at least once an hour
    moves in absolute time across a change of clocks; another ticks at its wall-clock time, the second one when
    the clocks go back, and an hour later when they skip it."""

    schedule: str
    timezone: str = "UTC"

    @property
    def cron(self) -> str:
        return PRESETS.get(self.schedule, self.schedule)

    @property
    def whole_days(self) -> bool:
        """Every tick is a UTC midnight: intervals are whole days (or weeks, months, years)."""
        minutes, hours = _croniter(self.cron).expanded[:2]
        return minutes == [0] and hours == [0] and self.timezone == "UTC"

    def following(self, moment: datetime) -> datetime:
        """The first tick after `moment` (naive UTC, as every bound here)."""
        return self._tick(moment, forward=True)

    def preceding(self, moment: datetime) -> datetime:
        """The last tick before `moment`."""
        return self._tick(moment, forward=False)

    def _tick(self, moment: datetime, forward: bool) -> datetime:
        zone = UTC if self.timezone == "UTC" else ZoneInfo(self.timezone)
        local = moment.replace(tzinfo=UTC).astimezone(zone)
        wall = local.replace(tzinfo=None)
        cron = _croniter(self.cron, wall)
        tick = cron.get_next(datetime) if forward else cron.get_prev(datetime)
        if cron.expanded[1] == ["*"]:  # at least once an hour: the step in absolute time
            return moment + (tick - wall)
        return _localized(tick, zone)


def _croniter(cron: str, start: datetime | None = None) -> Any:
    from croniter import croniter  # only specs with a schedule need it (DAG parsing imports it anyway)

    return croniter(cron, start_time=start)


def _localized(wall: datetime, zone: tzinfo) -> datetime:
    """A wall-clock time in `zone` as naive UTC, as Airflow (pendulum) places it: a repeated time is its second
    occurrence, a skipped one moves forward by the gap."""
    before, after = (wall.replace(fold=fold, tzinfo=zone).utcoffset() for fold in (0, 1))
    if after is not None and before is not None and after > before:
        wall += after - before
    return naive_utc(wall.replace(fold=1, tzinfo=zone))


def is_cron(text: str) -> bool:
    """A valid five-field cron expression (minute hour day-of-month month day-of-week)."""
    from croniter import croniter

    return len(text.split()) == 5 and croniter.is_valid(text)


def period_start(timetable: Timetable, moment: datetime) -> datetime:
    """The start of the period containing `moment`: `moment` itself if it is a tick, else the tick before it
    (@weekly periods start on Sunday, as in Airflow)."""
    before = timetable.preceding(moment)
    return moment if timetable.following(before) == moment else before


def next_start(timetable: Timetable, start: datetime) -> datetime:
    """The tick after `start`: the end of the period that starts (or lies) there."""
    return timetable.following(start)


def intervals(timetable: Timetable, start: datetime, end: datetime) -> list[Interval]:
    """The periods that start in [start, end), in order; `start` is rounded down to a period."""
    result: list[Interval] = []
    current = period_start(timetable, start)
    while current < end:
        following = next_start(timetable, current)
        result.append(Interval(current, following))
        current = following
    return result


def interval_ending_at(timetable: Timetable, moment: datetime) -> Interval:
    """The last whole period that ends at or before `moment` (what a manual trigger at `moment` loads)."""
    end = period_start(timetable, moment)
    return Interval(timetable.preceding(end), end)


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
